using Microsoft.Playwright;

namespace Portal.Web.Tests.Browser;

/// <summary>Ranges and provenance in Chromium: the request form, the template page and Admin → Catalog.</summary>
public sealed class EstimatePagesTests(BrowserSession session) : IClassFixture<BrowserSession>
{
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
