using Portal.Web.Features.Costs;

namespace Portal.Web.Tests.Costs;

/// <summary>
/// The dashboards page's prerendered state stays small enough for the circuit's first hub message (it carries the filter options
/// and a read's token, never the views), and the page shows a large organisation's costliest waste items, not thousands.
/// </summary>
public sealed class CostsPageSnapshotTests
{
    [Fact]
    public void ASnapshot_IsKeptWhole_WithTheReadsToken_AndNoViews()
    {
        var snapshot = Snapshot(teams: 50);

        var kept = snapshot.WithinBudget();

        kept.ShouldBeSameAs(snapshot);
        Weight(kept!).ShouldBeLessThan(8 * 1024, "50 teams' options and a token, no views");
        System.Text.Json.JsonSerializer.Serialize(kept, System.Text.Json.JsonSerializerOptions.Web).ShouldContain(snapshot.Prefetch!);
    }

    [Fact]
    public void FilterOptionsTooLarge_NothingIsWritten_TheCircuitReadsEverything()
    {
        Snapshot(teams: 2_000).WithinBudget().ShouldBeNull();
    }

    [Fact]
    public void ThePageKeepsTheCostliestWasteItems_AndHowManyThereWere()
    {
        var views = Views(wasteItems: 3_000);
        views = views with { Waste = views.Waste with { Items = [.. views.Waste.Items.Select((w, i) => w with { AmountUsd = 3_000 - i })] } };

        var shown = views.WithWasteShown();

        shown.Waste.Items.Count.ShouldBe(CostsPageViews.WasteItemsShown);
        shown.Waste.Items.Select(w => w.AmountUsd).ShouldBe(views.Waste.Items.Take(CostsPageViews.WasteItemsShown).Select(w => w.AmountUsd));
        shown.WasteItemCount.ShouldBe(3_000);
        shown.Waste.TotalUsd.ShouldBe(views.Waste.TotalUsd);
        shown.WithWasteShown().ShouldBe(shown, "idempotent: the page applies it again to what the read kept");
    }

    [Fact]
    public void AFewWasteItems_AreAllShown()
    {
        var views = Views(wasteItems: 20);

        var shown = views.WithWasteShown();

        shown.Waste.Items.ShouldBe(views.Waste.Items);
        shown.WasteItemCount.ShouldBe(20);
    }

    private static int Weight(CostsPageSnapshot snapshot) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(snapshot, System.Text.Json.JsonSerializerOptions.Web).Length;

    private static CostsPageSnapshot Snapshot(int teams)
    {
        var slugs = Enumerable.Range(1, teams).Select(i => $"team-{i}").ToList();
        var options = new CostFilterOptions([.. slugs.Select(s => new TeamOption(Guid.NewGuid(), s))], slugs, ["123456789012"]);
        return new CostsPageSnapshot(Guid.NewGuid(), true, [], "2026-11-07", options, true, Prefetch: "0123456789abcdef0123456789abcdef");
    }

    private static CostsPageViews Views(int wasteItems)
    {
        var shares = Enumerable.Range(1, 10).Select(i => new SpendShare($"team-{i}", 1234.56m, 1.5m)).ToList();
        var waste = new WasteReport(999.99m, [new SpendShare(WasteKinds.Destroyed, 999.99m, 100m)],
            [.. Enumerable.Range(1, wasteItems).Select(i => new WasteItem(WasteKinds.Destroyed, Guid.NewGuid(), $"bench-{i}", "team-1", "Destroyed", new DateOnly(2026, 11, 1), 12.34m))]);
        return new CostsPageViews(
            new MonthlySpend(["2026-11"], ["team-1"], [new MonthlyTeamSpend("2026-11", "team-1", 10m)], 10m),
            shares, [], shares, [], [new DailySpend(new DateOnly(2026, 11, 1), 10m)],
            new EstimateAccuracyPage([], 0, 0, 1, 10), [], [], waste);
    }
}
