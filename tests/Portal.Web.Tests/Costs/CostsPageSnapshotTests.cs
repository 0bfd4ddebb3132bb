using Portal.Web.Features.Costs;

namespace Portal.Web.Tests.Costs;

/// <summary>
/// The dashboards page's prerendered state stays small enough for the circuit's first hub message: a large organisation's
/// waste items are left for the circuit to read, and nothing too large is ever written into the page.
/// </summary>
public sealed class CostsPageSnapshotTests
{
    [Fact]
    public void ASmallSnapshot_IsKeptWhole()
    {
        var snapshot = Snapshot(wasteItems: 20, teams: 5);

        var kept = snapshot.WithinBudget();

        kept.ShouldBeSameAs(snapshot);
        kept.ShouldNotBeNull();
        kept.Views!.Waste.Items.Count.ShouldBe(20);
        kept.WasteItemsLeftOut.ShouldBeFalse();
    }

    [Fact]
    public void ThousandsOfWasteItems_AreLeftForTheCircuit_TheRestIsKept()
    {
        var snapshot = Snapshot(wasteItems: 3_000, teams: 50);

        var kept = snapshot.WithinBudget();

        kept.ShouldNotBeNull();
        kept.WasteItemsLeftOut.ShouldBeTrue();
        kept.Views.ShouldNotBeNull();
        kept.Views.Waste.Items.ShouldBeEmpty();
        kept.Views.Waste.TotalUsd.ShouldBe(snapshot.Views!.Waste.TotalUsd);
        kept.Views.Teams.Count.ShouldBe(50);
        Weight(kept).ShouldBeLessThanOrEqualTo(CostsPageSnapshot.BudgetBytes);
    }

    [Fact]
    public void ViewsTooLargeEvenWithoutWaste_AreNotWritten_TheCircuitReadsThem()
    {
        var kept = Snapshot(wasteItems: 10, teams: 2_000, optionTeams: 5).WithinBudget();

        kept.ShouldNotBeNull();
        kept.Views.ShouldBeNull();
        kept.Options.Teams.Count.ShouldBe(5);
        Weight(kept).ShouldBeLessThanOrEqualTo(CostsPageSnapshot.BudgetBytes);
    }

    [Fact]
    public void EvenTheFilterOptionsTooLarge_NothingIsWritten()
    {
        Snapshot(wasteItems: 10, teams: 2_000, optionTeams: 2_000).WithinBudget().ShouldBeNull();
    }

    [Fact]
    public void ThePageKeepsTheCostliestWasteItems_AndHowManyThereWere_SoTheCircuitReadsNoWasteAgain()
    {
        var snapshot = Snapshot(wasteItems: 3_000, teams: 50);
        var views = snapshot.Views! with
        {
            Waste = snapshot.Views!.Waste with { Items = [.. snapshot.Views.Waste.Items.Select((w, i) => w with { AmountUsd = 3_000 - i })] },
        };

        var shown = views.WithWasteShown();

        shown.Waste.Items.Count.ShouldBe(CostsPageViews.WasteItemsShown);
        shown.Waste.Items.Select(w => w.AmountUsd).ShouldBe(views.Waste.Items.Take(CostsPageViews.WasteItemsShown).Select(w => w.AmountUsd));
        shown.WasteItemCount.ShouldBe(3_000);
        shown.Waste.TotalUsd.ShouldBe(views.Waste.TotalUsd);
        shown.WithWasteShown().ShouldBe(shown, "idempotent: the circuit applies it again to what the prerender kept");
        var kept = (snapshot with { Views = shown }).WithinBudget();
        kept.ShouldNotBeNull();
        kept.WasteItemsLeftOut.ShouldBeFalse("50 items fit: the circuit has no waste to read again");
        kept.Views!.Waste.Items.Count.ShouldBe(CostsPageViews.WasteItemsShown);
    }

    [Fact]
    public void AFewWasteItems_AreAllShown()
    {
        var views = Snapshot(wasteItems: 20, teams: 5).Views!;

        var shown = views.WithWasteShown();

        shown.Waste.Items.ShouldBe(views.Waste.Items);
        shown.WasteItemCount.ShouldBe(20);
    }

    private static int Weight(CostsPageSnapshot snapshot) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(snapshot, System.Text.Json.JsonSerializerOptions.Web).Length;

    private static CostsPageSnapshot Snapshot(int wasteItems, int teams, int? optionTeams = null)
    {
        var slugs = Enumerable.Range(1, teams).Select(i => $"team-{i}").ToList();
        var options = slugs.Take(optionTeams ?? teams).ToList();
        var shares = slugs.Select(s => new SpendShare(s, 1234.56m, 1.5m)).ToList();
        var waste = new WasteReport(999.99m, [new SpendShare(WasteKinds.Destroyed, 999.99m, 100m)],
            [.. Enumerable.Range(1, wasteItems).Select(i => new WasteItem(WasteKinds.Destroyed, Guid.NewGuid(), $"bench-{i}", "team-1", "Destroyed", new DateOnly(2026, 11, 1), 12.34m))]);
        var views = new CostsPageViews(
            new MonthlySpend(["2026-11"], ["team-1"], [new MonthlyTeamSpend("2026-11", "team-1", 10m)], 10m),
            shares, [], shares.Take(10).ToList(), [], [new DailySpend(new DateOnly(2026, 11, 1), 10m)],
            new EstimateAccuracyPage([], 0, 0, 1, 10), [], [], waste);
        return new CostsPageSnapshot(Guid.NewGuid(), true, [], "2026-11-07", new CostFilterOptions([.. options.Select(s => new TeamOption(Guid.NewGuid(), s))], options, ["123456789012"]), true, views);
    }
}
