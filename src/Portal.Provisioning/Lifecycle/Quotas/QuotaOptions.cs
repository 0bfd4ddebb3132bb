using System.ComponentModel.DataAnnotations;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// <c>Quotas</c>: the account quotas checked before a create (or an update that adds network resources) is queued. StackLimit
/// comes from CloudFormation's <c>DescribeAccountLimits</c>; the EC2 quotas below from here (AWS's defaults unless raised).
/// </summary>
public sealed class QuotaOptions
{
    public const string SectionName = "Quotas";

    /// <summary>Check quotas at submit (on by default).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>VPCs per region (AWS default 5).</summary>
    [Range(0, 100_000)]
    public int VpcsPerRegion { get; set; } = 5;

    /// <summary>Elastic IP addresses per region (AWS default 5).</summary>
    [Range(0, 100_000)]
    public int ElasticIpsPerRegion { get; set; } = 5;

    /// <summary>NAT gateways per Availability Zone (AWS default 5).</summary>
    [Range(0, 100_000)]
    public int NatGatewaysPerAz { get; set; } = 5;

    /// <summary>
    /// Availability Zones NAT gateways spread over, used only when a gateway's zone is unknown (a stack whose template
    /// cannot be read): those are checked against the region's capacity, <c>NatGatewaysPerAz × AvailabilityZones</c>.
    /// </summary>
    [Range(1, 10)]
    public int AvailabilityZones { get; set; } = 3;

    /// <summary>ListStackResources / GetTemplate calls in flight at once while counting what an account holds.</summary>
    [Range(1, 64)]
    public int MaxParallelCalls { get; set; } = 4;

    /// <summary>
    /// How long one read of an account and region (StackLimit, its stacks, what each holds) is reused by later submits, in
    /// seconds; 0 reads it for every submit. A stack's resources are listed again only when its LastUpdatedTime or status changed.
    /// </summary>
    [Range(0, 3600)]
    public int SnapshotSeconds { get; set; } = 30;
}
