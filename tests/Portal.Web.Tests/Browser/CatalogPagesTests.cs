using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Components.Shared;
using Portal.Web.Features.Catalog;
using Portal.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

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
        (await page.Locator("[data-testid=card-rds-postgres] [data-testid=tier-price-prod]").InnerTextAsync()).ShouldContain("$");
        await RequestJourneyTests.ScreenshotsAsync(page, "catalog");
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
        await RequestJourneyTests.ScreenshotsAsync(page, "request-form-staging");

        await page.FillAsync("[data-testid=input-CertificateArn]", "not-an-arn");
        await page.Locator("[data-testid=input-CertificateArn]").PressAsync("Tab");
        await page.Locator("[data-testid=error-CertificateArn]").WaitForAsync();
        await page.Locator("[data-testid=live-estimate-stale]").WaitForAsync();
        await BrowserSession.ScreenshotAsync(page, "request-form-field-error");

        await page.FillAsync("[data-testid=input-CertificateArn]", "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789abc");
        await page.Locator("[data-testid=error-CertificateArn]").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        (await page.Locator("[data-testid=live-estimate-stale]").CountAsync()).ShouldBe(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task RequestForm_SaysNothingBeforeATouch_ThenNamesTheFieldByItsLabel_AndKeepsTheLastValidEstimate()
    {
        var page = await session.SignInAsync("dev@example.com");
        await page.GotoAsync("/catalog/rds-postgres");
        await BrowserSession.WaitForCircuitAsync(page);
        await page.Locator("[data-testid=tier]").GetByText("prod").ClickAsync();
        await page.Locator("[data-testid=locked-DbInstanceClass]").GetByText("db.r5.2xlarge").WaitForAsync();

        // Nothing touched yet: no "VPC is required" shouting, and an estimate to look at.
        (await page.Locator("[data-testid^=error-]").CountAsync()).ShouldBe(0);
        var estimate = page.Locator("[data-testid=live-estimate]");
        (await estimate.InnerTextAsync()).ShouldContain("/month");
        var valid = await estimate.InnerTextAsync();

        // A bad value is named by its label, beside its field; the estimate stays, marked as the last valid one.
        await page.FillAsync("[data-testid=input-DatabaseName]", "1-not-a-name");
        await page.Locator("[data-testid=input-DatabaseName]").PressAsync("Tab");
        var error = page.Locator("[data-testid=error-DatabaseName]");
        await error.WaitForAsync();
        (await error.InnerTextAsync()).ShouldNotContain("DatabaseName");
        (await page.Locator("[data-testid=error-VpcId]").CountAsync()).ShouldBe(0);
        (await estimate.InnerTextAsync()).ShouldBe(valid);
        await page.Locator("[data-testid=live-estimate-stale]").WaitForAsync();
        await RequestJourneyTests.ScreenshotsAsync(page, "request-form-field-error-label");

        // Submitting shows every problem at its field, the VPC's too.
        await page.FillAsync("[data-testid=request-name]", "orders-db");
        await page.ClickAsync("[data-testid=submit-request]");
        await page.Locator("[data-testid=error-VpcId]").WaitForAsync();
        (await page.Locator("[data-testid=error-VpcId]").InnerTextAsync()).ShouldStartWith("VPC");
        page.Url.ShouldEndWith("/catalog/rds-postgres");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task RequestForm_SaysAnOutOfRangeTtlAtTheField_InsteadOfClampingIt()
    {
        var page = await session.SignInAsync("dev@example.com");
        var form = new CatalogRequestForm(page);
        await form.OpenAsync("static-site");
        var ttl = page.Locator("[data-testid=request-ttl]");

        await ttl.FillAsync("9999");
        await ttl.PressAsync("Tab");
        // The message under the field, announced (role=alert), once, and the field itself in its error state (it stayed black
        // beside its message).
        var error = page.Locator("[data-testid=error-ttlHours]");
        await Expect(error).ToContainTextAsync("336");
        var inError = new System.Text.RegularExpressions.Regex(@"\bmud-input-error\b");
        await Expect(page.Locator("[data-testid=request-ttl-field] .mud-input")).ToHaveClassAsync(inError);
        await Expect(page.Locator("[data-testid=request-ttl-field] label")).ToHaveClassAsync(inError);
        await Expect(error).ToHaveAttributeAsync("role", "alert");
        await Expect(page.Locator("[data-testid=request-ttl-field] .mud-input-control-helper-container")).ToBeHiddenAsync(); // said once
        (await ttl.InputValueAsync()).ShouldBe("9999");
        await RequestJourneyTests.ScreenshotsAsync(page, "request-form-ttl-error");

        await ttl.FillAsync("0");
        await ttl.PressAsync("Tab");
        await error.GetByText("at least 1").WaitForAsync();
        (await ttl.InputValueAsync()).ShouldBe("0");

        await ttl.FillAsync("48");
        await ttl.PressAsync("Tab");
        await error.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task RequestForm_OffersTheTeamsReadyNetworks_AndFillsTheVpcAndSubnetsFromOne()
    {
        var outcome = await session.Portal.SubmitAsync("dev@example.com", new SubmitRequest("create", "network-vpc", "dev", Team: "payments", Name: "core-net"));
        outcome.Status.ShouldBe(RequestStatus.Approved, outcome.Reason);
        var network = await session.Portal.WaitForAsync(outcome.EnvironmentId!.Value, EnvironmentStatus.Ready);
        var outputs = JsonSerializer.Deserialize<Dictionary<string, string>>(network.OutputsJson)!;

        var page = await session.SignInAsync("dev@example.com");
        await page.GotoAsync("/catalog/rds-postgres");
        await BrowserSession.WaitForCircuitAsync(page);
        await page.ClickAsync("[data-testid=network-picker] .mud-select");
        await page.Locator(".mud-popover-open").GetByText("payments/core-net").ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=input-VpcId]")).ToHaveValueAsync(outputs["VpcId"], new() { Timeout = 30_000 });
        (await page.Locator("[data-testid=input-DbSubnetIds]").InputValueAsync()).ShouldBe(outputs["DatabaseSubnetIds"]);
        (await page.Locator("[data-testid^=error-]").CountAsync()).ShouldBe(0);
        await RequestJourneyTests.ScreenshotsAsync(page, "request-form-network-picker");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TemplatePage_ShowsPerTierEstimatesAndTheCreationOrder()
    {
        var page = await session.SignInAsync("platform@example.com");
        await page.GotoAsync("/catalog/rds-postgres");
        await BrowserSession.WaitForCircuitAsync(page);

        await Tab(page, "Estimates by tier").ClickAsync();
        var catalog = session.Portal.Services.GetRequiredService<CatalogQueries>();
        var prod = catalog.TierEstimates(catalog.Find("rds-postgres")!)["prod"].Estimate!.MonthlyUsd;
        prod.ShouldBeInRange(2_690m, 2_710m);
        await page.Locator("[data-testid=tier-estimate-prod] [data-testid=estimate-total]").GetByText(Format.Money(prod)).WaitForAsync();
        await RequestJourneyTests.ScreenshotsAsync(page, "template-estimates");

        await Tab(page, "Resources").ClickAsync();
        // The tab's panel renders after the click's round trip: at least two levels, once it is there.
        await page.Locator("[data-testid=dependency-levels] li").Nth(1).WaitForAsync();
        await BrowserSession.ScreenshotAsync(page, "template-resources");

        // On a phone a step's resource ids wrap: the first step's four made the page 550 px wide at 390.
        await BrowserSession.ResizeAsync(page, 390, 844);
        (await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(391, "the page scrolls sideways");
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

    private static ILocator Tab(IPage page, string name) => page.Locator("[data-testid=template-tabs] .mud-tab", new() { HasText = name });
}
