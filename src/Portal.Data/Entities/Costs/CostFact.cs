using Portal.Data.Entities.Lifecycle;

namespace Portal.Data.Entities.Costs;

/// <summary>
/// One day's cost of one AWS service in one account for one value of the <c>portal:environment-id</c> tag, as Cost Explorer
/// reported it. Unique on (date, account, environment tag, service): the raw tag value, "" for untagged spend, so re-ingesting a
/// day updates its rows instead of adding more. <see cref="EnvironmentId"/> is the portal environment the tag names, or null
/// (unallocated: untagged spend, or a tag naming no environment of this portal).
/// </summary>
public sealed class CostFact : ICostSlice
{
    /// <summary><see cref="EnvironmentTag"/> of spend that carries no <c>portal:environment-id</c> tag.</summary>
    public const string Untagged = "";

    public const int MaxTagLength = 256;

    public const int MaxServiceLength = 200;

    public Guid Id { get; private set; }

    public DateOnly Date { get; private set; }

    public string AccountId { get; private set; } = "";

    /// <summary>The tag's value as Cost Explorer returned it; <see cref="Untagged"/> for untagged spend.</summary>
    public string EnvironmentTag { get; private set; } = Untagged;

    public Guid? EnvironmentId { get; private set; }

    /// <summary>The environment's team on <see cref="Date"/>; null when unallocated.</summary>
    public Guid? TeamId { get; private set; }

    public EnvironmentTier? Tier { get; private set; }

    /// <summary>AWS's service name, e.g. "Amazon Relational Database Service".</summary>
    public string Service { get; private set; } = "";

    public decimal UnblendedUsd { get; private set; }

    public decimal AmortizedUsd { get; private set; }

    /// <summary>Cost Explorer still revises this day (recent days are estimates).</summary>
    public bool Estimated { get; private set; }

    public DateTimeOffset IngestedAt { get; private set; }

    private CostFact()
    {
    }

    public static CostFact Create(DateOnly date, string accountId, string environmentTag, string service, CostAllocation allocation, CostAmounts amounts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        ArgumentNullException.ThrowIfNull(amounts);
        return new()
        {
            Id = Guid.CreateVersion7(now),
            Date = date,
            AccountId = accountId,
            EnvironmentTag = environmentTag.Length > MaxTagLength ? environmentTag[..MaxTagLength] : environmentTag,
            Service = service.Length > MaxServiceLength ? service[..MaxServiceLength] : service,
            EnvironmentId = allocation.EnvironmentId,
            TeamId = allocation.TeamId,
            Tier = allocation.Tier,
            UnblendedUsd = amounts.UnblendedUsd,
            AmortizedUsd = amounts.AmortizedUsd,
            Estimated = amounts.Estimated,
            IngestedAt = now,
        };
    }

    /// <summary>Applies a restated day; returns false (and changes nothing) when Cost Explorer reported the same figures.</summary>
    public bool Restate(CostAllocation allocation, CostAmounts amounts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        ArgumentNullException.ThrowIfNull(amounts);
        if (UnblendedUsd == amounts.UnblendedUsd && AmortizedUsd == amounts.AmortizedUsd && Estimated == amounts.Estimated
            && EnvironmentId == allocation.EnvironmentId && TeamId == allocation.TeamId && Tier == allocation.Tier)
        {
            return false;
        }

        (EnvironmentId, TeamId, Tier) = (allocation.EnvironmentId, allocation.TeamId, allocation.Tier);
        (UnblendedUsd, AmortizedUsd, Estimated) = (amounts.UnblendedUsd, amounts.AmortizedUsd, amounts.Estimated);
        IngestedAt = now;
        return true;
    }
}

/// <summary>Who a cost belongs to: an environment with its team and tier, or <see cref="Unallocated"/>.</summary>
public sealed record CostAllocation(Guid? EnvironmentId, Guid? TeamId, EnvironmentTier? Tier)
{
    public static CostAllocation Unallocated { get; } = new(null, null, null);
}

/// <summary>A day's figures for one group, rounded to the stored precision.</summary>
public sealed record CostAmounts(decimal UnblendedUsd, decimal AmortizedUsd, bool Estimated);
