using Portal.Provisioning.Costs;

namespace Portal.Provisioning.Tests.Costs;

/// <summary>The anomaly rule on constructed series: above mean + 3 standard deviations AND more than $20 above the mean.</summary>
public sealed class AnomalyRuleTests
{
    // 14 days alternating 90 and 110: mean 100, population standard deviation exactly 10, so the threshold is 130.
    private static readonly decimal[] Steady = [.. Enumerable.Range(0, 14).Select(i => i % 2 == 0 ? 90m : 110m)];

    [Fact]
    public void ADayExactlyAtMeanPlusThreeStandardDeviations_IsNotAnAnomaly()
    {
        var verdict = AnomalyRule.Evaluate(130m, Steady);

        verdict.ShouldNotBeNull();
        (verdict.MeanUsd, verdict.StdDevUsd, verdict.HistoryDays).ShouldBe((100m, 10m, 14));
        verdict.IsAnomaly.ShouldBeFalse();
    }

    [Fact]
    public void ADayJustAboveTheThreshold_IsAnAnomaly() => AnomalyRule.Evaluate(130.01m, Steady)!.IsAnomaly.ShouldBeTrue();

    [Fact]
    public void AnExcessOfTwentyDollarsOrLess_IsIgnored_HoweverManyDeviationsItIs()
    {
        // Mean 1.25, deviation 0.25: $21.25 is 80 deviations above the mean but exactly $20 above it.
        decimal[] cheap = [.. Enumerable.Range(0, 14).Select(i => i % 2 == 0 ? 1.00m : 1.50m)];

        AnomalyRule.Evaluate(21.25m, cheap)!.IsAnomaly.ShouldBeFalse();
        AnomalyRule.Evaluate(15m, cheap)!.IsAnomaly.ShouldBeFalse();
        AnomalyRule.Evaluate(21.26m, cheap)!.IsAnomaly.ShouldBeTrue();
    }

    [Fact]
    public void AFlatHistory_FlagsAnyDayMoreThanTwentyDollarsAbove()
    {
        decimal[] flat = [.. Enumerable.Repeat(50m, 10)];

        AnomalyRule.Evaluate(70m, flat)!.IsAnomaly.ShouldBeFalse();
        AnomalyRule.Evaluate(70.01m, flat)!.IsAnomaly.ShouldBeTrue();
    }

    [Fact]
    public void FewerThanSevenDaysOfHistory_IsNotJudged_SevenIs()
    {
        AnomalyRule.Evaluate(10_000m, [.. Enumerable.Repeat(1m, 6)]).ShouldBeNull();
        AnomalyRule.Evaluate(10_000m, []).ShouldBeNull();

        var seven = AnomalyRule.Evaluate(10_000m, [.. Enumerable.Repeat(1m, 7)]);
        seven.ShouldNotBeNull();
        seven.IsAnomaly.ShouldBeTrue();
        seven.HistoryDays.ShouldBe(7);
    }

    [Fact]
    public void ADropInCost_IsNeverAnAnomaly() => AnomalyRule.Evaluate(0m, Steady)!.IsAnomaly.ShouldBeFalse();
}
