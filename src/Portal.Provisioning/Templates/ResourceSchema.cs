using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Portal.Provisioning.Templates;

[Flags]
internal enum SchemaTypes
{
    Any = 0,
    String = 1,
    Integer = 2,
    Number = 4,
    Boolean = 8,
    Array = 16,
    Object = 32,
}

/// <summary>The part of a JSON schema the validator checks, compiled once with local <c>$ref</c>s followed.</summary>
internal sealed class SchemaNode
{
    public SchemaTypes Types { get; set; }

    public Dictionary<string, SchemaNode>? Properties { get; set; }

    public List<(Regex Pattern, SchemaNode Schema)>? PatternProperties { get; set; }

    public bool ClosedProperties { get; set; }

    public IReadOnlyList<string> Required { get; set; } = [];

    /// <summary>anyOf/oneOf branches that only say "required": at least one branch must hold.</summary>
    public IReadOnlyList<IReadOnlyList<string>>? RequiredAlternatives { get; set; }

    public SchemaNode? Items { get; set; }

    /// <summary>cfn-lint's requiredXor: exactly one of these.</summary>
    public IReadOnlyList<string>? RequiredXor { get; set; }

    /// <summary>cfn-lint's requiredOr: at least one of these.</summary>
    public IReadOnlyList<string>? RequiredOr { get; set; }

    public IReadOnlyDictionary<string, IReadOnlyList<string>>? DependentRequired { get; set; }

    public IReadOnlyDictionary<string, IReadOnlyList<string>>? DependentExcluded { get; set; }

    public IReadOnlyList<string>? Enum { get; set; }

    public int? MinLength { get; set; }

    public int? MaxLength { get; set; }

    public decimal? Minimum { get; set; }

    public decimal? Maximum { get; set; }

    public bool EnumCaseInsensitive { get; set; }

    public SchemaNode? FindProperty(string name)
    {
        if (Properties is not null && Properties.TryGetValue(name, out var schema))
        {
            return schema;
        }

        if (PatternProperties is not null)
        {
            foreach (var (pattern, patternSchema) in PatternProperties)
            {
                if (pattern.IsMatch(name))
                {
                    return patternSchema;
                }
            }
        }

        return null;
    }
}

/// <summary>Compiles a resource provider schema into <see cref="SchemaNode"/>s.</summary>
internal sealed class SchemaCompiler(JsonObject document)
{
    private readonly Dictionary<string, SchemaNode> _definitions = new(StringComparer.Ordinal);

    public static SchemaNode Compile(JsonObject document) => new SchemaCompiler(document).Node(document);

    private SchemaNode Node(JsonNode? node)
    {
        if (node is not JsonObject schema)
        {
            return new SchemaNode();
        }

        if (schema["$ref"] is JsonValue reference && reference.GetValue<string>() is { } pointer && pointer.StartsWith("#/definitions/", StringComparison.Ordinal))
        {
            var name = pointer["#/definitions/".Length..];
            if (_definitions.TryGetValue(name, out var known))
            {
                return known;
            }

            // Registered before filling so recursive definitions point at the same node.
            var target = new SchemaNode();
            _definitions[name] = target;
            Fill(target, document["definitions"]?[name] as JsonObject ?? []);
            return target;
        }

        var result = new SchemaNode();
        Fill(result, schema);
        return result;
    }

    private void Fill(SchemaNode target, JsonObject schema)
    {
        target.Types = schema["type"] switch
        {
            JsonArray types => types.Aggregate(SchemaTypes.Any, (all, t) => all | TypeOf(TemplateParser.Text(t))),
            var single => TypeOf(TemplateParser.Text(single)),
        };
        if (schema["properties"] is JsonObject properties)
        {
            target.Properties = new Dictionary<string, SchemaNode>(StringComparer.Ordinal);
            foreach (var (name, propertySchema) in properties)
            {
                target.Properties[name] = Node(propertySchema);
            }
        }

        if (schema["patternProperties"] is JsonObject patterns)
        {
            target.PatternProperties = [];
            foreach (var (pattern, patternSchema) in patterns)
            {
                target.PatternProperties.Add((ToRegex(pattern), Node(patternSchema)));
            }
        }

        target.ClosedProperties = schema["additionalProperties"] is JsonValue additional && TemplateParser.Text(additional) == "false";
        if (schema["required"] is JsonArray required)
        {
            target.Required = [.. required.Select(r => TemplateParser.Text(r) ?? "")];
        }

        var alternatives = (schema["anyOf"] as JsonArray ?? schema["oneOf"] as JsonArray)?.ToList();
        if (alternatives is { Count: > 0 } && alternatives.All(a => a is JsonObject { Count: 1 } o && o["required"] is JsonArray))
        {
            target.RequiredAlternatives = [.. alternatives.Select(a => (IReadOnlyList<string>)[.. ((JsonArray)a!["required"]!).Select(r => TemplateParser.Text(r) ?? "")])];
        }

        target.MinLength = Number(schema["minLength"]) is { } minLength ? (int)minLength : null;
        target.MaxLength = Number(schema["maxLength"]) is { } maxLength ? (int)maxLength : null;
        target.Minimum = Number(schema["minimum"]);
        target.Maximum = Number(schema["maximum"]);
        target.RequiredXor = Names(schema["requiredXor"]);
        target.RequiredOr = Names(schema["requiredOr"]);
        target.DependentRequired = Dependencies(schema["dependentRequired"]);
        target.DependentExcluded = Dependencies(schema["dependentExcluded"]);
        if (schema["items"] is JsonObject items)
        {
            target.Items = Node(items);
        }

        var enumValues = schema["enum"] as JsonArray;
        if (enumValues is null && schema["enumCaseInsensitive"] is JsonArray insensitive)
        {
            (enumValues, target.EnumCaseInsensitive) = (insensitive, true);
        }

        if (enumValues is not null && enumValues.All(v => v is JsonValue))
        {
            target.Enum = [.. enumValues.Select(v => TemplateParser.Text(v) ?? "")];
        }
    }

    private static decimal? Number(JsonNode? node) =>
        decimal.TryParse(TemplateParser.Text(node), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null;

    private static List<string>? Names(JsonNode? node) =>
        node is JsonArray array ? [.. array.Select(n => TemplateParser.Text(n) ?? "")] : null;

    private static Dictionary<string, IReadOnlyList<string>>? Dependencies(JsonNode? node) =>
        node is JsonObject map
            ? map.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)(Names(kv.Value) ?? []), StringComparer.Ordinal)
            : null;

    private static SchemaTypes TypeOf(string? name) => name switch
    {
        "string" => SchemaTypes.String,
        "integer" => SchemaTypes.Integer,
        "number" => SchemaTypes.Number,
        "boolean" => SchemaTypes.Boolean,
        "array" => SchemaTypes.Array,
        "object" => SchemaTypes.Object,
        _ => SchemaTypes.Any,
    };

    private static Regex ToRegex(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        }
        catch (ArgumentException)
        {
            // A pattern .NET cannot read must not reject valid templates: accept every key.
            return new Regex(".*", RegexOptions.CultureInvariant);
        }
    }
}
