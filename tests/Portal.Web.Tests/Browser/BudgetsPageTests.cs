using Microsoft.EntityFrameworkCore;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Browser;

/// <summary>
/// The budgets page in Chromium on the embedded default: finance edits a budget (a bad amount first), reads the forecast's
/// basis, exports the table and acknowledges an anomaly with a note; a developer sees only their own team.
/// </summary>
public sealed class BudgetsPageTests(BrowserSession session) : IClassFixture<BrowserSession>, IAsyncLifetime
{
    private Guid _anomalyId;

    public async Task InitializeAsync()
    {
        await using var db = await session.Portal.DbAsync();
        if (await db.CostAnomalies.AnyAsync())
        {
            _anomalyId = await db.CostAnomalies.Select(a => a.Id).FirstAsync();
            return;
        }

        var payments = await db.Teams.Where(t => t.Slug == "payments").Select(t => t.Id).SingleAsync();
        var search = await db.Teams.Where(t => t.Slug == "search").Select(t => t.Id).SingleAsync();
        var now = DateTimeOffset.UtcNow;
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var monthStart = new DateOnly(today.Year, today.Month, 1);
        db.CostFacts.AddRange(
            CostFact.Create(monthStart, "123456789012", "budget-page-payments", "Amazon Relational Database Service",
                new CostAllocation(null, payments, EnvironmentTier.Dev), new CostAmounts(2750m, 2750m, false), now),
            CostFact.Create(monthStart, "123456789012", "budget-page-search", "Amazon Elastic Compute Cloud - Compute",
                new CostAllocation(null, search, EnvironmentTier.Dev), new CostAmounts(300m, 300m, false), now));
        var anomaly = CostAnomaly.Detect(payments, null, today.AddDays(-2), 640m, 110m, 15m, 14, now);
        db.CostAnomalies.Add(anomaly);
        await db.SaveChangesAsync();
        _anomalyId = anomaly.Id;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Finance_EditsABudget_ReadsTheForecastBasis_ExportsCsv_AndAcknowledgesAnAnomaly()
    {
        var page = await session.SignInAsync("finance@example.com");
        await page.GotoAsync("/costs/budgets");
        await BrowserSession.WaitForCircuitAsync(page);

        await page.Locator("[data-testid=budget-row-payments]").WaitForAsync();
        (await page.Locator("[data-testid=budget-row-search]").CountAsync()).ShouldBe(1);
        (await page.Locator("[data-testid=budget-row-_organisation]").CountAsync()).ShouldBe(1, "finance sees the organisation line");
        await page.Locator("[data-testid=budgets-chart] svg").First.WaitForAsync();
        (await page.Locator("[data-testid=budgets-chart] svg text").AllTextContentsAsync()).ShouldContain("payments");
        (await page.Locator("[data-testid=budget-actual-payments]").InnerTextAsync()).ShouldBe("$2,750.00");
        (await page.Locator("[data-testid=budget-state-payments]").TextContentAsync() ?? "").Trim().ShouldBe("50%+ spent");
        (await page.Locator("[data-testid=budget-forecast-payments]").GetAttributeAsync("title") ?? "").ShouldContain("$2,750.00 actual");

        // At 1400 px every column is in view, Edit too (it sat past the grid's edge behind a sideways scroll).
        var outside = await page.Locator("[data-testid=budgets-grid] .mud-table-container").EvaluateAsync<double>(
            "c => c.querySelector('[data-testid=budget-edit-payments]').getBoundingClientRect().right - c.getBoundingClientRect().right");
        outside.ShouldBeLessThanOrEqualTo(0, "the Edit button is past the grid's edge");

        // Both figures in words (issue #15: "Used 55%" beside a state explained neither).
        (await page.Locator("[data-testid=budget-explain-payments]").InnerTextAsync())
            .ShouldBe("Used 55.0% of $5,000.00 so far; forecast $2,750.00 by month end, 45% under.");
        (await CostPages.TruncatedCellsAsync(page, "[data-testid=budgets-grid], [data-testid=anomalies-grid]")).ShouldBeEmpty("no header or cell is cut off");

        await page.Locator("tr", new() { Has = page.Locator("[data-testid=budget-row-payments]") }).Locator("button").First.ClickAsync();
        (await page.Locator("[data-testid=basis-payments]").InnerTextAsync()).ShouldContain("$2,750.00 actual so far + $0.00 for the");
        var csv = await page.Locator("[data-testid=budgets-export]").GetAttributeAsync("href") ?? "";
        csv.ShouldStartWith("data:text/csv");
        var csvLines = Uri.UnescapeDataString(csv["data:text/csv;charset=utf-8,".Length..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        csvLines[0].ShouldStartWith("month,scope,name,budget_usd");
        csvLines.ShouldContain(l => l.Contains(",payments,Payments,5000.00,2750.00,", StringComparison.Ordinal));

        // The page and the CSV agree on every line's remaining amount, the organisation's (no total set) included.
        await CostPages.ExpectRemainingAsInCsvAsync(page, csvLines);
        (await page.Locator("[data-testid=budget-remaining-_organisation]").InnerTextAsync()).ShouldBe("—");

        await page.ClickAsync("[data-testid=budget-edit-payments]");
        await page.FillAsync("[data-testid=budget-amount] input", "-5");
        await page.ClickAsync("[data-testid=budget-save]");
        await page.Locator("[data-testid=budget-amount]").GetByText("zero or more", new() { Exact = false }).WaitForAsync();
        await BrowserSession.ScreenshotAsync(page, "budgets-edit-field-error");
        await page.FillAsync("[data-testid=budget-amount] input", "4000");
        await page.ClickAsync("[data-testid=budget-save]");
        await page.Locator("[data-testid=budget-amount-payments]").GetByText("$4,000.00").WaitForAsync();
        (await page.Locator("[data-testid=budget-state-payments]").TextContentAsync() ?? "").Trim().ShouldBe("50%+ spent", "$2,750 of $4,000");

        await page.ClickAsync($"[data-testid=anomaly-acknowledge-{_anomalyId}]");
        await page.ClickAsync("[data-testid=acknowledge-save]");
        await page.Locator("[data-testid=acknowledge-note-field]").GetByText("required", new() { Exact = false }).WaitForAsync();
        await page.FillAsync("#acknowledge-note", "Quarter-end load test; capacity released.");
        await page.ClickAsync("[data-testid=acknowledge-save]");
        await page.Locator($"[data-testid=anomaly-acknowledge-{_anomalyId}]").WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Detached });
        await page.GetByText("Show acknowledged").ClickAsync();
        (await page.Locator($"[data-testid=anomaly-ack-{_anomalyId}]").InnerTextAsync()).ShouldContain("Quarter-end load test");
        await BrowserSession.ScreenshotAsync(page, "budgets-finance");

        await using var db = await session.Portal.DbAsync();
        (await db.Teams.Where(t => t.Slug == "payments").Select(t => t.MonthlyBudgetUsd).SingleAsync()).ShouldBe(4000m);
        (await db.CostAnomalies.SingleAsync(a => a.Id == _anomalyId)).AcknowledgedByName.ShouldBe("finance@example.com");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Developer_SeesOnlyTheirOwnTeam_AndCannotEditBudgets()
    {
        var page = await session.SignInAsync("dev2@example.com");
        await page.GotoAsync("/costs/budgets");
        await BrowserSession.WaitForCircuitAsync(page);

        await page.Locator("[data-testid=budget-row-search]").WaitForAsync();
        (await page.Locator("[data-testid=budget-row-payments]").CountAsync()).ShouldBe(0);
        (await page.Locator("[data-testid=budget-row-_organisation]").CountAsync()).ShouldBe(0);
        (await page.Locator("[data-testid^=budget-edit-]").CountAsync()).ShouldBe(0);
        (await page.Locator($"[data-testid=anomaly-{_anomalyId}]").CountAsync()).ShouldBe(0, "payments' anomaly is not search's to see");
        (await page.Locator("[data-testid=budget-actual-search]").InnerTextAsync()).ShouldBe("$300.00");
        await page.Locator("[data-testid=budgets-chart] svg").First.WaitForAsync();
        await BrowserSession.ScreenshotAsync(page, "budgets-developer");
        await page.Context.CloseAsync();
    }
}
