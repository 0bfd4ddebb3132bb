namespace Portal.Provisioning.Catalog;

/// <summary>A catalog entry's <c>portal.yaml</c> (see docs/template-manifest.md): how the portal offers the template.</summary>
public sealed record TemplateManifest
{
    public string Slug { get; init; } = "";

    public string Name { get; init; } = "";

    public string Description { get; init; } = "";

    public string Category { get; init; } = "";

    public string Owner { get; init; } = "";

    public string Version { get; init; } = "";

    public bool NeedsVpcCidr { get; init; }

    public List<string> Capabilities { get; init; } = [];

    /// <summary>Parameters the requester may change.</summary>
    public List<string> UserParameters { get; init; } = [];

    /// <summary>Parameters the portal fills itself: parameter name → the portal value it takes (e.g. <c>environment-name</c>).</summary>
    public Dictionary<string, string> PortalParameters { get; init; } = [];

    /// <summary>
    /// Parameter → value that stops the environment outside business hours (e.g. desired task counts of 0); an update with
    /// these values stops it and the stack and its data survive. Empty: the template cannot be stopped.
    /// </summary>
    public Dictionary<string, string> OffHours { get; init; } = [];

    /// <summary>Tier name (<c>dev</c>, <c>staging</c>, <c>prod</c>) → its presets and assumptions.</summary>
    public Dictionary<string, TierManifest> Tiers { get; init; } = [];
}

/// <summary>One tier of a manifest: its availability promise, TTL limits, parameter presets and usage assumptions.</summary>
public sealed record TierManifest
{
    public AvailabilityManifest? Availability { get; init; }

    public TtlManifest? Ttl { get; init; }

    /// <summary>Parameter → preset value, as CloudFormation takes it (a string).</summary>
    public Dictionary<string, string> Parameters { get; init; } = [];

    /// <summary>Monthly usage assumptions for the estimator (keys in <see cref="Pricing.UsageKeys"/>).</summary>
    public Dictionary<string, decimal> Usage { get; init; } = [];
}

public sealed record AvailabilityManifest
{
    public string Target { get; init; } = "";

    public string Rpo { get; init; } = "";

    public string Rto { get; init; } = "";
}

/// <summary>TTL the request form offers, in hours; 0 means no expiry.</summary>
public sealed record TtlManifest
{
    public int DefaultHours { get; init; }

    public int MaxHours { get; init; }
}
