using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portal.Provisioning.Pricing.Pricers;

// Reads resolved CloudFormation property values, which may arrive as JSON numbers/booleans or as strings.
internal static class PropertyReader
{
    public static JsonNode? Get(JsonObject properties, string name) => properties.TryGetPropertyValue(name, out var node) ? node : null;

    public static bool IsSet(JsonObject properties, string name) => Get(properties, name) is not null;

    public static bool TryGetDecimal(JsonNode? node, out decimal value)
    {
        value = 0;
        if (node is not JsonValue v)
        {
            return false;
        }

        var kind = v.GetValueKind();
        if (kind == JsonValueKind.Number)
        {
            return v.TryGetValue(out value) || TryParse(v.ToJsonString(), out value);
        }

        return kind == JsonValueKind.String && TryParse(v.GetValue<string>(), out value);
    }

    public static bool TryGetString(JsonNode? node, out string value)
    {
        value = "";
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            value = v.GetValue<string>();
            return true;
        }

        return false;
    }

    public static string? GetString(JsonObject properties, string name) =>
        TryGetString(Get(properties, name), out var value) ? value : null;

    // True/false for JSON booleans or "true"/"false" strings; fallback when absent or unreadable.
    public static bool GetBool(JsonObject properties, string name, bool fallback)
    {
        if (Get(properties, name) is not JsonValue v)
        {
            return fallback;
        }

        var kind = v.GetValueKind();
        if (kind is JsonValueKind.True or JsonValueKind.False)
        {
            return kind == JsonValueKind.True;
        }

        if (kind == JsonValueKind.String && bool.TryParse(v.GetValue<string>(), out var parsed))
        {
            return parsed;
        }

        return fallback;
    }

    // A short rendering of an unresolvable value for an Unpriced reason.
    public static string Describe(JsonNode? node)
    {
        if (node is null)
        {
            return "not set";
        }

        var json = node.ToJsonString();
        return json.Length <= 80 ? json : string.Concat(json.AsSpan(0, 77), "...");
    }

    // Whether a value refers to logicalId anywhere: Ref, Fn::GetAtt, or ${X} / ${X.Attr} inside an Fn::Sub string.
    public static bool Mentions(JsonNode? node, string logicalId)
    {
        switch (node)
        {
            case null:
                return false;
            case JsonValue value:
                return TryGetString(value, out var text)
                    && (text.Contains("${" + logicalId + "}", StringComparison.Ordinal) || text.Contains("${" + logicalId + ".", StringComparison.Ordinal));
            case JsonArray array:
                return array.Any(item => Mentions(item, logicalId));
            case JsonObject obj:
                return ReferencedLogicalId(obj) == logicalId || obj.Any(pair => Mentions(pair.Value, logicalId));
            default:
                return false;
        }
    }

    // The logical id a {"Ref": "X"} or {"Fn::GetAtt": ["X", "Attr"]} (or "X.Attr") points at.
    public static string? ReferencedLogicalId(JsonNode? node)
    {
        if (node is not JsonObject obj || obj.Count != 1)
        {
            return null;
        }

        if (TryGetString(Get(obj, "Ref"), out var refId))
        {
            return refId;
        }

        return Get(obj, "Fn::GetAtt") switch
        {
            JsonArray { Count: >= 1 } array when TryGetString(array[0], out var id) => id,
            JsonValue value when TryGetString(value, out var dotted) && dotted.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot =>
                dotted[..dot],
            _ => null,
        };
    }

    private static bool TryParse(string text, out decimal value) =>
        decimal.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
