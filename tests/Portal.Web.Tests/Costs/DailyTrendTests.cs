using Portal.Web.Features.Costs;

namespace Portal.Web.Tests.Costs;

/// <summary>
/// The daily trend's days and the range's total: the dashboards page's "Spend" figure is the exact total rounded once, as the
/// by-team, tier and service shares are, not the rounded days added up (a cent away from the by-team table's total before).
/// </summary>
public sealed class DailyTrendTests
{
    private static readonly DateOnly First = new(2026, 11, 1);

    [Fact]
    public void TheTotal_IsTheExactAmountsRoundedOnce_NotTheRoundedDaysAddedUp()
    {
        var trend = DailyTrend.Of(First, First.AddDays(2), new Dictionary<DateOnly, decimal>
        {
            [First] = 0.004m,
            [First.AddDays(1)] = 0.004m,
            [First.AddDays(2)] = 0.004m,
        });

        trend.Days.Select(d => d.AmountUsd).ShouldBe([0m, 0m, 0m]);
        trend.TotalUsd.ShouldBe(0.01m);
    }

    [Fact]
    public void EveryDayOfTheRangeIsThere_ZeroWhereNothingWasSpent_AndHalfACentRoundsAwayFromZero()
    {
        var trend = DailyTrend.Of(First, First.AddDays(3), new Dictionary<DateOnly, decimal>
        {
            [First.AddDays(1)] = 2.125m,
            [First.AddDays(3)] = 1.25m,
            [First.AddDays(9)] = 100m, // outside the range
        });

        trend.Days.Select(d => (d.Date.Day, d.AmountUsd)).ShouldBe([(1, 0m), (2, 2.13m), (3, 0m), (4, 1.25m)]);
        trend.TotalUsd.ShouldBe(3.38m); // 3.375 rounded once
    }
}
