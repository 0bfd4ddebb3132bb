using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Playwright;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Jobs;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Catalog;
using Portal.Web.Features.Costs;
using Portal.Web.Tests.Costs;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Browser;

/// <summary>
/// The finance dashboards in Chromium over the sandbox's own bills: three environments (two of payments, one of search) are
/// created through the request workflow, the clock moves two days on so the sandbox bills them, and finance runs the ingestion
/// from the empty dashboards page.
/// </summary>
public sealed class FinanceDashboardTests(FinanceDashboardSession session) : IClassFixture<FinanceDashboardSession>
{
    [Fact]
    public async Task Finance_IngestsFromTheEmptyPage_SeesEveryChart_FiltersByTeam_AndExports_WhileADeveloperSeesOnlyTheirTeam()
    {
        var portal = session.Portal;
        var page = await session.SignInAsync("finance@example.com");
        await page.GotoAsync("/costs");
        await BrowserSession.WaitForCircuitAsync(page);

        // Nothing ingested yet: the page says so and offers finance the run.
        await page.Locator("[data-testid=costs-empty]").WaitForAsync();
        (await page.Locator("[data-testid=sandbox-data]").InnerTextAsync()).ShouldContain("Sandbox data");
        await BrowserSession.ScreenshotAsync(page, "costs-empty");
        await page.ClickAsync("[data-testid=run-ingestion]");
        try
        {
            await page.Locator("[data-testid=chart-monthly] svg").First.WaitForAsync(new() { Timeout = 150_000 });
        }
        catch (TimeoutException)
        {
            await BrowserSession.ScreenshotAsync(page, "costs-ingestion-timeout");
            throw;
        }
        await using (var db = await portal.DbAsync())
        {
            (await db.CostIngestionRuns.Select(r => r.Status.ToString()).ToListAsync()).ShouldBe(["Succeeded"], "the page's one run, for the sandbox's one account");
        }


        // The figures are the ingested sandbox bills: the page's total is the database's for the same 30 days.
        var finance = await portal.ActorAsync("finance@example.com");
        var queries = portal.Services.GetRequiredService<CostDashboardQueries>();
        var today = DateOnly.FromDateTime(session.Clock.GetUtcNow().UtcDateTime);
        var window = new CostFilter(today.AddDays(-29), today);
        var teams = await queries.ByTeamAsync(finance, window, CancellationToken.None);
        teams.Select(t => t.Key).ShouldBe(["payments", "search", "unallocated"], ignoreOrder: true);
        teams.ShouldAllBe(t => t.AmountUsd > 0);
        (await page.Locator("[data-testid=kpi-total]").InnerTextAsync()).ShouldBe(await TotalAsync(queries, finance, window));
        var teamTable = await page.Locator("[data-testid=table-teams]").InnerTextAsync();
        foreach (var team in teams)
        {
            teamTable.ShouldContain(team.Key);
            teamTable.ShouldContain(Money.Format(team.AmountUsd));
        }

        foreach (var chart in new[] { "monthly", "teams", "tiers", "services", "top", "daily", "estimates", "templates", "approvers", "waste" })
        {
            // A Radzen chart draws its SVG once the browser has measured it.
            await page.Locator($"[data-testid=chart-{chart}] svg").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        }

        (await page.Locator("[data-testid=table-top]").InnerTextAsync()).ShouldContain("checkout");
        (await page.Locator("[data-testid=table-approvers]").InnerTextAsync()).ShouldContain("policy");
        (await page.Locator("[data-testid=table-waste]").InnerTextAsync()).ShouldContain("untagged");
        await BrowserSession.ScreenshotAsync(page, "costs-finance");
        foreach (var chart in new[] { "monthly", "teams", "tiers", "services", "top", "daily", "estimates", "templates", "approvers", "waste" })
        {
            // The page scrolls inside the layout, so each card is kept on its own too.
            await page.Locator($"[data-testid=chart-{chart}]").ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDirectory, $"costs-finance-{chart}.png") });
        }

        // The team filter narrows every chart and table, and lands in the address bar.
        await page.ClickAsync("[data-testid=filter-team]");
        await page.Locator(".rz-dropdown-item").GetByText("search", new() { Exact = true }).ClickAsync();
        await page.ClickAsync("[data-testid=filter-apply]");
        await page.WaitForURLAsync(url => url.Contains("team=search", StringComparison.Ordinal));
        var search = teams.Single(t => t.Key == "search").AmountUsd;
        await Expect(page.Locator("[data-testid=kpi-total]"), await TotalAsync(queries, finance, window with { TeamIds = [await TeamAsync("search")] }));
        var filtered = await page.Locator("[data-testid=table-teams]").InnerTextAsync();
        filtered.ShouldContain("search");
        filtered.ShouldNotContain("payments");
        filtered.ShouldNotContain("unallocated");
        (await page.Locator("[data-testid=table-top]").InnerTextAsync()).ShouldNotContain("checkout");
        (await page.Locator("[data-testid=table-top]").InnerTextAsync()).ShouldContain("crawler");
        await BrowserSession.ScreenshotAsync(page, "costs-finance-search");

        // Every table exports what it shows, as CSV with a header row.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=export-teams]"));
        var csv = await File.ReadAllTextAsync(await download.PathAsync());
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("team,amount_usd,percent");
        lines.Skip(1).ShouldBe([$"search,{search.ToString("0.######", CultureInfo.InvariantCulture)},100"]);
        download.SuggestedFilename.ShouldStartWith("costs-teams-");
        await page.Context.CloseAsync();

        // A developer of payments: only payments, no unallocated spend, and no cost panel of search's environment.
        var developer = await session.SignInAsync("dev@example.com");
        await developer.GotoAsync("/costs");
        await BrowserSession.WaitForCircuitAsync(developer);
        await developer.Locator("[data-testid=table-teams]").WaitForAsync();
        var mine = await developer.Locator("[data-testid=table-teams]").InnerTextAsync();
        mine.ShouldContain("payments");
        mine.ShouldNotContain("search");
        mine.ShouldNotContain("unallocated");
        (await developer.Locator("[data-testid=table-waste]").InnerTextAsync()).ShouldNotContain("untagged");
        (await developer.Locator("[data-testid=kpi-total]").InnerTextAsync()).ShouldBe(await TotalAsync(queries, await portal.ActorAsync("dev@example.com"), window));
        await BrowserSession.ScreenshotAsync(developer, "costs-developer");

        await developer.GotoAsync($"/environments/{session.Checkout}");
        await BrowserSession.WaitForCircuitAsync(developer);
        await developer.Locator("[data-testid=cost-panel]").WaitForAsync();
        var panel = await developer.Locator("[data-testid=cost-panel]").InnerTextAsync();
        panel.ShouldContain("Sandbox data");
        (await developer.Locator("[data-testid=cost-mtd]").InnerTextAsync()).ShouldNotBe(Money.Format(0));
        (await developer.Locator("[data-testid=cost-forecast]").InnerTextAsync()).ShouldStartWith("$");
        await developer.Locator("[data-testid=cost-panel] svg").First.WaitForAsync();
        await BrowserSession.ScreenshotAsync(developer, "environment-cost-panel");
        await developer.Locator("[data-testid=cost-panel]").ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDirectory, "environment-cost-panel-card.png") });

        await developer.GotoAsync($"/environments/{session.Crawler}");
        await BrowserSession.WaitForCircuitAsync(developer);
        await developer.GetByText("Environment not found").WaitForAsync();
        (await developer.Locator("[data-testid=cost-panel]").CountAsync()).ShouldBe(0);
        await developer.Context.CloseAsync();
    }

    private static async Task<string> TotalAsync(CostDashboardQueries queries, LifecycleActor actor, CostFilter filter) =>
        Money.Format((await queries.DailyTrendAsync(actor, filter, CancellationToken.None)).Sum(d => d.AmountUsd));

    private async Task<Guid> TeamAsync(string slug) => (await session.Portal.Services.GetRequiredService<CostDashboardQueries>().TeamsBySlugAsync(CancellationToken.None))[slug];

    private static async Task Expect(ILocator locator, string text)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (await locator.InnerTextAsync() != text && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        (await locator.InnerTextAsync()).ShouldBe(text);
    }
}

/// <summary>A portal (SQLite, sandbox) whose clock the test moves, with three environments billing in the sandbox.</summary>
public sealed class FinanceDashboardSession : BrowserSession
{
    private static readonly TestClock SharedClock = new();

    public FinanceDashboardSession()
        : base(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Sandbox:CostAllocationTagsActiveByDefault"] = "true",
            ["Costs:BackfillDays"] = "30",
        }, s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(SharedClock)))
    {
    }

    public TimeProvider Clock => SharedClock;

    public Guid Checkout { get; private set; }

    public Guid Crawler { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var workflow = Portal.Services.GetRequiredService<RequestWorkflow>();
        var dev = await Portal.ActorAsync("dev@example.com");
        var searcher = await Portal.ActorAsync("dev2@example.com");
        var created = new[]
        {
            await workflow.SubmitAsync(dev, new SubmitRequest("create", "ecs-web-service", "dev", Team: "payments", Name: "checkout", TtlHours: 168), CancellationToken.None),
            await workflow.SubmitAsync(dev, new SubmitRequest("create", "static-site", "dev", Team: "payments", Name: "brochure", TtlHours: 168), CancellationToken.None),
            await workflow.SubmitAsync(searcher, new SubmitRequest("create", "ecs-web-service", "dev", Team: "search", Name: "crawler", TtlHours: 168), CancellationToken.None),
        };
        foreach (var outcome in created)
        {
            await Portal.WaitForAsync(outcome.EnvironmentId!.Value, EnvironmentStatus.Ready);
        }

        (Checkout, Crawler) = (created[0].EnvironmentId!.Value, created[2].EnvironmentId!.Value);

        // The daily ingestion's schedule stays out of it (moving the clock on would make it fire): finance runs it from the page.
        Portal.Services.GetRequiredService<Hangfire.IRecurringJobManager>().RemoveIfExists(CostIngestionJob.Id);

        // Two days on: the sandbox has billed the environments for whole days since their creation. The clock keeps running
        // (the job layer, which runs the ingestion, waits on it).
        SharedClock.Shift(TimeSpan.FromDays(2));
    }
}
