using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Playwright;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Jobs;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Components.Shared;
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
            await BrowserSession.ScreenshotAsync(page, "costs-ingestion-timeout", bothWidths: false);
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
            teamTable.ShouldContain(Format.Money(team.AmountUsd));
        }

        // The services table names each service as its chart does ("CloudWatch", not "AmazonCloudWatch"), Cost Explorer's name
        // in the tooltip.
        var services = await queries.ByServiceAsync(finance, window, CancellationToken.None);
        services.Select(s => s.Key).ShouldContain("AmazonCloudWatch");
        var serviceTable = page.Locator("[data-testid=table-services]");
        (await serviceTable.InnerTextAsync()).ShouldNotContain("AmazonCloudWatch");
        (await serviceTable.Locator("span[title='AmazonCloudWatch']").InnerTextAsync()).ShouldBe("CloudWatch");

        foreach (var chart in new[] { "monthly", "teams", "tiers", "services", "top", "daily", "estimates", "templates", "approvers", "waste" })
        {
            await page.Locator($"[data-testid=chart-{chart}] svg").First.WaitForAsync(new() { State = WaitForSelectorState.Attached });
        }

        // Two teams' environments of the same name are two bars, each labelled team/name (issue #15, defect 1).
        await ExpectBothCheckoutsAsync(page, "top");
        await ExpectBothCheckoutsAsync(page, "estimates");
        (await page.Locator("[data-testid=table-approvers]").InnerTextAsync()).ShouldContain("policy");
        (await page.Locator("[data-testid=table-waste]").InnerTextAsync()).ShouldContain("untagged");
        await BrowserSession.ScreenshotAsync(page, "costs-finance");

        foreach (var chart in new[] { "monthly", "teams", "tiers", "services", "top", "daily", "estimates", "templates", "approvers", "waste" })
        {
            // The page scrolls inside the layout, so each card is kept on its own too.
            await page.Locator($"[data-testid=chart-{chart}]").ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDirectory, $"costs-finance-{chart}.png") });
        }

        (await CostPages.TruncatedCellsAsync(page, "[data-testid^=table-]")).ShouldBeEmpty("no header or cell is cut off with room to spare");
        // The filter bar's values show whole: the dates were cut by their calendar button ("2026-11-1", session 17's screenshots).
        (await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('[data-testid=cost-filters] input')]
                .filter(i => i.value && i.scrollWidth > i.clientWidth).map(i => `${i.value}: ${i.scrollWidth} > ${i.clientWidth}`)
            """)).ShouldBeEmpty("every filter's value fits its field");

        // Choosing a tier and applying it once ended the circuit (two "checkout"s gave two chart elements one key): the page
        // stays live and still draws both.
        await CostPages.ChooseAsync(page, "filter-tier", "dev");
        await page.ClickAsync("[data-testid=filter-apply]");
        await BrowserSession.WaitForUrlAsync(page, url => url.Contains("tier=dev", StringComparison.Ordinal));
        await page.Locator("[data-testid=costs-scope]").WaitForAsync();
        await ExpectBothCheckoutsAsync(page, "top");
        await ExpectLiveAsync(page);
        await page.ClickAsync("[data-testid=filter-reset]");
        await BrowserSession.WaitForUrlAsync(page, url => !url.Contains("tier=", StringComparison.Ordinal));

        // The team filter narrows every chart and table, lands in the address bar, and the page says whose spend it shows.
        (await page.Locator("[data-testid=costs-scope]").InnerTextAsync()).ShouldStartWith("All teams");
        await CostPages.ChooseAsync(page, "filter-team", "search");
        await page.ClickAsync("[data-testid=filter-apply]");
        await BrowserSession.WaitForUrlAsync(page, url => url.Contains("team=search", StringComparison.Ordinal));
        await Expect(page.Locator("[data-testid=costs-scope]"), "Team search only; unallocated spend left out. Unblended USD.");
        var search = teams.Single(t => t.Key == "search").AmountUsd;
        await Expect(page.Locator("[data-testid=kpi-total]"), await TotalAsync(queries, finance, window with { TeamIds = [await TeamAsync("search")] }));
        var filtered = await page.Locator("[data-testid=table-teams]").InnerTextAsync();
        filtered.ShouldContain("search");
        filtered.ShouldNotContain("payments");
        filtered.ShouldNotContain("unallocated");
        var top = await page.Locator("[data-testid=table-top]").InnerTextAsync();
        top.ShouldNotContain("payments/checkout");
        top.ShouldContain("search/checkout");
        top.ShouldContain("search/crawler");
        (await page.Locator("[data-testid=chart-top] svg text").AllTextContentsAsync()).ShouldContain("search/checkout");
        await ExpectLiveAsync(page);
        await BrowserSession.ScreenshotAsync(page, "costs-finance-search");

        // Every table exports what it shows, as CSV with a header row.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=export-teams]"));
        var csv = await File.ReadAllTextAsync(await download.PathAsync());
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("team,amount_usd,percent");
        lines.Skip(1).ShouldBe([$"search,{search.ToString("0.######", CultureInfo.InvariantCulture)},100"]);
        download.SuggestedFilename.ShouldStartWith("costs-teams-");

        // The finance journey, looked at on a desktop and on a phone: the filtered dashboards, then budgets with an anomaly and
        // their CSV.
        await CostPages.JourneyScreenshotsAsync(page, "journey-finance-costs-search", ["chart-monthly", "chart-top", "chart-estimates", "chart-waste"]);
        await page.GotoAsync("/costs/budgets");
        await BrowserSession.WaitForCircuitAsync(page);
        await page.Locator($"[data-testid=anomaly-{session.Anomaly}]").WaitForAsync();
        (await page.Locator($"[data-testid=anomaly-{session.Anomaly}]").InnerTextAsync()).ShouldBe("payments/checkout");
        (await page.Locator("[data-testid=budget-explain-payments]").InnerTextAsync()).ShouldStartWith("Used ");
        var budgets = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=budgets-export]"));
        var budgetLines = (await File.ReadAllTextAsync(await budgets.PathAsync())).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        budgetLines[0].ShouldBe("month,scope,name,budget_usd,month_to_date_usd,forecast_usd,remaining_usd,percent_used,alert_state");
        budgetLines.Skip(1).Select(l => l.Split(',')[1]).ShouldBe(["_organisation", "payments", "search"]);
        await CostPages.ExpectRemainingAsInCsvAsync(page, budgetLines);
        await CostPages.JourneyScreenshotsAsync(page, "journey-finance-budgets", ["budgets-chart", "budgets-grid", "anomalies-grid"]);
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

        await developer.GotoAsync($"/environments/{session.Checkout}?tab=cost");
        await BrowserSession.WaitForCircuitAsync(developer);
        await developer.Locator("[data-testid=cost-panel]").WaitForAsync();
        var panel = await developer.Locator("[data-testid=cost-panel]").InnerTextAsync();
        panel.ShouldContain("Sandbox data");
        (await developer.Locator("[data-testid=cost-mtd]").InnerTextAsync()).ShouldNotBe(Format.Money(0));
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

    /// <summary>The chart and its table name both environments called "checkout", each as team/name.</summary>
    private static async Task ExpectBothCheckoutsAsync(IPage page, string chart)
    {
        var labels = await page.Locator($"[data-testid=chart-{chart}] svg text").AllTextContentsAsync();
        labels.ShouldContain("payments/checkout", $"the {chart} chart draws payments' checkout");
        labels.ShouldContain("search/checkout", $"the {chart} chart draws search's checkout");
        var table = await page.Locator($"[data-testid=table-{chart}]").InnerTextAsync();
        table.ShouldContain("payments/checkout");
        table.ShouldContain("search/checkout");
    }

    /// <summary>The circuit still answers: Blazor's error bar is hidden and the page's filter bar still reacts.</summary>
    private static async Task ExpectLiveAsync(IPage page)
    {
        (await page.Locator("#blazor-error-ui").IsVisibleAsync()).ShouldBeFalse("the circuit must survive the filter");
        (await page.Locator("[data-testid=circuit-live]").CountAsync()).ShouldBe(1);
    }

    private static async Task<string> TotalAsync(CostDashboardQueries queries, LifecycleActor actor, CostFilter filter) =>
        Format.Money((await queries.DailyTrendWithTotalAsync(actor, filter, CancellationToken.None)).TotalUsd);

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

    public Guid Anomaly { get; private set; }

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
            // Issue #15, defect 1: an environment named like one of another team (the dashboard once keyed its charts by name).
            await workflow.SubmitAsync(searcher, new SubmitRequest("create", "ecs-web-service", "dev", Team: "search", Name: "checkout", TtlHours: 168), CancellationToken.None),
        };
        foreach (var outcome in created)
        {
            await Portal.WaitForAsync(outcome.EnvironmentId!.Value, EnvironmentStatus.Ready);
        }

        (Checkout, Crawler) = (created[0].EnvironmentId!.Value, created[2].EnvironmentId!.Value);

        // An open anomaly of payments' checkout for the budgets page of the finance journey.
        await using (var db = await Portal.DbAsync())
        {
            var payments = await db.Teams.Where(t => t.Slug == "payments").Select(t => t.Id).SingleAsync();
            var now = SharedClock.GetUtcNow();
            var anomaly = CostAnomaly.Detect(payments, Checkout, DateOnly.FromDateTime(now.UtcDateTime), 640m, 110m, 15m, 14, now);
            db.CostAnomalies.Add(anomaly);
            await db.SaveChangesAsync();
            Anomaly = anomaly.Id;
        }

        // The daily ingestion's schedule stays out of it (moving the clock on would make it fire): finance runs it from the page.
        Portal.Services.GetRequiredService<Hangfire.IRecurringJobManager>().RemoveIfExists(CostIngestionJob.Id);

        // Two days on: the sandbox has billed the environments for whole days since their creation. The clock keeps running
        // (the job layer, which runs the ingestion, waits on it).
        SharedClock.Shift(TimeSpan.FromDays(2));
    }
}

/// <summary>Page-object helpers of the cost pages on MudBlazor.</summary>
public static class CostPages
{
    /// <summary>Picks an option of the filter bar's select (MudSelect: its list opens in a popover; Escape closes a multi-select).</summary>
    public static async Task ChooseAsync(IPage page, string testId, string option)
    {
        await page.Locator($"[data-testid={testId}]").ClickAsync();
        var item = page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex($"^\\s*{System.Text.RegularExpressions.Regex.Escape(option)}\\s*$") });
        await item.First.ClickAsync();
        var open = page.Locator(".mud-popover-open .mud-list-item").First;
        if (await open.CountAsync() > 0)
        {
            // A multi-select stays open after a choice. Escape closes it while the focus is in the select; when the focus went to
            // the list instead, the user's other way out closes it: a click outside the list.
            await page.Keyboard.PressAsync("Escape");
            try
            {
                await open.WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 5_000 });
            }
            catch (TimeoutException)
            {
                // A click outside the list. MudBlazor 9's select overlay lets pointer events through (`pointer-events: none`; the
                // popover closes on any click outside it), so a click aimed at the overlay lands on whatever is under it: the app bar
                // at the top left (CI 2026-12-06), the page's scroll bar at the right edge (CI 2026-12-07, "<html> intercepts
                // pointer events"). So ask the page for a point on plain content (no control, link, bar or list) and click there.
                var point = await page.EvaluateAsync<double[]?>(
                    @"() => {
                        const w = document.documentElement.clientWidth, h = document.documentElement.clientHeight;
                        const busy = '.mud-popover, .mud-appbar, .mud-drawer, a, button, input, textarea, select, label, table, ' +
                                     '[role=button], [role=option], [role=checkbox], [role=listbox], [tabindex], .mud-input-control';
                        for (let y = h * 0.2; y < h * 0.95; y += h * 0.05)
                            for (let x = w * 0.3; x < w * 0.9; x += w * 0.05) {
                                const e = document.elementFromPoint(x, y);
                                if (e && e !== document.documentElement && e !== document.body && !e.closest(busy)) return [x, y];
                            }
                        return null;
                    }");
                point.ShouldNotBeNull("no point of the page shows plain content outside the open list, so a user could not click outside it");
                await page.Mouse.ClickAsync((float)point[0], (float)point[1]);
            }
        }

        await open.WaitForAsync(new() { State = WaitForSelectorState.Detached });
    }

    /// <summary>Header and body cells under the selector whose text is cut off (an ellipsis or clipped overflow).</summary>
    public static async Task<IReadOnlyList<string>> TruncatedCellsAsync(IPage page, string tables) =>
        await page.EvaluateAsync<string[]>(
            "sel => [...document.querySelectorAll(sel)].flatMap(t => [...t.querySelectorAll('th, td')])" +
            ".filter(c => c.offsetParent !== null && c.scrollWidth > c.clientWidth + 1).map(c => c.innerText.trim())",
            tables);

    /// <summary>Every budget line's Remaining on the page is the CSV's remaining_usd (issue #15: they disagreed for the organisation).</summary>
    public static async Task ExpectRemainingAsInCsvAsync(IPage page, IReadOnlyList<string> csvLines)
    {
        foreach (var fields in csvLines.Skip(1).Select(l => l.Split(',')))
        {
            var onPage = (await page.Locator($"[data-testid=budget-remaining-{fields[1]}]").InnerTextAsync()).Trim();
            var expected = fields[6].Length == 0 ? "—" : Format.Money(decimal.Parse(fields[6], CultureInfo.InvariantCulture));
            onPage.ShouldBe(expected, $"the {fields[1]} line's remaining amount on the page and in the CSV");
        }
    }

    /// <summary>
    /// The page at 1400 px (NAME-1400) and each card at 390 px, a phone (NAME-CARD-390): at 390 px every card spans the screen
    /// and reaches no further (a chart wider than the phone scrolls inside its card).
    /// </summary>
    public static async Task JourneyScreenshotsAsync(IPage page, string name, IReadOnlyList<string> cards)
    {
        ArgumentNullException.ThrowIfNull(cards);
        await page.SetViewportSizeAsync(1400, 900);
        await BrowserSession.ScreenshotAsync(page, name + "-1400", bothWidths: false);
        await page.SetViewportSizeAsync(390, 844);
        var first = page.Locator($"[data-testid={cards[0]}]").First;
        async Task<bool> SpansPhoneAsync() => await first.BoundingBoxAsync() is { Width: > 300 };

        // The layout may collapse its navigation on its own when the window narrows; if it stays open, close it as a phone
        // user would, then wait for the page to take the screen.
        var toggle = page.Locator("[aria-label='Toggle navigation']");
        if (!await UntilAsync(SpansPhoneAsync, TimeSpan.FromSeconds(5)) && await toggle.CountAsync() > 0)
        {
            await toggle.First.ClickAsync();
        }

        (await UntilAsync(SpansPhoneAsync, TimeSpan.FromSeconds(30))).ShouldBeTrue($"{cards[0]} uses the phone's width");

        foreach (var card in cards)
        {
            var locator = page.Locator($"[data-testid={card}]").First;
            await locator.ScrollIntoViewIfNeededAsync();
            var box = await locator.BoundingBoxAsync();
            box.ShouldNotBeNull(card);
            (box.X + box.Width).ShouldBeLessThanOrEqualTo(390 + 1, $"{card} stays within a 390 px screen");
            box.Width.ShouldBeGreaterThan(300, $"{card} uses the phone's width");
            await locator.ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDirectory, $"{name}-{card}-390.png") });
        }

        await page.SetViewportSizeAsync(1400, 900);
    }

    private static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = DateTimeOffset.UtcNow + within;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }
}
