using Portal.Data.Entities.Lifecycle;

namespace Portal.Data.Entities.Costs;

/// <summary>
/// One month's cost per account, team, tier and service: the sum of that month's <see cref="CostDailyRollup"/>s, rebuilt by
/// ingestion for every month a window touches. Month-by-month views read one row per month instead of one per day.
/// <see cref="Month"/> is the month's first day; <see cref="TeamId"/> and <see cref="Tier"/> are null for unallocated spend.
/// </summary>
public sealed class CostMonthlyRollup : ICostSlice
{
    public Guid Id { get; private set; }

    public DateOnly Month { get; private set; }

    public string AccountId { get; private set; } = "";

    public Guid? TeamId { get; private set; }

    public EnvironmentTier? Tier { get; private set; }

    public string Service { get; private set; } = "";

    public decimal UnblendedUsd { get; private set; }

    public decimal AmortizedUsd { get; private set; }

    private CostMonthlyRollup()
    {
    }
}
