using Portal.Data.Entities.Lifecycle;

namespace Portal.Data.Entities.Costs;

/// <summary>
/// One environment's cost on one day in one account, all services together: the sum of its <see cref="CostFact"/>s, rebuilt
/// by ingestion for every window it writes. Per-environment views read these (a third of the facts) for the edges of a range
/// and <see cref="CostEnvironmentMonth"/> for its whole months.
/// </summary>
public sealed class CostEnvironmentDay : ICostEnvironmentRollup
{
    public DateOnly Date { get; private set; }

    public string AccountId { get; private set; } = "";

    public Guid EnvironmentId { get; private set; }

    public Guid TeamId { get; private set; }

    public EnvironmentTier Tier { get; private set; }

    public decimal UnblendedUsd { get; private set; }

    public decimal AmortizedUsd { get; private set; }

    /// <summary>
    /// The environment's unblended cost in this account from the 1st of the month up to and including this day (kept by
    /// <c>CostRollups</c>): any range inside one month is <c>MTD(to) − MTD(from − 1)</c>, one row per edge (ADR 0009).
    /// </summary>
    public decimal MonthToDateUnblendedUsd { get; private set; }

    private CostEnvironmentDay()
    {
    }
}
