using Portal.Web.Features.Costs;

namespace Portal.Web.Tests.Costs;

/// <summary>The 13-month chart names the teams that spent most and sums the rest, keeping unallocated spend apart and last.</summary>
public sealed class MonthlySpendFoldTests
{
    [Fact]
    public void FoldTeams_KeepsTheTopTeams_SumsTheRestPerMonth_AndKeepsTheTotal()
    {
        var spend = new MonthlySpend(
            ["2026-10", "2026-11"],
            ["alpha", "beta", "gamma", "delta", CostQueries.Unallocated],
            [
                new("2026-10", "alpha", 50m), new("2026-10", "gamma", 3m), new("2026-10", "delta", 2m), new("2026-10", CostQueries.Unallocated, 1m),
                new("2026-11", "alpha", 40m), new("2026-11", "beta", 30m), new("2026-11", "gamma", 4m), new("2026-11", "delta", 1m),
            ],
            131m);

        var folded = spend.FoldTeams(2);

        folded.Teams.ShouldBe(["alpha", "beta", MonthlySpend.OtherTeams, CostQueries.Unallocated]);
        folded.Rows.ShouldBe(
        [
            new("2026-10", "alpha", 50m), new("2026-10", MonthlySpend.OtherTeams, 5m), new("2026-10", CostQueries.Unallocated, 1m),
            new("2026-11", "alpha", 40m), new("2026-11", "beta", 30m), new("2026-11", MonthlySpend.OtherTeams, 5m),
        ]);
        folded.Rows.Sum(r => r.AmountUsd).ShouldBe(spend.Rows.Sum(r => r.AmountUsd));
        folded.TotalUsd.ShouldBe(131m);
        folded.Months.ShouldBe(spend.Months);
    }

    [Fact]
    public void FoldTeams_WithFewTeams_ChangesNothing()
    {
        var spend = new MonthlySpend(["2026-11"], ["alpha", "beta"], [new("2026-11", "alpha", 2m), new("2026-11", "beta", 1m)], 3m);

        var folded = spend.FoldTeams(8);

        folded.Teams.ShouldBe(spend.Teams);
        folded.Rows.ShouldBe(spend.Rows);
    }
}
