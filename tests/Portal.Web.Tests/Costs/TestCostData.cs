using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Provisioning.Costs;

namespace Portal.Web.Tests.Costs;

/// <summary>Cost facts written straight to the store with the rollups ingestion keeps beside them, and a check that they agree.</summary>
internal static class TestCostData
{
    public const string Account = "123456789012";

    /// <summary>A fact of <paramref name="usd"/> (unblended and amortized alike, final) in the sandbox's account.</summary>
    public static CostFact Fact(DateOnly date, string tag, string service, CostAllocation allocation, decimal usd, DateTimeOffset now) =>
        CostFact.Create(date, Account, tag, service, allocation, new CostAmounts(usd, usd, false), now);

    /// <summary>Saves the facts, then rebuilds every account's rollups over their days with ingestion's own statements.</summary>
    public static async Task SaveWithRollupsAsync(PortalDbContext db, IReadOnlyCollection<CostFact> facts)
    {
        db.CostFacts.AddRange(facts);
        await db.SaveChangesAsync();
        foreach (var account in facts.GroupBy(f => f.AccountId))
        {
            await CostRollups.RebuildAsync(db, account.Key, account.Min(f => f.Date), account.Max(f => f.Date).AddDays(1), CancellationToken.None);
        }
    }

    /// <summary>
    /// Every rollup holds exactly its facts' sums: daily per (date, account, team, tier, service), monthly per (month, ...),
    /// and per environment by day and by month.
    /// </summary>
    public static async Task RollupsMatchFactsAsync(PortalDbContext db)
    {
        var facts = await db.CostFacts.AsNoTracking()
            .Select(f => new { f.Date, f.AccountId, f.EnvironmentId, f.TeamId, f.Tier, f.Service, f.UnblendedUsd, f.AmortizedUsd }).ToListAsync();
        facts.ShouldNotBeEmpty();
        static DateOnly MonthOf(DateOnly date) => new(date.Year, date.Month, 1);

        ShouldMatch("daily",
            facts.GroupBy(f => (f.Date, f.AccountId, f.TeamId, f.Tier, f.Service).ToString()).ToDictionary(g => g.Key, g => (g.Sum(f => f.UnblendedUsd), g.Sum(f => f.AmortizedUsd))),
            (await db.CostDailyRollups.AsNoTracking().ToListAsync()).ToDictionary(r => (r.Date, r.AccountId, r.TeamId, r.Tier, r.Service).ToString(), r => (r.UnblendedUsd, r.AmortizedUsd)));
        ShouldMatch("monthly",
            facts.GroupBy(f => (MonthOf(f.Date), f.AccountId, f.TeamId, f.Tier, f.Service).ToString()).ToDictionary(g => g.Key, g => (g.Sum(f => f.UnblendedUsd), g.Sum(f => f.AmortizedUsd))),
            (await db.CostMonthlyRollups.AsNoTracking().ToListAsync()).ToDictionary(r => (r.Month, r.AccountId, r.TeamId, r.Tier, r.Service).ToString(), r => (r.UnblendedUsd, r.AmortizedUsd)));
        var allocated = facts.Where(f => f.EnvironmentId != null).ToList();
        ShouldMatch("environment days",
            allocated.GroupBy(f => (f.Date, f.AccountId, f.EnvironmentId!.Value, f.TeamId!.Value, f.Tier!.Value).ToString()).ToDictionary(g => g.Key, g => (g.Sum(f => f.UnblendedUsd), g.Sum(f => f.AmortizedUsd))),
            (await db.CostEnvironmentDays.AsNoTracking().ToListAsync()).ToDictionary(r => (r.Date, r.AccountId, r.EnvironmentId, r.TeamId, r.Tier).ToString(), r => (r.UnblendedUsd, r.AmortizedUsd)));
        ShouldMatch("environment months",
            allocated.GroupBy(f => (MonthOf(f.Date), f.AccountId, f.EnvironmentId!.Value, f.TeamId!.Value, f.Tier!.Value).ToString()).ToDictionary(g => g.Key, g => (g.Sum(f => f.UnblendedUsd), g.Sum(f => f.AmortizedUsd))),
            (await db.CostEnvironmentMonths.AsNoTracking().ToListAsync()).ToDictionary(r => (r.Month, r.AccountId, r.EnvironmentId, r.TeamId, r.Tier).ToString(), r => (r.UnblendedUsd, r.AmortizedUsd)));

        // Each environment day's month-to-date total: its environment's facts in that account from the 1st up to that day.
        var days = await db.CostEnvironmentDays.AsNoTracking().ToListAsync();
        foreach (var day in days)
        {
            var expected = allocated.Where(f => f.EnvironmentId == day.EnvironmentId && f.AccountId == day.AccountId && f.Date <= day.Date && f.Date >= MonthOf(day.Date))
                .Sum(f => f.UnblendedUsd);
            day.MonthToDateUnblendedUsd.ShouldBe(expected, 0.0001m, $"month to date of {day.EnvironmentId} on {day.Date:yyyy-MM-dd}");
        }
    }

    private static void ShouldMatch(string rollup, Dictionary<string, (decimal Unblended, decimal Amortized)> expected, Dictionary<string, (decimal Unblended, decimal Amortized)> actual)
    {
        actual.Keys.Order(StringComparer.Ordinal).ShouldBe(expected.Keys.Order(StringComparer.Ordinal), $"{rollup} rollup keys");
        foreach (var (key, (unblended, amortized)) in expected)
        {
            actual[key].Unblended.ShouldBe(unblended, 0.0001m, $"{rollup} {key}");
            actual[key].Amortized.ShouldBe(amortized, 0.0001m, $"{rollup} {key}");
        }
    }
}
