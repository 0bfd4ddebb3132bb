using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Costs;

namespace Portal.Provisioning.Tests.Costs;

/// <summary>The month-end forecast rule on constructed figures: month-to-date actual plus running estimates for the rest of the month.</summary>
public sealed class CostForecastTests
{
    [Fact]
    public void Position_AtNoonOnThe16thOfA30DayMonth_LeavesFourteenAndAHalfDays()
    {
        var position = MonthPosition.At(new DateTimeOffset(2026, 11, 16, 12, 0, 0, TimeSpan.Zero));

        position.Month.ShouldBe(new DateOnly(2026, 11, 1));
        position.Today.ShouldBe(new DateOnly(2026, 11, 16));
        position.DaysInMonth.ShouldBe(30);
        position.RemainingDays.ShouldBe(14.5m);
        position.RemainingFraction.ShouldBe(14.5m / 30m);
    }

    [Fact]
    public void Position_UsesUtc_WhateverTheOffsetOfNow()
    {
        // 23:00 on 31 January at UTC-2 is 01:00 on 1 February UTC: February, 28 days, all but one hour to come.
        var position = MonthPosition.At(new DateTimeOffset(2026, 1, 31, 23, 0, 0, TimeSpan.FromHours(-2)));

        position.Month.ShouldBe(new DateOnly(2026, 2, 1));
        position.DaysInMonth.ShouldBe(28);
        position.RemainingDays.ShouldBe(28m - 1m / 24m, 0.000001m);
    }

    [Fact]
    public void Forecast_IsMonthToDatePlusRunningEstimatesProratedOverTheRestOfTheMonth()
    {
        var position = MonthPosition.At(new DateTimeOffset(2026, 11, 16, 0, 0, 0, TimeSpan.Zero)); // 15 of 30 days to come

        var forecast = CostForecast.Compute(position, 412.345m,
        [
            Environment("checkout", EnvironmentStatus.Ready, 600m),
            Environment("brochure", EnvironmentStatus.Provisioning, 30m),
            Environment("paused", EnvironmentStatus.Stopped, 900m),
            Environment("gone", EnvironmentStatus.Destroyed, 900m),
            Environment("broken", EnvironmentStatus.Failed, 900m),
        ]);

        forecast.MonthToDateUsd.ShouldBe(412.35m);
        forecast.RemainingEstimatesUsd.ShouldBe(315m, "(600 + 30) x 15/30");
        forecast.ForecastUsd.ShouldBe(727.35m);
        forecast.Estimates.Select(e => (e.Name, e.RemainingUsd)).ShouldBe([("checkout", 300m), ("brochure", 15m)]);
    }

    [Fact]
    public void Forecast_SumsEstimatesBeforeRounding_SoManySmallEnvironmentsDoNotDrift()
    {
        var position = MonthPosition.At(new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero)); // 10 of 30 days: a third

        var forecast = CostForecast.Compute(position, 0m, Enumerable.Range(0, 3).Select(i => Environment($"e{i}", EnvironmentStatus.Ready, 0.10m)));

        forecast.Estimates.ShouldAllBe(e => e.RemainingUsd == 0.03m);
        forecast.RemainingEstimatesUsd.ShouldBe(0.10m, "0.30 x 1/3, not 3 x 0.03");
    }

    [Fact]
    public void Forecast_OnTheLastInstantOfTheMonth_IsTheMonthToDateActual()
    {
        var position = MonthPosition.At(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(-1));

        var forecast = CostForecast.Compute(position, 1000m, [Environment("checkout", EnvironmentStatus.Ready, 3000m)]);

        forecast.RemainingEstimatesUsd.ShouldBe(0m);
        forecast.ForecastUsd.ShouldBe(1000m);
    }

    [Fact]
    public void Forecast_WithNoSpendAndNothingRunning_IsZero()
    {
        var forecast = CostForecast.Compute(MonthPosition.At(DateTimeOffset.UnixEpoch.AddYears(56)), 0m, []);

        forecast.ForecastUsd.ShouldBe(0m);
        forecast.Estimates.ShouldBeEmpty();
    }

    private static RunningEnvironment Environment(string name, EnvironmentStatus status, decimal monthlyUsd) => new(Guid.NewGuid(), name, status, monthlyUsd);
}
