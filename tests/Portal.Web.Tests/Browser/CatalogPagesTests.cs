using Microsoft.Playwright;

namespace Portal.Web.Tests.Browser;

/// <summary>The catalog and the request form in Chromium: cards, live estimate, locked presets, field errors.</summary>
public sealed class CatalogPagesTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task Catalog_ShowsACardPerTemplateWithAFromPrice()
    {
        var page = await session.SignInAsync("dev@example.com");
        await page.GotoAsync("/catalog");
        await BrowserSession.WaitForCircuitAsync(page);

        (await page.Locator("[data-testid^=card-]").CountAsync()).ShouldBe(5);
        (await page.Locator("[data-testid=card-ecs-web-service] [data-testid=from-price]").InnerTextAsync()).ShouldBe("from $173.45/month");
        await BrowserSession.ScreenshotAsync(page, "catalog");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task RequestForm_UpdatesTheEstimateLive_LocksPresets_AndShowsFieldErrors()
    {
        var page = await session.SignInAsync("dev@example.com");
        await page.GotoAsync("/catalog/ecs-web-service");
        await BrowserSession.WaitForCircuitAsync(page);
        var estimate = page.Locator("[data-testid=live-estimate]");

        (await estimate.InnerTextAsync()).ShouldBe("$173.45/month");
        (await page.Locator("[data-testid=locked-DbInstanceClass]").InnerTextAsync()).ShouldBe("db.t3.micro");

        await page.Locator("[data-testid=tier]").GetByText("staging").ClickAsync();
        await page.Locator("[data-testid=locked-DbInstanceClass]").GetByText("db.t3.small").WaitForAsync();
        (await estimate.InnerTextAsync()).ShouldNotBe("$173.45/month");
        await BrowserSession.ScreenshotAsync(page, "request-form-staging");

        await page.FillAsync("[data-testid=input-CertificateArn]", "not-an-arn");
        await page.Locator("[data-testid=error-CertificateArn]").WaitForAsync();
        (await page.Locator("[data-testid=live-estimate-invalid]").IsVisibleAsync()).ShouldBeTrue();
        await BrowserSession.ScreenshotAsync(page, "request-form-field-error");

        await page.FillAsync("[data-testid=input-CertificateArn]", "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789abc");
        await estimate.WaitForAsync();
        (await page.Locator("[data-testid=error-CertificateArn]").CountAsync()).ShouldBe(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TemplatePage_ShowsPerTierEstimatesAndTheCreationOrder()
    {
        var page = await session.SignInAsync("platform@example.com");
        await page.GotoAsync("/catalog/rds-postgres");
        await BrowserSession.WaitForCircuitAsync(page);

        await page.GetByRole(AriaRole.Tab, new() { Name = "Estimates by tier" }).ClickAsync();
        await page.Locator("[data-testid=tier-estimate-prod]").GetByText("$2,699").WaitForAsync();
        await BrowserSession.ScreenshotAsync(page, "template-estimates");

        await page.GetByRole(AriaRole.Tab, new() { Name = "Resources" }).ClickAsync();
        (await page.Locator("[data-testid=dependency-levels] li").CountAsync()).ShouldBeGreaterThan(1);
        await BrowserSession.ScreenshotAsync(page, "template-resources");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AdminCatalogPage_ListsOfferedTemplates_AndReloads()
    {
        var page = await session.SignInAsync("admin@example.com");
        await page.GotoAsync("/admin/catalog");
        await BrowserSession.WaitForCircuitAsync(page);

        await page.Locator("[data-testid=no-rejected]").WaitForAsync();
        await page.ClickAsync("[data-testid=catalog-reload]");
        await page.GetByText("Catalog reloaded: 5 offered, 0 not offered.").WaitForAsync();
        await BrowserSession.ScreenshotAsync(page, "admin-catalog");
        await page.Context.CloseAsync();
    }
}
