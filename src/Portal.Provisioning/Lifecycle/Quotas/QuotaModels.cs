using System.Globalization;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// VPCs, Elastic IPs and NAT gateways (by Availability Zone; <see cref="UnknownZone"/> when the zone cannot be told) and a
/// stack count: what a template would add, what a stack holds, or what an update adds over what its stack holds now.
/// </summary>
public sealed record QuotaDemand(int Stacks, int Vpcs, int ElasticIps, IReadOnlyDictionary<string, int> NatGatewaysByZone)
{
    /// <summary>The zone key of NAT gateways whose Availability Zone is not known.</summary>
    public const string UnknownZone = "";

    public static QuotaDemand None { get; } = new(0, 0, 0, new Dictionary<string, int>());

    /// <summary>A demand with every NAT gateway in an unknown zone (the old, zone-less shape).</summary>
    public QuotaDemand(int stacks, int vpcs, int elasticIps, int natGateways)
        : this(stacks, vpcs, elasticIps, natGateways > 0 ? new Dictionary<string, int> { [UnknownZone] = natGateways } : new Dictionary<string, int>())
    {
    }

    public int NatGateways => NatGatewaysByZone.Values.Sum();

    public bool NeedsResourceCounts => Vpcs > 0 || ElasticIps > 0 || NatGateways > 0;

    public bool IsEmpty => Stacks <= 0 && !NeedsResourceCounts;

    public QuotaDemand Plus(QuotaDemand other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var nats = new Dictionary<string, int>(NatGatewaysByZone, StringComparer.Ordinal);
        foreach (var (zone, count) in other.NatGatewaysByZone)
        {
            nats[zone] = nats.GetValueOrDefault(zone) + count;
        }

        return new QuotaDemand(Stacks + other.Stacks, Vpcs + other.Vpcs, ElasticIps + other.ElasticIps, nats);
    }

    /// <summary>What this (a stack's next state) adds over <paramref name="current"/> (what it holds now): never negative, no stack.</summary>
    public QuotaDemand Over(QuotaDemand current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var nats = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (zone, count) in NatGatewaysByZone)
        {
            if (count - current.NatGatewaysByZone.GetValueOrDefault(zone) is > 0 and var added)
            {
                nats[zone] = added;
            }
        }

        return new QuotaDemand(0, Math.Max(0, Vpcs - current.Vpcs), Math.Max(0, ElasticIps - current.ElasticIps), nats);
    }

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Stacks} stacks, {Vpcs} VPCs, {ElasticIps} Elastic IPs, NAT gateways [{string.Join(", ", NatGatewaysByZone.OrderBy(z => z.Key, StringComparer.Ordinal).Select(z => $"{(z.Key.Length == 0 ? "zone unknown" : z.Key)}: {z.Value}"))}]");
}

/// <summary>
/// One quota in one scope (a region, or an Availability Zone for NAT gateways): in use, the limit and what the request would
/// add; <see cref="Note"/> says how it was counted when that is not exact (NAT gateways whose zone is unknown).
/// </summary>
public sealed record QuotaUsage(string Quota, string Scope, string Unit, int InUse, int Limit, int Requested, string? Note = null)
{
    public bool WouldExceed => Requested > 0 && InUse + Requested > Limit;
}

/// <summary>The quotas looked at, and the refusal (null when the request fits).</summary>
public sealed record QuotaVerdict(string AccountId, string Region, IReadOnlyList<QuotaUsage> Usages, string? Refusal)
{
    /// <summary>The quota refused (<c>stacks</c>, <c>vpcs</c>, <c>elastic-ips</c>, <c>nat-gateways</c>), or null.</summary>
    public string? RefusedQuota => Usages.FirstOrDefault(u => u.WouldExceed)?.Quota;
}
