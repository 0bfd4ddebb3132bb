using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Portal.Web.Hosting;

/// <summary>
/// RFC 9457 validation problem with per-field messages. Written with its own serializer options because field names
/// are data (template parameter names): ASP.NET Core's validation problem camel-cases them.
/// </summary>
public sealed record FieldProblem(string Type, string Title, int Status, string Detail, IReadOnlyDictionary<string, string[]> Errors)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DictionaryKeyPolicy = null };

    public static JsonHttpResult<FieldProblem> UnprocessableEntity(string title, IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.Json(
            new FieldProblem("https://tools.ietf.org/html/rfc4918#section-11.2", title, StatusCodes.Status422UnprocessableEntity,
                string.Join(" ", errors.Values.SelectMany(m => m)), errors),
            Json,
            "application/problem+json",
            StatusCodes.Status422UnprocessableEntity);
}
