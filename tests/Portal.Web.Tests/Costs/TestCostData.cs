using Portal.Data.Entities.Costs;

namespace Portal.Web.Tests.Costs;

/// <summary>Cost facts written straight to the store, and the daily rollups ingestion keeps beside them.</summary>
internal static class TestCostData
{
    public const string Account = "123456789012";

    /// <summary>A fact of <paramref name="usd"/> (unblended and amortized alike, final) in the sandbox's account.</summary>
    public static CostFact Fact(DateOnly date, string tag, string service, CostAllocation allocation, decimal usd, DateTimeOffset now) =>
        CostFact.Create(date, Account, tag, service, allocation, new CostAmounts(usd, usd, false), now);

    public static IEnumerable<CostDailyRollup> RollupsOf(IEnumerable<CostFact> facts) =>
        facts.GroupBy(f => (f.Date, f.AccountId, f.TeamId, f.Tier, f.Service))
            .Select(g => CostDailyRollup.Create(g.Key.Date, g.Key.AccountId, g.Key.TeamId, g.Key.Tier, g.Key.Service, g.Sum(f => f.UnblendedUsd), g.Sum(f => f.AmortizedUsd)));
}
