using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Jobs;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Components.Shared;
using Portal.Web.Features.Costs;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Browser;

/// <summary>
/// Issue 18, the dashboards page's load path: the prerender starts the views' read and ends the document with the filter bar;
/// the circuit takes that read (<see cref="CostsPagePrefetch"/>, by the token the document hands it) without reading the views
/// again, for its own user and filter only.
/// </summary>
public sealed class CostsPageLoadTests(CostsPageLoadSession session) : IClassFixture<CostsPageLoadSession>
{
    private static readonly string[] Tables = ["table-monthly", "table-teams", "table-tiers", "table-services", "table-top", "table-daily", "table-templates", "table-approvers", "table-waste"];

    [Fact]
    public async Task Finance_TheDocumentStartsTheRead_TheCircuitTakesIt_AndNoViewIsReadTwice()
    {
        var page = await session.SignInAsync("finance@example.com");
        var prefetch = session.Portal.Services.GetRequiredService<CostsPagePrefetch>();

        // The document as served, before any circuit: the filter bar and the loading state, no view (it does not wait for
        // them); the read it started, with this many cost statements, runs on after it. (Warm: the calibration card beside the
        // views, shown by the circuit, computes its figures once per ingestion.)
        await session.Portal.Services.GetRequiredService<Portal.Provisioning.Estimates.EstimateCalibration>().GetAsync(CancellationToken.None);
        (await page.APIRequest.GetAsync("costs")).Status.ShouldBe(200);
        await ReadsFinishedAsync(prefetch);
        CostsPageLoadSession.Statements.Clear();
        var response = await page.APIRequest.GetAsync("costs");
        response.Status.ShouldBe(200);
        var html = await response.TextAsync();
        html.ShouldContain("data-testid=\"cost-filters\"");
        html.ShouldContain("aria-label=\"Loading\"");
        foreach (var table in Tables)
        {
            html.ShouldNotContain($"data-testid=\"{table}\"", customMessage: $"{table} waits for the circuit");
        }

        html.ShouldContain("Blazor-Server-Component-State:", customMessage: "the read's token is handed to the circuit");
        await ReadsFinishedAsync(prefetch);
        var once = CostsPageLoadSession.Statements.ToArray();
        once.ShouldNotBeEmpty();

        // The page in the browser: the prerender reads once more (it starts the read); the circuit, taking it, reads no view.
        // Once a table is in, it stays in.
        await page.AddInitScriptAsync("""
            window.__tablesLeft = [];
            new MutationObserver(() => {
                const shown = document.querySelector('[data-testid=table-monthly]') !== null;
                if (shown) { window.__tablesSeen = true; }
                else if (window.__tablesSeen) {
                    window.__tablesLeft.push(document.querySelector('[data-testid=costs-empty]') ? 'empty state' : 'something else');
                }
            }).observe(document, { childList: true, subtree: true });
            """);
        CostsPageLoadSession.Statements.Clear();
        var unclaimed = prefetch.Unclaimed;
        await page.GotoAsync("costs");
        await page.Locator("[data-testid=costs-page][data-state=live]").WaitForAsync();
        foreach (var table in Tables)
        {
            await page.Locator($"[data-testid={table}]").WaitForAsync();
        }

        // The estimate grid's first page is the charted page: shown without reading it again.
        (await page.Locator("[data-testid=table-estimates] tbody tr").CountAsync()).ShouldBeGreaterThan(0);
        CostsPageLoadSession.Statements.Count.ShouldBe(once.Length, string.Join("\n---\n", CostsPageLoadSession.Statements));
        prefetch.Unclaimed.ShouldBe(unclaimed, "the circuit took the read its document started");
        (await page.EvaluateAsync<string[]>("window.__tablesLeft")).ShouldBeEmpty("the tables gave way once they were in");

        var queries = session.Portal.Services.GetRequiredService<CostDashboardQueries>();
        var finance = await session.Portal.ActorAsync("finance@example.com");
        (await page.Locator("[data-testid=kpi-total]").InnerTextAsync()).ShouldBe(await TotalAsync(queries, finance, Window()));
        await BrowserSession.ScreenshotAsync(page, "costs-prerendered-finance");
    }

    [Fact]
    public async Task TwoUsers_EachSeeTheirOwnViews_AFilterInTheQueryIsPrerendered_AndAFilterChangeAfterLoadReads()
    {
        var queries = session.Portal.Services.GetRequiredService<CostDashboardQueries>();
        var finance = await session.SignInAsync("finance@example.com");
        var developer = await session.SignInAsync("dev@example.com");
        var financeActor = await session.Portal.ActorAsync("finance@example.com");
        var developerActor = await session.Portal.ActorAsync("dev@example.com");

        // Both pages at once: each shows its own user's views (the developer: payments only, no unallocated spend).
        await Task.WhenAll(finance.GotoAsync("costs"), developer.GotoAsync("costs"));
        await finance.Locator("[data-testid=costs-page][data-state=live]").WaitForAsync();
        await developer.Locator("[data-testid=costs-page][data-state=live]").WaitForAsync();
        var financeTotal = await TotalAsync(queries, financeActor, Window());
        var developerTotal = await TotalAsync(queries, developerActor, Window());
        developerTotal.ShouldNotBe(financeTotal);
        (await finance.Locator("[data-testid=kpi-total]").InnerTextAsync()).ShouldBe(financeTotal);
        (await developer.Locator("[data-testid=kpi-total]").InnerTextAsync()).ShouldBe(developerTotal);
        (await developer.Locator("[data-testid=table-teams]").InnerTextAsync()).ShouldNotContain("search");
        (await developer.Locator("[data-testid=table-waste]").InnerTextAsync()).ShouldNotContain("untagged");
        (await developer.Locator("[data-testid=costs-scope]").InnerTextAsync()).ShouldStartWith("Your teams only");

        // A filter in the query string: the served document already names it, and the circuit shows the filtered views.
        var search = (await queries.TeamsBySlugAsync(CancellationToken.None))["search"];
        var served = await (await finance.APIRequest.GetAsync("costs?team=search")).TextAsync();
        served.ShouldContain("Team search only");
        await finance.GotoAsync("costs?team=search");
        await finance.Locator("[data-testid=costs-page][data-state=live]").WaitForAsync();
        var searchTotal = await TotalAsync(queries, financeActor, Window() with { TeamIds = [search] });
        (await finance.Locator("[data-testid=kpi-total]").InnerTextAsync()).ShouldBe(searchTotal);
        (await finance.Locator("[data-testid=table-top]").InnerTextAsync()).ShouldNotContain("payments/");

        // A filter change after load (the circuit's own navigation): the views are read for the new filter.
        CostsPageLoadSession.Statements.Clear();
        await finance.ClickAsync("[data-testid=filter-reset]");
        await Expect(finance.Locator("[data-testid=kpi-total]"), financeTotal);
        finance.Url.ShouldNotContain("team=");
        CostsPageLoadSession.Statements.ShouldNotBeEmpty("a filter changed in the circuit reads the views");
        (await finance.Locator("[data-testid=costs-scope]").InnerTextAsync()).ShouldStartWith("All teams");
        await BrowserSession.ScreenshotAsync(developer, "costs-prerendered-developer");
    }

    [Fact]
    public async Task TheTables_SortAndPageInTheCircuit_TheEstimateGridOnTheServer()
    {
        var page = await session.SignInAsync("finance@example.com");
        await page.GotoAsync("costs");
        await page.Locator("[data-testid=costs-page][data-state=live]").WaitForAsync();

        // The daily table (30 days, 7 a page) pages in memory: the next page is the next week.
        var range = page.Locator("[data-testid=table-daily-range]");
        (await range.InnerTextAsync()).ShouldBe("1–7 of 30");
        var firstPage = await CellsAsync(page, "table-daily", 1);
        await page.Locator("[data-testid=table-daily-pager] [aria-label='Next page']").ClickAsync();
        await Expect(range, "8–14 of 30");
        (await CellsAsync(page, "table-daily", 1)).ShouldNotBe(firstPage);

        // A header click sorts every row (not the page): ascending, then descending; a third click restores the view's order.
        var spend = page.Locator("[data-testid=table-daily] th button", new() { HasText = "Spend" });
        await spend.ClickAsync();
        await Expect(range, "1–7 of 30");
        var ascending = (await CellsAsync(page, "table-daily", 2)).Select(Money).ToList();
        ascending.ShouldBe(ascending.Order().ToList());
        await spend.ClickAsync();
        await Expect(page.Locator("[data-testid=table-daily] th[aria-sort=descending]"), "Spend ↓");
        var descending = (await CellsAsync(page, "table-daily", 2)).Select(Money).ToList();
        descending.ShouldBe(descending.OrderDescending().ToList());
        descending[0].ShouldBeGreaterThan(ascending[0]);

        // The estimate grid sorts on the server: by environment, A→Z then Z→A (a statement each), one page of rows kept.
        var environment = page.Locator("[data-testid=table-estimates] th button", new() { HasText = "Environment" });
        CostsPageLoadSession.Statements.Clear();
        await environment.ClickAsync();
        await Expect(page.Locator("[data-testid=table-estimates] tbody tr").First.Locator("td").First, "■ payments/checkout");
        await environment.ClickAsync();
        await Expect(page.Locator("[data-testid=table-estimates] tbody tr").First.Locator("td").First, "■ search/crawler");
        CostsPageLoadSession.Statements.ShouldNotBeEmpty("the estimate grid's other orders are read from the server");
        (await page.Locator("#blazor-error-ui").IsVisibleAsync()).ShouldBeFalse();
    }

    private static async Task<IReadOnlyList<string>> CellsAsync(IPage page, string table, int column) =>
        await page.Locator($"[data-testid={table}] tbody tr td:nth-child({column})").AllInnerTextsAsync();

    private static decimal Money(string text) =>
        decimal.Parse(text.Replace("$", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);

    private static CostFilter Window()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        return new CostFilter(today.AddDays(-29), today);
    }

    private static async Task<string> TotalAsync(CostDashboardQueries queries, LifecycleActor actor, CostFilter filter) =>
        Format.Money((await queries.DailyTrendWithTotalAsync(actor, filter, CancellationToken.None)).TotalUsd);

    private static async Task Expect(ILocator locator, string text)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (await locator.InnerTextAsync() != text && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        (await locator.InnerTextAsync()).ShouldBe(text);
    }

    private static async Task ReadsFinishedAsync(CostsPagePrefetch prefetch)
    {
        for (var i = 0; i < 600 && prefetch.InFlight > 0; i++)
        {
            await Task.Delay(50);
        }

        prefetch.InFlight.ShouldBe(0, "the views' read finishes");
    }
}

public sealed class CostsPageLoadSession : BrowserSession
{
    public CostsPageLoadSession()
        : base(DatabaseProvider.Sqlite, new Dictionary<string, string?>
        {
            ["Sandbox:CostAllocationTagsActiveByDefault"] = "true",
            ["Costs:BackfillDays"] = "30",
        }, s => s.ConfigureDbContext<PortalDbContext>((_, options) => options.AddInterceptors(new CostStatements(Statements)), ServiceLifetime.Singleton))
    {
    }

    /// <summary>The statements that read cost tables since the last <c>Clear</c>.</summary>
    public static ConcurrentQueue<string> Statements { get; } = new();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // Ingestion runs once, here; its schedule stays out of the counted statements.
        Portal.Services.GetRequiredService<Hangfire.IRecurringJobManager>().RemoveIfExists(CostIngestionJob.Id);
        var workflow = Portal.Services.GetRequiredService<RequestWorkflow>();
        var dev = await Portal.ActorAsync("dev@example.com");
        var searcher = await Portal.ActorAsync("dev2@example.com");
        var created = new[]
        {
            await workflow.SubmitAsync(dev, new SubmitRequest("create", "ecs-web-service", "dev", Team: "payments", Name: "checkout", TtlHours: 168), CancellationToken.None),
            await workflow.SubmitAsync(searcher, new SubmitRequest("create", "static-site", "dev", Team: "search", Name: "crawler", TtlHours: 168), CancellationToken.None),
        };
        foreach (var outcome in created)
        {
            await Portal.WaitForAsync(outcome.EnvironmentId!.Value, EnvironmentStatus.Ready);
        }

        var run = await Portal.Services.GetRequiredService<CostIngestion>().IngestAccountAsync("123456789012", CancellationToken.None);
        run.Status.ShouldBe(CostIngestionStatus.Succeeded, run.Error);
    }

    private sealed class CostStatements(ConcurrentQueue<string> statements) : DbCommandInterceptor
    {
        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Count(command);
            return ValueTask.FromResult(result);
        }

        public override InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
        {
            Count(command);
            return result;
        }

        // The dashboards' views read the facts and their rollups ("CostFacts", "CostEnvironmentDays", …), not budgets or anomalies.
        private void Count(DbCommand command)
        {
            var sql = command.CommandText;
            if (sql.Contains("\"Cost", StringComparison.Ordinal) && !sql.Contains("\"CostBudget", StringComparison.Ordinal)
                && !sql.Contains("\"CostAnomal", StringComparison.Ordinal) && !sql.Contains("\"CostIngestionRuns\"", StringComparison.Ordinal))
            {
                statements.Enqueue(sql);
            }
        }
    }
}
