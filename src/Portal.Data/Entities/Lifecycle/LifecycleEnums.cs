using System.Text.Json.Serialization;

namespace Portal.Data.Entities.Lifecycle;

/// <summary>An environment's tier; stored and configured in lowercase (<c>dev</c>, <c>staging</c>, <c>prod</c>) as in template manifests.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EnvironmentTier>))]
public enum EnvironmentTier
{
    Dev,
    Staging,
    Prod,
}

/// <summary>What a self-service request asks for.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RequestKind>))]
public enum RequestKind
{
    Create,
    Update,
    Destroy,
    ExtendTtl,
}

/// <summary>Where a request stands; see <see cref="EnvironmentRequest"/> for the legal moves.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RequestStatus>))]
public enum RequestStatus
{
    PendingApproval,
    Approved,
    Rejected,
    Cancelled,
    Completed,
    Failed,
}

/// <summary>Where an environment stands; see <see cref="PortalEnvironment"/> for the legal moves.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EnvironmentStatus>))]
public enum EnvironmentStatus
{
    Requested,
    Provisioning,
    Ready,
    Updating,
    Stopping,
    Stopped,
    Starting,
    Failed,
    Destroying,
    Destroyed,
}

/// <summary>A platform engineer's verdict on a request.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DecisionVerdict>))]
public enum DecisionVerdict
{
    Approve,
    Reject,
}

/// <summary>What the approval policy ruled on a new request.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PolicyOutcome>))]
public enum PolicyOutcome
{
    AutoApproved,
    NeedsApproval,
    Rejected,
}

public static class EnvironmentTiers
{
    /// <summary>The tier's spelling in stack names, manifests and configuration.</summary>
    public static string Slug(this EnvironmentTier tier) => tier switch
    {
        EnvironmentTier.Dev => "dev",
        EnvironmentTier.Staging => "staging",
        EnvironmentTier.Prod => "prod",
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, "Unknown tier."),
    };

    public static EnvironmentTier Parse(string slug) =>
        TryParse(slug, out var tier) ? tier : throw new DomainValidationException("Tier", $"'{slug}' is not a tier (dev, staging or prod).");

    public static bool TryParse(string? slug, out EnvironmentTier tier)
    {
        switch (slug?.Trim().ToLowerInvariant())
        {
            case "dev":
                tier = EnvironmentTier.Dev;
                return true;
            case "staging":
                tier = EnvironmentTier.Staging;
                return true;
            case "prod":
                tier = EnvironmentTier.Prod;
                return true;
            default:
                tier = default;
                return false;
        }
    }
}
