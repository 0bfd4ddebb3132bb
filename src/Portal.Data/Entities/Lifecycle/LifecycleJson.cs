using System.Text.Json;

namespace Portal.Data.Entities.Lifecycle;

/// <summary>Checks JSON columns before they are stored, so SQLite (TEXT) refuses what PostgreSQL (jsonb) would.</summary>
internal static class LifecycleJson
{
    public static void Require(Dictionary<string, string> errors, string field, string? json, JsonValueKind kind)
    {
        if (!Is(json, kind))
        {
            errors[field] = $"{field} must be a JSON {(kind == JsonValueKind.Array ? "array" : "object")}.";
        }
    }

    public static string Checked(string field, string json, JsonValueKind kind = JsonValueKind.Object)
    {
        var errors = new Dictionary<string, string>();
        Require(errors, field, json, kind);
        return errors.Count == 0 ? json : throw new DomainValidationException(errors);
    }

    private static bool Is(string? json, JsonValueKind kind)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == kind;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
