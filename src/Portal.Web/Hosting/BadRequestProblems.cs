using System.Text.Json;
using System.Text.RegularExpressions;

namespace Portal.Web.Hosting;

/// <summary>
/// A request the endpoints cannot bind (a query value of the wrong type, JSON that is malformed or of the wrong shape, an
/// unknown field, the wrong content type, a body over the limit) answers its status (400, 415, 413) with problem details
/// that <b>name the field</b> in <c>errors</c>, as the endpoints' own 422s do — never the exception's text, never a 500, and
/// logged at debug only (the client's fault). Minimal APIs throw these (<c>RouteHandlerOptions.ThrowOnBadRequest</c>) so
/// the field can be read from the exception; this middleware, inside the exception pages, catches them.
/// </summary>
public static partial class BadRequestProblems
{
    public const string Title = "The request could not be read.";

    public static IApplicationBuilder UseBadRequestProblems(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            var (field, message) = Describe(e);
            LogBadRequest(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(BadRequestProblems)), context.Request.Path.Value, field, message, e.Message);
            context.Response.Clear();
            var errors = new Dictionary<string, string[]> { [field] = [message] };
            await TypedResults.Problem($"{field}: {message}", statusCode: e.StatusCode, title: Title, extensions: new Dictionary<string, object?> { ["errors"] = errors })
                .ExecuteAsync(context);
        }
    });

    /// <summary>
    /// For the two refusals the endpoints write without throwing — a body over the limit (413) and a body that is not JSON
    /// (415) — names the field in <c>errors</c> too. Runs for every problem written through <c>IProblemDetailsService</c>.
    /// </summary>
    public static void Customize(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        if (problem.Extensions.ContainsKey("errors"))
        {
            return;
        }

        var (field, message) = problem.Status switch
        {
            StatusCodes.Status413PayloadTooLarge => ("body", "The body is too large (at most 1 MB)."),
            StatusCodes.Status415UnsupportedMediaType => ("Content-Type", "Send the body as application/json."),
            _ => ("", ""),
        };
        if (field.Length > 0)
        {
            problem.Detail ??= $"{field}: {message}";
            problem.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [message] };
        }
    }

    /// <summary>The field a bad request is about (a query or route parameter, a JSON path, <c>body</c>, <c>Content-Type</c>) and what is wrong, in words.</summary>
    internal static (string Field, string Message) Describe(BadHttpRequestException e)
    {
        if (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return ("body", "The body is too large (at most 1 MB).");
        }

        if (e.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return ("Content-Type", "Send the body as application/json.");
        }

        if (FindJson(e) is { } json)
        {
            if (UnmappedProperty().Match(json.Message ?? "") is { Success: true } unmapped)
            {
                return (Field(json.Path, unmapped.Groups[1].Value), "This field is not known here.");
            }

            var field = Field(json.Path, null);
            return field == "body"
                ? ("body", "The body must be a JSON object of this request's fields.")
                : (field, "The value has the wrong type or format.");
        }

        var parameter = Parameter().Match(e.Message);
        var name = parameter.Success ? parameter.Groups["name"].Value : "body";
        var type = parameter.Success ? parameter.Groups["type"].Value : "";
        if (e.Message.Contains("from body", StringComparison.Ordinal) || e.Message.StartsWith("Implicit body", StringComparison.Ordinal))
        {
            return ("body", "A JSON body is required.");
        }

        if (e.Message.StartsWith("Required parameter", StringComparison.Ordinal))
        {
            return (name, "This value is required.");
        }

        if (e.Message.StartsWith("Failed to bind parameter", StringComparison.Ordinal))
        {
            return (name, $"The value must be {Kind(type)}.");
        }

        return parameter.Success ? (name, "The value could not be read.") : ("body", "The body could not be read.");
    }

    private static JsonException? FindJson(Exception e)
    {
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is JsonException json)
            {
                return json;
            }
        }

        return null;
    }

    // "$.parameters.size" → "parameters.size"; "$" or nothing → the property named by the message, else "body".
    private static string Field(string? path, string? property)
    {
        var trimmed = (path ?? "$").TrimStart('$').TrimStart('.');
        if (property is not null)
        {
            return trimmed.Length == 0 ? property
                : trimmed == property || trimmed.EndsWith("." + property, StringComparison.Ordinal) ? trimmed
                : $"{trimmed}.{property}";
        }

        return trimmed.Length == 0 ? "body" : trimmed;
    }

    // "int", "int?" or "Nullable<int>": what the value must be, in words.
    private static string Kind(string type) => type.Replace("Nullable<", "", StringComparison.Ordinal).TrimEnd('>', '?') switch
    {
        "int" or "long" or "short" or "Int32" or "Int64" => "a whole number",
        "decimal" or "double" or "float" => "a number",
        "bool" or "Boolean" => "true or false",
        "Guid" => "a GUID",
        "DateOnly" => "a date (yyyy-MM-dd)",
        "DateTimeOffset" or "DateTime" => "a date and time (ISO 8601)",
        _ => "of the right type",
    };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Bad request to {Path}: {Field}: {Problem} ({Reason})")]
    private static partial void LogBadRequest(ILogger logger, string? path, string field, string problem, string reason);

    [GeneratedRegex("parameter \"(?:(?<type>[^\" ]+) )?(?<name>[^\" ]+)\"", RegexOptions.CultureInvariant)]
    private static partial Regex Parameter();

    [GeneratedRegex("property '([^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex UnmappedProperty();
}
