using Portal.Data.Entities.Lifecycle;

namespace Portal.Data.Entities.Costs;

/// <summary>
/// One environment's cost in one month (first day in <see cref="Month"/>) in one account: the sum of its
/// <see cref="CostEnvironmentDay"/>s, rebuilt by ingestion for every month a window touches.
/// </summary>
public sealed class CostEnvironmentMonth : ICostEnvironmentRollup
{
    public DateOnly Month { get; private set; }

    public string AccountId { get; private set; } = "";

    public Guid EnvironmentId { get; private set; }

    public Guid TeamId { get; private set; }

    public EnvironmentTier Tier { get; private set; }

    public decimal UnblendedUsd { get; private set; }

    public decimal AmortizedUsd { get; private set; }

    private CostEnvironmentMonth()
    {
    }
}
