using System.Text.RegularExpressions;
using Portal.Provisioning.Aws.CloudFormation;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// The tags every stack the portal creates carries (docs: template catalog, "Every stack the portal creates is tagged");
/// CloudFormation propagates them to the resources, and Cost Explorer groups spend by <see cref="EnvironmentId"/>.
/// </summary>
public static partial class PortalStackTags
{
    public const string EnvironmentId = "portal:environment-id";
    public const string Team = "portal:team";
    public const string Owner = "portal:owner";
    public const string Tier = "portal:tier";
    public const string Template = "portal:template";
    public const string TemplateVersion = "portal:template-version";
    public const string CostCenter = "cost-center";

    public static IReadOnlyList<string> All { get; } = [EnvironmentId, Team, Owner, Tier, Template, TemplateVersion, CostCenter];

    /// <summary>The seven tags for one environment; throws when a value breaks AWS's tag rules.</summary>
    public static IReadOnlyList<Tag> For(Guid environmentId, string team, string owner, string tier, string template, string templateVersion, string costCenter)
    {
        Tag[] tags =
        [
            new(EnvironmentId, environmentId.ToString()),
            new(Team, team),
            new(Owner, owner),
            new(Tier, tier),
            new(Template, template),
            new(TemplateVersion, templateVersion),
            new(CostCenter, costCenter.Length == 0 ? "none" : costCenter),
        ];
        foreach (var tag in tags.Where(t => t.Value.Length > 256 || !AllowedValue().IsMatch(t.Value)))
        {
            throw new ArgumentException($"Tag {tag.Key} value '{tag.Value}' is not a valid AWS tag value (at most 256 letters, digits, spaces and _ . : / = + - @).");
        }

        return tags;
    }

    [GeneratedRegex(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$")]
    private static partial Regex AllowedValue();
}
