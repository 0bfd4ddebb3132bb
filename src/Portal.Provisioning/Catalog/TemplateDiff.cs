using System.Text.Json.Nodes;
using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Catalog;

/// <summary>What changed between two versions of a template: parameters and resources added, removed or modified.</summary>
public sealed record TemplateDiff(
    string FromVersion,
    string ToVersion,
    IReadOnlyList<ParameterDiff> ParametersAdded,
    IReadOnlyList<ParameterDiff> ParametersRemoved,
    IReadOnlyList<ResourceDiff> ResourcesAdded,
    IReadOnlyList<ResourceDiff> ResourcesRemoved,
    IReadOnlyList<ResourceDiff> ResourcesModified)
{
    public bool IsEmpty => ParametersAdded.Count + ParametersRemoved.Count + ResourcesAdded.Count + ResourcesRemoved.Count + ResourcesModified.Count == 0;

    /// <summary>Compares <paramref name="from"/> with <paramref name="to"/> (their declarations, not a resolved stack).</summary>
    public static TemplateDiff Compare(string fromVersion, CfnTemplate from, string toVersion, CfnTemplate to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var added = to.Parameters.Values.Where(p => !from.Parameters.ContainsKey(p.Name)).Select(p => new ParameterDiff(p.Name, p.Default)).ToList();
        var removed = from.Parameters.Values.Where(p => !to.Parameters.ContainsKey(p.Name)).Select(p => new ParameterDiff(p.Name, p.Default)).ToList();
        var resourcesAdded = to.Resources.Values.Where(r => !from.Resources.ContainsKey(r.LogicalId)).Select(r => new ResourceDiff(r.LogicalId, r.Type, [])).ToList();
        var resourcesRemoved = from.Resources.Values.Where(r => !to.Resources.ContainsKey(r.LogicalId)).Select(r => new ResourceDiff(r.LogicalId, r.Type, [])).ToList();
        var modified = new List<ResourceDiff>();
        foreach (var resource in to.Resources.Values)
        {
            if (!from.Resources.TryGetValue(resource.LogicalId, out var old))
            {
                continue;
            }

            var changed = Changed(old.Definition, resource.Definition);
            if (changed.Count > 0)
            {
                modified.Add(new ResourceDiff(resource.LogicalId, resource.Type, changed));
            }
        }

        return new TemplateDiff(fromVersion, toVersion, added, removed, resourcesAdded, resourcesRemoved, modified);
    }

    // Top-level keys of the definition that differ, with properties named one level down ("Properties.DefaultTTL").
    private static List<string> Changed(JsonObject before, JsonObject after)
    {
        var changed = new List<string>();
        foreach (var key in before.Select(p => p.Key).Union(after.Select(p => p.Key), StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (JsonNode.DeepEquals(before[key], after[key]))
            {
                continue;
            }

            if (key == "Properties" && before[key] is JsonObject b && after[key] is JsonObject a)
            {
                changed.AddRange(b.Select(p => p.Key).Union(a.Select(p => p.Key), StringComparer.Ordinal)
                    .Where(p => !JsonNode.DeepEquals(b[p], a[p])).Order(StringComparer.Ordinal));
            }
            else
            {
                changed.Add(key);
            }
        }

        return changed;
    }
}

/// <summary>A parameter added or removed, with its default (null: none).</summary>
public sealed record ParameterDiff(string Name, string? Default);

/// <summary>A resource added, removed or modified; <see cref="Changed"/> names the properties (or attributes) that differ.</summary>
public sealed record ResourceDiff(string LogicalId, string Type, IReadOnlyList<string> Changed);
