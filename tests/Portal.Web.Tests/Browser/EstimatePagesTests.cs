using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Components.Shared;

namespace Portal.Web.Tests.Browser;

/// <summary>Ranges and provenance in Chromium: the request form, the template page, the approval queue and Admin → Catalog.</summary>
public sealed class EstimatePagesTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    private static readonly CultureInfo Usd = CultureInfo.GetCultureInfo("en-US");

    [Fact]
    public async Task RequestForm_ShowsExpectedAndUpTo_AndTheTemplatePageTheSameForEveryTier()
    {
        var page = await session.SignInAsync("dev@example.com");
        await page.GotoAsync("/catalog/eks-platform");
        await BrowserSession.WaitForCircuitAsync(page);

        // dev with the tier's purchase options: nodes 1+2 → 3+7, Aurora 0.5 → 2 ACU (hand-computed in EstimateRangeTests).
        await Assertions.Expect(page.Locator("[data-testid=live-estimate-lines-summary] [data-testid=estimate-range]"))
            .ToHaveTextAsync("Expected $230.80, up to $468.48 a month at maximum scale");
        (await page.Locator("[data-testid=live-estimate-lines] [data-testid=estimate-max-total]").InnerTextAsync()).ShouldBe("$468.48");
        await RequestJourneyTests.ScreenshotsAsync(page, "estimate-range-form");

        await page.Locator("[data-testid=template-tabs] .mud-tab", new() { HasText = "Estimates by tier" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=tier-estimate-prod] [data-testid=estimate-range]"))
            .ToHaveTextAsync("Expected $2,966.93, up to $5,593.25 a month at maximum scale");
        await RequestJourneyTests.ScreenshotsAsync(page, "estimate-range-template");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ApprovalQueue_ShowsUpTo_AndTheBudgetLeftAtMaximumScale_ForAScalingTemplate()
    {
        // eks-platform staging with staging's purchase options: expected $386.79, up to $732.38 (EstimateRangeTests by hand).
        Guid teamId;
        var developer = await RequestJourneyTests.ActorAsync(session, "dev@example.com");
        var outcome = await session.Portal.Services.GetRequiredService<RequestWorkflow>().SubmitAsync(
            developer, new SubmitRequest("create", "eks-platform", "staging", Team: "payments", Name: "mesh", Justification: "Service mesh trial"), CancellationToken.None);
        outcome.Status.ShouldBe(RequestStatus.PendingApproval);
        await using (var db = await session.Portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            teamId = await db.Teams.Where(t => t.Slug == "payments").Select(t => t.Id).SingleAsync();
        }

        var budget = await session.Portal.Services.GetRequiredService<IBudgetLedger>().GetBudgetAsync(teamId, DateTimeOffset.UtcNow, CancellationToken.None);
        budget.MonthlyBudgetUsd.ShouldBeGreaterThan(0m, "the demo team has a budget, so the impact is shown");

        var platform = await session.SignInAsync("platform@example.com");
        await platform.GotoAsync("/approvals");
        await BrowserSession.WaitForCircuitAsync(platform);
        await Assertions.Expect(platform.Locator("[data-testid=queue-estimate-mesh]")).ToHaveTextAsync("$386.79");
        await Assertions.Expect(platform.Locator("[data-testid=queue-estimate-max-mesh]")).ToHaveTextAsync("expected; up to $732.38");
        // The budget left moves with the clock (running environments are prorated), so the page's own figure is the base.
        var impact = (await platform.Locator("[data-testid=budget-impact-mesh]").InnerTextAsync()).Split('\n')[0].Trim();
        var remaining = decimal.Parse(impact[..impact.IndexOf(" →", StringComparison.Ordinal)], NumberStyles.Currency, Usd);
        remaining.ShouldBe(budget.RemainingUsd, 1m);
        impact.ShouldBe($"{Format.Money(remaining)} → {Format.Money(remaining - 386.79m)} left");
        await Assertions.Expect(platform.Locator("[data-testid=budget-impact-max-mesh]"))
            .ToHaveTextAsync($"{Format.Money(remaining - 732.38m)} left at maximum scale");
        // The extra lines wrap inside their column: the queue's last column stays on screen at 1400 px.
        var approvals = await platform.Locator("[data-testid=approvals-count-mesh]").BoundingBoxAsync();
        (approvals!.X + approvals.Width).ShouldBeLessThanOrEqualTo(1400f);
        await Assertions.Expect(platform.Locator("[data-testid=requester-mesh]")).ToHaveTextAsync("by Dana Developer");
        await RequestJourneyTests.ScreenshotsAsync(platform, "approvals-queue-range");

        // The review by its address (the queue's link is the same URL; RequestJourneyTests click it).
        await platform.GotoAsync($"/approvals?request={outcome.Id}");
        await BrowserSession.WaitForCircuitAsync(platform);
        await platform.Locator("[data-testid=approval-detail]").WaitForAsync();
        await Assertions.Expect(platform.Locator("[data-testid=approval-detail] [data-testid=request-estimate-range]"))
            .ToContainTextAsync("up to $732.38");
        await platform.Context.CloseAsync();
    }

    [Fact]
    public async Task AdminCatalog_ListsTheUnverifiedPriceRows()
    {
        var page = await session.SignInAsync("admin@example.com");
        await page.GotoAsync("/admin/catalog");
        await BrowserSession.WaitForCircuitAsync(page);

        var rows = page.Locator("[data-testid=unverified-prices] tbody tr");
        await rows.First.WaitForAsync();
        (await rows.CountAsync()).ShouldBeGreaterThan(10);
        (await page.Locator("[data-testid=unverified-prices]").InnerTextAsync()).ShouldContain("db.r5.xlarge");
        await RequestJourneyTests.ScreenshotsAsync(page, "unverified-prices");
        await page.Context.CloseAsync();
    }
}
