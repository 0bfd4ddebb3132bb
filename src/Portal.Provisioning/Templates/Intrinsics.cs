using System.Text;
using System.Text.Json.Nodes;

namespace Portal.Provisioning.Templates;

/// <summary>Recognises intrinsic-function objects and the pieces of <c>Fn::Sub</c> strings.</summary>
internal static class Intrinsics
{
    public const string NoValue = "AWS::NoValue";

    /// <summary>True for a one-key object whose key is <c>Ref</c> or <c>Fn::*</c> (and <c>Condition</c> where conditions are evaluated).</summary>
    public static bool TryGetFunction(JsonNode? node, out string name, out JsonNode? argument, bool allowCondition = false)
    {
        if (node is JsonObject { Count: 1 } obj)
        {
            var (key, value) = obj.First();
            if (key == "Ref" || key.StartsWith("Fn::", StringComparison.Ordinal) || (allowCondition && key == "Condition"))
            {
                (name, argument) = (key, value);
                return true;
            }
        }

        (name, argument) = ("", null);
        return false;
    }

    /// <summary>Reads Fn::GetAtt's argument: <c>[resource, attribute]</c> or the dotted string <c>"resource.attribute"</c>.</summary>
    public static bool TryGetAttArguments(JsonNode? arg, out string resource, out JsonNode? attribute)
    {
        if (arg is JsonArray { Count: 2 } pair && TemplateParser.Text(pair[0]) is { } name)
        {
            (resource, attribute) = (name, pair[1]);
            return true;
        }

        if (TemplateParser.Text(arg) is { } dotted && dotted.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot && dot < dotted.Length - 1)
        {
            (resource, attribute) = (dotted[..dot], JsonValue.Create(dotted[(dot + 1)..]));
            return true;
        }

        (resource, attribute) = ("", null);
        return false;
    }

    public static bool IsNoValueRef(JsonNode? node) =>
        TryGetFunction(node, out var fn, out var arg) && fn == "Ref" && TemplateParser.Text(arg) == NoValue;

    /// <summary>True when the node holds no intrinsic function anywhere.</summary>
    public static bool IsResolved(JsonNode? node) => node switch
    {
        JsonObject obj => !TryGetFunction(obj, out _, out _) && obj.All(kv => IsResolved(kv.Value)),
        JsonArray array => array.All(IsResolved),
        _ => true,
    };

    /// <summary>Splits an <c>Fn::Sub</c> string into literal text and <c>${Variable}</c> names; <c>${!Literal}</c> stays literal.</summary>
    public static IReadOnlyList<SubPart> ParseSub(string text)
    {
        var parts = new List<SubPart>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var open = text.IndexOf("${", i, StringComparison.Ordinal);
            if (open < 0)
            {
                literal.Append(text, i, text.Length - i);
                break;
            }

            var close = text.IndexOf('}', open + 2);
            if (close < 0)
            {
                literal.Append(text, i, text.Length - i);
                break;
            }

            literal.Append(text, i, open - i);
            var name = text[(open + 2)..close];
            if (name.StartsWith('!'))
            {
                literal.Append("${").Append(name, 1, name.Length - 1).Append('}');
            }
            else
            {
                if (literal.Length > 0)
                {
                    parts.Add(new SubPart(literal.ToString(), false));
                    literal.Clear();
                }

                parts.Add(new SubPart(name.Trim(), true));
            }

            i = close + 1;
        }

        if (literal.Length > 0)
        {
            parts.Add(new SubPart(literal.ToString(), false));
        }

        return parts;
    }

    /// <summary>Writes a Sub part back in template syntax (literal "${" escaped again).</summary>
    public static string Unparse(SubPart part) => part.IsVariable ? "${" + part.Text + "}" : part.Text.Replace("${", "${!", StringComparison.Ordinal);
}

internal readonly record struct SubPart(string Text, bool IsVariable);
