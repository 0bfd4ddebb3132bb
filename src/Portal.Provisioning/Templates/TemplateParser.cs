using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Portal.Provisioning.Templates;

/// <summary>Parses CloudFormation templates (YAML with short-form intrinsics, or JSON) into <see cref="CfnTemplate"/>.</summary>
public static class TemplateParser
{
    /// <summary>Parses YAML or JSON (detected from the first non-blank character).</summary>
    /// <exception cref="TemplateParseException">The text is not a well-formed template document.</exception>
    public static CfnTemplate Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.TrimStart('\uFEFF');
        var root = LooksLikeJson(text) ? ReadJson(text) : CfnYamlReader.Read(text);
        return root is JsonObject obj ? FromJson(obj) : throw new TemplateParseException("The template must be a mapping at its top level.", 1, 1);
    }

    /// <summary>Builds the typed view over an already canonical JSON template.</summary>
    public static CfnTemplate FromJson(JsonObject root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var parameters = Section(root, "Parameters", (name, node) => ToParameter(name, node as JsonObject ?? []));
        var mappings = Section(root, "Mappings", (_, node) => node as JsonObject ?? []);
        var conditions = Section(root, "Conditions", (_, node) => node);
        var resources = Section(root, "Resources", (name, node) => ToResource(name, node as JsonObject ?? []));
        var outputs = Section(root, "Outputs", (name, node) => ToOutput(name, node as JsonObject ?? []));
        var metadata = root["Metadata"] as JsonObject;
        return new CfnTemplate(
            root,
            Text(root["Description"]),
            parameters,
            mappings,
            conditions,
            resources,
            outputs,
            metadata,
            ToInterface(metadata?["AWS::CloudFormation::Interface"] as JsonObject));
    }

    internal static bool LooksLikeJson(string text)
    {
        foreach (var c in text)
        {
            if (!char.IsWhiteSpace(c) && c != '\uFEFF')
            {
                return c == '{';
            }
        }

        return false;
    }

    private static JsonNode? ReadJson(string text)
    {
        try
        {
            var root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false });
            Materialize(root);
            return root;
        }
        catch (JsonException ex)
        {
            throw new TemplateParseException(ex.Message, (int)(ex.LineNumber ?? 0) + 1, (int)(ex.BytePositionInLine ?? 0) + 1, ex);
        }
    }

    // JsonNode.Parse builds objects lazily on first read, which is not thread-safe; catalog templates are read concurrently.
    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, value) in obj)
                {
                    Materialize(value);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Materialize(item);
                }

                break;
            default:
                break;
        }
    }

    private static Dictionary<string, T> Section<T>(JsonObject root, string name, Func<string, JsonNode?, T> map)
    {
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        if (root[name] is JsonObject section)
        {
            foreach (var (key, value) in section)
            {
                result[key] = map(key, value);
            }
        }

        return result;
    }

    private static CfnParameter ToParameter(string name, JsonObject p) => new(
        name,
        CfnParameterType.Parse(Text(p["Type"]) ?? "String"),
        p["Default"] switch
        {
            JsonArray list => string.Join(',', list.Select(Text)),
            var node => Text(node),
        },
        p["AllowedValues"] is JsonArray allowed ? [.. allowed.Select(v => Text(v) ?? "")] : null,
        Text(p["AllowedPattern"]),
        Int(p["MinLength"]),
        Int(p["MaxLength"]),
        Decimal(p["MinValue"]),
        Decimal(p["MaxValue"]),
        string.Equals(Text(p["NoEcho"]), "true", StringComparison.OrdinalIgnoreCase),
        Text(p["Description"]),
        Text(p["ConstraintDescription"]));

    private static CfnResource ToResource(string logicalId, JsonObject r) => new(
        logicalId,
        Text(r["Type"]) ?? "",
        r["Properties"] as JsonObject,
        r["DependsOn"] switch
        {
            JsonArray list => [.. list.Select(v => Text(v) ?? "")],
            JsonValue single => [Text(single) ?? ""],
            _ => [],
        },
        Text(r["Condition"]),
        Text(r["DeletionPolicy"]),
        Text(r["UpdateReplacePolicy"]),
        r["Metadata"] as JsonObject,
        r);

    private static CfnOutput ToOutput(string name, JsonObject o) => new(
        name,
        o["Value"],
        Text(o["Description"]),
        (o["Export"] as JsonObject)?["Name"],
        Text(o["Condition"]));

    private static CfnInterface? ToInterface(JsonObject? ui)
    {
        if (ui is null)
        {
            return null;
        }

        var groups = (ui["ParameterGroups"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(g => new CfnParameterGroup(
                Text((g["Label"] as JsonObject)?["default"]),
                [.. (g["Parameters"] as JsonArray ?? []).Select(p => Text(p) ?? "")]))
            .ToList();
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, label) in ui["ParameterLabels"] as JsonObject ?? [])
        {
            if (Text((label as JsonObject)?["default"]) is { } text)
            {
                labels[name] = text;
            }
        }

        return new CfnInterface(groups, labels);
    }

    /// <summary>A scalar's text as CloudFormation sees it; null for missing, null, objects and arrays.</summary>
    internal static string? Text(JsonNode? node) => node is JsonValue value && value.GetValueKind() != JsonValueKind.Null
        ? CfnYamlReader.ScalarText(value)
        : null;

    private static int? Int(JsonNode? node) =>
        int.TryParse(Text(node), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static decimal? Decimal(JsonNode? node) =>
        decimal.TryParse(Text(node), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
}
