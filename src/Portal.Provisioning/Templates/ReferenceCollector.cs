using System.Text.Json.Nodes;

namespace Portal.Provisioning.Templates;

/// <summary>Finds the names a template fragment refers to through Ref, Fn::GetAtt and Fn::Sub.</summary>
internal static class ReferenceCollector
{
    /// <summary>Names referenced (Ref targets, GetAtt resources, Sub variables before any dot), Sub's own variables excluded.</summary>
    public static IEnumerable<string> References(JsonNode? node)
    {
        var found = new List<string>();
        Collect(node, found);
        return found;
    }

    public static IEnumerable<string> ResourceReferences(JsonNode? node, IReadOnlySet<string> resources) =>
        References(node).Where(resources.Contains).Distinct(StringComparer.Ordinal);

    private static void Collect(JsonNode? node, List<string> found)
    {
        switch (node)
        {
            case JsonObject obj when Intrinsics.TryGetFunction(obj, out var fn, out var arg):
                switch (fn)
                {
                    case "Ref" when TemplateParser.Text(arg) is { } name:
                        found.Add(name);
                        return;
                    case "Fn::GetAtt" when Intrinsics.TryGetAttArguments(arg, out var resource, out var attribute):
                        found.Add(resource);
                        Collect(attribute, found);
                        return;
                    case "Fn::Sub":
                        CollectSub(arg, found);
                        return;
                    default:
                        Collect(arg, found);
                        return;
                }

            case JsonObject obj:
                foreach (var (_, value) in obj)
                {
                    Collect(value, found);
                }

                return;
            case JsonArray array:
                foreach (var item in array)
                {
                    Collect(item, found);
                }

                return;
            default:
                return;
        }
    }

    private static void CollectSub(JsonNode? arg, List<string> found)
    {
        string? text;
        JsonObject? variables = null;
        if (arg is JsonArray { Count: 2 } pair)
        {
            text = TemplateParser.Text(pair[0]);
            variables = pair[1] as JsonObject;
            Collect(variables, found);
        }
        else
        {
            text = TemplateParser.Text(arg);
        }

        if (text is null)
        {
            return;
        }

        foreach (var part in Intrinsics.ParseSub(text))
        {
            if (part.IsVariable && (variables is null || !variables.ContainsKey(part.Text)))
            {
                var dot = part.Text.IndexOf('.', StringComparison.Ordinal);
                found.Add(dot > 0 ? part.Text[..dot] : part.Text);
            }
        }
    }
}
