using Portal.Data.Entities.Lifecycle;

namespace Portal.Provisioning.Lifecycle;

/// <summary>The values the portal fills into a template's <c>portalParameters</c> (manifest source names).</summary>
public static class PortalValues
{
    public const string EnvironmentName = "environment-name";
    public const string VpcCidr = "vpc-cidr";
    public const string Tier = "tier";

    /// <summary>Placeholder CIDR for estimates made before the real block is allocated (pricing does not depend on it).</summary>
    public const string PreviewCidr = "10.0.0.0/16";

    public static IReadOnlyDictionary<string, string> Preview(string teamSlug, string name, EnvironmentTier tier) =>
        For(teamSlug, name, tier, PreviewCidr);

    public static IReadOnlyDictionary<string, string> For(string teamSlug, string name, EnvironmentTier tier, string? vpcCidr) =>
        new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [EnvironmentName] = ResourcePrefix(teamSlug, name, tier),
            [VpcCidr] = vpcCidr ?? PreviewCidr,
            [Tier] = tier.Slug(),
        };

    /// <summary>
    /// The name resources are given: <c>{team}-{name}-{tier}</c> (unique per account, like the stack name) when it fits the
    /// templates' rule (<c>^[a-z][a-z0-9-]{2,40}$</c>), else <c>{team}-{name}</c>, else the environment's name.
    /// </summary>
    public static string ResourcePrefix(string teamSlug, string name, EnvironmentTier tier)
    {
        string[] candidates = [$"{teamSlug}-{name}-{tier.Slug()}", $"{teamSlug}-{name}", name];
        return candidates.First(c => c.Length <= 41);
    }
}
