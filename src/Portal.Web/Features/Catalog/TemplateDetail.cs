using Portal.Provisioning.Catalog;

namespace Portal.Web.Features.Catalog;

/// <summary><c>GET /api/v1/templates/{slug}</c>: parameters with constraints and per-tier presets, resources, outputs.</summary>
public sealed record TemplateDetail(
    string Slug,
    string Name,
    string Description,
    string Category,
    string Version,
    string ContentHash,
    IReadOnlyList<string> Capabilities,
    IReadOnlyList<TemplateTier> Tiers,
    IReadOnlyList<TemplateParameter> Parameters,
    IReadOnlyList<TemplateResource> Resources,
    IReadOnlyList<TemplateOutput> Outputs)
{
    public static TemplateDetail From(CatalogEntry entry)
    {
        var manifest = entry.Manifest;
        var template = entry.Template;
        return new TemplateDetail(
            entry.Slug, manifest.Name, manifest.Description, manifest.Category, entry.Version, entry.ContentHash, manifest.Capabilities,
            [.. CatalogQueries.OrderedTiers(entry).Select(t => new TemplateTier(
                t, manifest.Tiers[t].Availability?.Target, manifest.Tiers[t].Ttl?.DefaultHours ?? 0, manifest.Tiers[t].Ttl?.MaxHours ?? 0,
                manifest.Tiers[t].Parameters, manifest.Tiers[t].Usage))],
            [.. template.Parameters.Values.Select(p => new TemplateParameter(
                p.Name,
                template.Interface?.ParameterLabels.GetValueOrDefault(p.Name) ?? p.Name,
                p.Type.Name,
                manifest.PortalParameters.ContainsKey(p.Name) ? "portal" : manifest.UserParameters.Contains(p.Name) ? "requester" : "preset",
                p.NoEcho ? null : p.Default,
                p.AllowedValues, p.AllowedPattern, p.MinLength, p.MaxLength, p.MinValue, p.MaxValue, p.NoEcho, p.Description, p.ConstraintDescription,
                CatalogQueries.OrderedTiers(entry).Where(t => manifest.Tiers[t].Parameters.ContainsKey(p.Name)).ToDictionary(t => t, t => manifest.Tiers[t].Parameters[p.Name])))],
            [.. template.Resources.Values.Select(r => new TemplateResource(r.LogicalId, r.Type, r.Condition, r.DependsOn))],
            [.. template.Outputs.Values.Select(o => new TemplateOutput(o.Name, o.Description, o.Condition))]);
    }
}

public sealed record TemplateTier(string Name, string? Availability, int DefaultTtlHours, int MaxTtlHours, IReadOnlyDictionary<string, string> Presets, IReadOnlyDictionary<string, decimal> Usage);

public sealed record TemplateParameter(
    string Name, string Label, string Type, string SetBy, string? Default, IReadOnlyList<string>? AllowedValues, string? AllowedPattern,
    int? MinLength, int? MaxLength, decimal? MinValue, decimal? MaxValue, bool NoEcho, string? Description, string? ConstraintDescription,
    IReadOnlyDictionary<string, string> Presets);

public sealed record TemplateResource(string LogicalId, string Type, string? Condition, IReadOnlyList<string> DependsOn);

public sealed record TemplateOutput(string Name, string? Description, string? Condition);
