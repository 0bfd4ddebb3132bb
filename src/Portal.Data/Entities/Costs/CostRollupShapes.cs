using Portal.Data.Entities.Lifecycle;

namespace Portal.Data.Entities.Costs;

/// <summary>A cost figure: facts and every rollup of them carry both metrics.</summary>
public interface ICostAmount
{
    decimal UnblendedUsd { get; }

    decimal AmortizedUsd { get; }
}

/// <summary>
/// What <see cref="CostFact"/>, <see cref="CostDailyRollup"/> and <see cref="CostMonthlyRollup"/> share: cost in an account,
/// for a team and tier (both null for unallocated spend). The cost views filter all three the same way.
/// </summary>
public interface ICostSlice : ICostAmount
{
    string AccountId { get; }

    Guid? TeamId { get; }

    EnvironmentTier? Tier { get; }
}

/// <summary>
/// What the cost views narrow environments and their cost by: the account, the owning team and the tier. Environments and the
/// per-environment rollups both have all three.
/// </summary>
public interface ICostOwner
{
    string AccountId { get; }

    Guid TeamId { get; }

    EnvironmentTier Tier { get; }
}

/// <summary>What <see cref="CostEnvironmentDay"/> and <see cref="CostEnvironmentMonth"/> share: one environment's cost in a period.</summary>
public interface ICostEnvironmentRollup : ICostAmount, ICostOwner
{
    Guid EnvironmentId { get; }
}
