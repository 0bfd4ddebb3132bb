using Portal.Data.Entities.Lifecycle;

namespace Portal.Data.Entities.Costs;

/// <summary>
/// One day's cost per account, team, tier and service: the sum of that day's <see cref="CostFact"/>s, rebuilt for every
/// window ingestion writes. Organisation-wide views (by team, tier, service, account, day) read these — tens of rows per
/// day instead of one per environment and service. <see cref="TeamId"/> and <see cref="Tier"/> are null for unallocated spend.
/// </summary>
public sealed class CostDailyRollup : ICostSlice
{
    public Guid Id { get; private set; }

    public DateOnly Date { get; private set; }

    public string AccountId { get; private set; } = "";

    public Guid? TeamId { get; private set; }

    public EnvironmentTier? Tier { get; private set; }

    public string Service { get; private set; } = "";

    public decimal UnblendedUsd { get; private set; }

    public decimal AmortizedUsd { get; private set; }

    private CostDailyRollup()
    {
    }
}
