using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Portal.Provisioning.Templates;

/// <summary>Reads CloudFormation YAML into its canonical JSON form, expanding short-form intrinsics.</summary>
internal static partial class CfnYamlReader
{
    private static readonly Dictionary<string, string> ShortForms = new(StringComparer.Ordinal)
    {
        ["!Ref"] = "Ref",
        ["!Condition"] = "Condition",
        ["!GetAtt"] = "Fn::GetAtt",
        ["!Sub"] = "Fn::Sub",
        ["!If"] = "Fn::If",
        ["!Equals"] = "Fn::Equals",
        ["!Not"] = "Fn::Not",
        ["!And"] = "Fn::And",
        ["!Or"] = "Fn::Or",
        ["!Select"] = "Fn::Select",
        ["!GetAZs"] = "Fn::GetAZs",
        ["!Join"] = "Fn::Join",
        ["!Split"] = "Fn::Split",
        ["!FindInMap"] = "Fn::FindInMap",
        ["!Cidr"] = "Fn::Cidr",
        ["!ImportValue"] = "Fn::ImportValue",
        ["!Base64"] = "Fn::Base64",
        ["!Transform"] = "Fn::Transform",
        ["!Length"] = "Fn::Length",
        ["!ToJsonString"] = "Fn::ToJsonString",
    };

    public static JsonNode? Read(string text)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, anchors);
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                var extra = parser.Current!;
                throw new TemplateParseException("A template holds exactly one YAML document.", (int)extra.Start.Line, (int)extra.Start.Column);
            }

            return root;
        }
        catch (YamlException ex)
        {
            throw new TemplateParseException(ex.Message, (int)ex.Start.Line, (int)ex.Start.Column, ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner fails this way on some unterminated flow collections; report where parsing stopped.
            var mark = parser.Current?.End ?? Mark.Empty;
            throw new TemplateParseException($"Malformed YAML after this point ({ex.Message})", (int)mark.Line, (int)mark.Column, ex);
        }
    }

    private static JsonNode? ReadNode(IParser parser, Dictionary<string, JsonNode?> anchors)
    {
        var start = parser.Current!.Start;
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            return anchors.TryGetValue(alias.Value.Value, out var target)
                ? target?.DeepClone()
                : throw new TemplateParseException($"Unknown YAML alias '*{alias.Value}'.", (int)start.Line, (int)start.Column);
        }

        JsonNode? node;
        string? anchor;
        string? tag;
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            (anchor, tag) = (AnchorOf(scalar.Anchor), TagOf(scalar.Tag));
            node = tag is null || !ShortForms.ContainsKey(tag) ? ScalarNode(scalar, tag) : JsonValue.Create(scalar.Value);
        }
        else if (parser.TryConsume<SequenceStart>(out var sequence))
        {
            (anchor, tag) = (AnchorOf(sequence.Anchor), TagOf(sequence.Tag));
            var array = new JsonArray();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                array.Add(ReadNode(parser, anchors));
            }

            node = array;
        }
        else if (parser.TryConsume<MappingStart>(out var mapping))
        {
            (anchor, tag) = (AnchorOf(mapping.Anchor), TagOf(mapping.Tag));
            var obj = new JsonObject();
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var keyStart = parser.Current!.Start;
                var keyNode = ReadNode(parser, anchors);
                var key = keyNode is JsonValue keyValue ? ScalarText(keyValue)
                    : throw new TemplateParseException("Mapping keys must be scalars.", (int)keyStart.Line, (int)keyStart.Column);
                var value = ReadNode(parser, anchors);
                if (key == "<<" && value is JsonObject merged)
                {
                    foreach (var (mk, mv) in merged)
                    {
                        if (!obj.ContainsKey(mk))
                        {
                            obj[mk] = mv?.DeepClone();
                        }
                    }

                    continue;
                }

                if (obj.ContainsKey(key))
                {
                    throw new TemplateParseException($"Duplicate key '{key}'.", (int)keyStart.Line, (int)keyStart.Column);
                }

                obj[key] = value;
            }

            node = obj;
        }
        else
        {
            throw new TemplateParseException($"Unexpected YAML element {parser.Current?.GetType().Name}.", (int)start.Line, (int)start.Column);
        }

        if (tag is not null && !tag.StartsWith("tag:yaml.org,2002:", StringComparison.Ordinal))
        {
            node = ExpandShortForm(tag, node, start);
        }

        if (anchor is not null)
        {
            anchors[anchor] = node;
        }

        return node;
    }

    private static string? AnchorOf(AnchorName anchor) => anchor.IsEmpty ? null : anchor.Value;

    private static string? TagOf(TagName tag) => tag.IsEmpty || tag.IsNonSpecific ? null : tag.Value;

    private static JsonObject ExpandShortForm(string tag, JsonNode? argument, Mark start)
    {
        if (!ShortForms.TryGetValue(tag, out var function))
        {
            throw new TemplateParseException($"Unknown tag '{tag}'.", (int)start.Line, (int)start.Column);
        }

        // "!GetAtt Resource.Attribute" is the string form of ["Resource", "Attribute"]; the attribute may itself hold dots.
        if (function == "Fn::GetAtt" && argument is JsonValue value && value.TryGetValue<string>(out var text))
        {
            var dot = text.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || dot == text.Length - 1)
            {
                throw new TemplateParseException($"!GetAtt '{text}' must be 'Resource.Attribute'.", (int)start.Line, (int)start.Column);
            }

            argument = new JsonArray(text[..dot], text[(dot + 1)..]);
        }

        return new JsonObject { [function] = argument };
    }

    private static JsonNode? ScalarNode(Scalar scalar, string? tag)
    {
        var text = scalar.Value;
        if (tag is "tag:yaml.org,2002:str" || scalar.Style is not ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return tag is null ? null : JsonValue.Create(text);
        }

        if (text is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }

        if (text is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }

        // Numbers keep their source text (e.g. "8.0" stays "8.0") because CloudFormation passes them on as strings.
        return JsonNumber().IsMatch(text) ? JsonNode.Parse(text) : JsonValue.Create(text);
    }

    /// <summary>The text CloudFormation sees for a scalar: strings as they are, numbers as written, booleans lower-case.</summary>
    public static string ScalarText(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number or JsonValueKind.Null or JsonValueKind.Undefined or JsonValueKind.Object or JsonValueKind.Array => value.ToJsonString(),
        _ => value.ToJsonString(),
    };

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex JsonNumber();
}
