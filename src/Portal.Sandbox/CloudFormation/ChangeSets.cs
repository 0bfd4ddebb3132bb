using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Portal.Provisioning.Templates;
using Portal.Sandbox.State;

namespace Portal.Sandbox.CloudFormation;

/// <summary>Resource-level differences between two configurations, with replacement per the schemas' createOnlyProperties.</summary>
internal static class ChangeSets
{
    private static readonly ConcurrentDictionary<string, (HashSet<string> CreateOnly, HashSet<string> Conditional)> Schemas = new(StringComparer.Ordinal);

    /// <summary>True when a changed top-level property is create-only, Conditional when only conditionally so, else False.</summary>
    public static string Replacement(string type, JsonObject before, JsonObject after)
    {
        var (createOnly, conditional) = SchemaOf(type);
        var changed = ChangedProperties(before, after).ToList();
        return changed.Any(createOnly.Contains) ? "True" : changed.Any(conditional.Contains) ? "Conditional" : "False";
    }

    public static IEnumerable<string> ChangedProperties(JsonObject before, JsonObject after) =>
        before.Select(p => p.Key).Union(after.Select(p => p.Key), StringComparer.Ordinal)
            .Where(key => !JsonNode.DeepEquals(before[key], after[key]))
            .Order(StringComparer.Ordinal);

    public static List<ChangeRecord> Compute(StackConfig? previous, StackConfig next, IReadOnlyDictionary<string, string?> replacements)
    {
        var changes = new List<ChangeRecord>();
        foreach (var id in next.CreationOrder)
        {
            var resource = next.Resources[id];
            if (previous is null || !previous.Resources.TryGetValue(id, out var old))
            {
                changes.Add(new ChangeRecord("Add", id, null, resource.Type, null, [], []));
                continue;
            }

            if (!replacements.TryGetValue(id, out var replacedPhysical))
            {
                continue;
            }

            var (createOnly, conditional) = SchemaOf(resource.Type);
            var details = new List<ChangeDetailRecord>();
            foreach (var name in ChangedProperties(old.Properties, resource.Properties))
            {
                var recreation = createOnly.Contains(name) ? "Always" : conditional.Contains(name) ? "Conditionally" : "Never";

                // Several replaced resources can share a physical id (a bucket and its BucketPolicy both carry the bucket's
                // name): the cause is another replaced resource whose old physical id the property held, never the resource itself.
                var causing = replacements
                    .Where(r => r.Value is not null && r.Key != id)
                    .OrderBy(r => r.Key, StringComparer.Ordinal)
                    .FirstOrDefault(r => old.Properties[name]?.ToJsonString().Contains(r.Value!, StringComparison.Ordinal) == true).Key;
                details.Add(causing is null
                    ? new ChangeDetailRecord("Properties", name, recreation, "Static", "DirectModification", null)
                    : new ChangeDetailRecord("Properties", name, recreation, "Static", "ResourceReference", causing));
            }

            if (details.Count == 0)
            {
                details.Add(new ChangeDetailRecord("Tags", null, "Never", "Static", "DirectModification", null));
            }

            var scope = details.Select(d => d.Name == "Tags" || d.Attribute == "Tags" ? "Tags" : "Properties").Distinct().Order(StringComparer.Ordinal).ToList();
            var replacement = replacedPhysical is not null ? "True" : Replacement(resource.Type, old.Properties, resource.Properties);
            changes.Add(new ChangeRecord("Modify", id, old.PhysicalId, resource.Type, replacement, scope, details));
        }

        if (previous is not null)
        {
            foreach (var id in previous.CreationOrder.Where(id => !next.Resources.ContainsKey(id)))
            {
                var old = previous.Resources[id];
                changes.Add(new ChangeRecord("Remove", id, old.PhysicalId, old.Type, null, [], []));
            }
        }

        return changes;
    }

    private static (HashSet<string> CreateOnly, HashSet<string> Conditional) SchemaOf(string type) =>
        Schemas.GetOrAdd(type, static t =>
        {
            var resource = $"Portal.Provisioning.Schemas.{t.Replace("::", "__", StringComparison.Ordinal)}.json";
            using var stream = typeof(SchemaRegistry).Assembly.GetManifestResourceStream(resource);
            if (stream is null)
            {
                return ([], []);
            }

            var schema = JsonNode.Parse(stream) as JsonObject ?? [];
            return (TopLevel(schema["createOnlyProperties"]), TopLevel(schema["conditionalCreateOnlyProperties"]));
        });

    // "/properties/Endpoint/Address" → "Endpoint": replacement is decided per top-level property.
    private static HashSet<string> TopLevel(JsonNode? pointers) =>
        new((pointers as JsonArray ?? []).Select(p => p?.ToString() ?? "")
            .Where(p => p.StartsWith("/properties/", StringComparison.Ordinal))
            .Select(p => p["/properties/".Length..].Split('/')[0]), StringComparer.Ordinal);
}
