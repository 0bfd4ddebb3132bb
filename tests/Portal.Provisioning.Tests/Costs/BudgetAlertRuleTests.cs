using Portal.Data.Entities.Costs;
using Portal.Provisioning.Costs;

namespace Portal.Provisioning.Tests.Costs;

/// <summary>The budget alert rule on constructed figures: 50/80/100% of actual and forecast-over, each once per month.</summary>
public sealed class BudgetAlertRuleTests
{
    private static readonly HashSet<BudgetAlertKind> None = [];

    [Theory]
    [InlineData(499.99, 0)]
    [InlineData(500, 1)]
    [InlineData(799.99, 1)]
    [InlineData(800, 2)]
    [InlineData(1000, 3)]
    public void ActualThresholds_AreReachedAtOrAboveTheirShareOfTheBudget(decimal actual, int thresholdsReached)
    {
        var due = BudgetAlertRules.Due(1000m, actual, actual, None);

        due.ShouldBe(BudgetAlertRules.Thresholds.Take(thresholdsReached).Select(t => t.Kind).ToList());
    }

    [Fact]
    public void CrossingSeveralThresholdsAtOnce_RaisesEachOfThem_AndTheForecast()
    {
        var due = BudgetAlertRules.Due(1000m, 1200m, 1500m, None);

        due.ShouldBe([BudgetAlertKind.Actual50, BudgetAlertKind.Actual80, BudgetAlertKind.Actual100, BudgetAlertKind.ForecastOver]);
    }

    [Fact]
    public void AlertsAlreadyRaisedThisMonth_AreNotDueAgain_OnlyTheNextThresholdIs()
    {
        var raised = new HashSet<BudgetAlertKind> { BudgetAlertKind.Actual50, BudgetAlertKind.ForecastOver };

        BudgetAlertRules.Due(1000m, 600m, 1100m, raised).ShouldBeEmpty("50% and the forecast alert were raised; 80% is not reached");
        BudgetAlertRules.Due(1000m, 850m, 1100m, raised).ShouldBe([BudgetAlertKind.Actual80]);
    }

    [Fact]
    public void ForecastAlert_NeedsTheForecastStrictlyAboveTheBudget()
    {
        BudgetAlertRules.Due(1000m, 100m, 1000m, None).ShouldBeEmpty();
        BudgetAlertRules.Due(1000m, 100m, 1000.01m, None).ShouldBe([BudgetAlertKind.ForecastOver]);
    }

    [Fact]
    public void ATeamWithoutABudget_RaisesNothing()
    {
        BudgetAlertRules.Due(0m, 5000m, 9000m, None).ShouldBeEmpty();
        BudgetAlertRules.State(0m, 5000m, 9000m).ShouldBe(BudgetState.NoBudget);
    }

    [Fact]
    public void ANewMonth_StartsWithNothingRaised_SoTheSameThresholdsAlertAgain()
    {
        // The evaluation reads the alerts of the current month only (the row's key includes the month); a new month passes none.
        var lastMonth = new HashSet<BudgetAlertKind> { BudgetAlertKind.Actual50, BudgetAlertKind.Actual80 };
        BudgetAlertRules.Due(1000m, 900m, 900m, lastMonth).ShouldBeEmpty();

        BudgetAlertRules.Due(1000m, 900m, 900m, None).ShouldBe([BudgetAlertKind.Actual50, BudgetAlertKind.Actual80]);
        BudgetAlert.Raise("team:x", null, new DateOnly(2026, 12, 17), BudgetAlertKind.Actual50, 1000m, 900m, 900m, DateTimeOffset.UnixEpoch)
            .Month.ShouldBe(new DateOnly(2026, 12, 1), "alerts are keyed by the month's first day");
        BudgetAlerts.DedupeKey("team:x", new DateOnly(2026, 12, 1), BudgetAlertKind.Actual50)
            .ShouldNotBe(BudgetAlerts.DedupeKey("team:x", new DateOnly(2026, 11, 1), BudgetAlertKind.Actual50));
    }

    [Theory]
    [InlineData(100, 200, BudgetState.Ok)]
    [InlineData(500, 900, BudgetState.Actual50)]
    [InlineData(500, 1200, BudgetState.ForecastOver)]
    [InlineData(850, 900, BudgetState.Actual80)]
    [InlineData(1000, 1000, BudgetState.Over)]
    public void State_IsTheMostSevereConditionMet(decimal actual, decimal forecast, BudgetState expected) =>
        BudgetAlertRules.State(1000m, actual, forecast).ShouldBe(expected);
}
