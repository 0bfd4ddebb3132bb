using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Sandbox.CloudFormation;
using Portal.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Portal.Web.Tests.Browser;

/// <summary>The portal on PostgreSQL with payments' dev static site, whose bucket was changed by hand in the sandbox.</summary>
public sealed class DriftPagesSession() : BrowserSession(DatabaseProvider.Postgres, new Dictionary<string, string?>
{
    ["StackWatcher:OutOfBandInterval"] = "00:00:01",
    ["Drift:ScheduleEnabled"] = "false",
})
{
    public Guid Site { get; private set; }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Site = await Portal.CreateDevSiteAsync("dev@example.com", "payments", "drift-site");
        var ready = await Portal.WaitForAsync(Site, EnvironmentStatus.Ready, 180);
        Portal.Services.GetRequiredService<ISandboxDrift>().ChangeResourceByHand(
            ready.AccountId, ready.Region, ready.StackName, "SiteBucket", new System.Text.Json.Nodes.JsonObject { ["VersioningConfiguration"] = new System.Text.Json.Nodes.JsonObject { ["Status"] = "Suspended" } });
    }
}

/// <summary>The Drift tab (detect now, per-resource expected vs actual) and the fleet page, in Chromium at 1400 and 390 px.</summary>
public sealed class DriftPagesTests(DriftPagesSession session) : IClassFixture<DriftPagesSession>
{
    private static readonly LocatorAssertionsToContainTextOptions Slow = new() { Timeout = 120_000 };

    [Fact]
    public async Task DriftTab_DetectNow_ShowsTheBucketModified_WithExpectedAndActualValues_AndTheFleetPageListsIt()
    {
        var page = await session.SignInAsync("dev@example.com");
        await page.SetViewportSizeAsync(1400, 900);
        var environment = new EnvironmentPageObject(page);
        await environment.OpenAsync(session.Site, "drift");
        var drift = new DriftTabObject(page);
        await Expect(drift.Status).ToContainTextAsync("not checked");

        await drift.DetectAsync();
        await Expect(drift.Status).ToContainTextAsync("Drifted: 1 resource", Slow);
        var bucket = drift.Resource("SiteBucket");
        await Expect(bucket).ToContainTextAsync("MODIFIED");
        await Expect(bucket.Locator("[data-testid=drift-expected]")).ToHaveTextAsync("Enabled");
        await Expect(bucket.Locator("[data-testid=drift-actual]")).ToHaveTextAsync("Suspended");
        await Expect(bucket).ToContainTextAsync("/VersioningConfiguration/Status");
        await BrowserSession.ScreenshotAsync(page, "drift-tab");
        await page.SetViewportSizeAsync(390, 844);
        await BrowserSession.ScreenshotAsync(page, "drift-tab-390");
        await page.Context.CloseAsync();

        var platform = await session.SignInAsync("platform@example.com");
        await platform.SetViewportSizeAsync(1400, 900);
        await platform.GotoAsync("/drift");
        await BrowserSession.WaitForCircuitAsync(platform);
        await Expect(platform.Locator("[data-testid=drift-drifted-count]")).ToHaveTextAsync("1");
        await Expect(platform.Locator("[data-testid=drift-row]")).ToContainTextAsync("drift-site");
        await Expect(platform.Locator("[data-testid=drift-by-team]")).ToContainTextAsync("payments");
        await Expect(platform.Locator("nav a[href='/drift']")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(platform, "drift-fleet");
        await platform.SetViewportSizeAsync(390, 844);
        await BrowserSession.ScreenshotAsync(platform, "drift-fleet-390");
        await platform.Context.CloseAsync();
    }

    [Fact]
    public async Task FleetPage_IsNotForDevelopers_AndNotInTheirNavigation()
    {
        var page = await session.SignInAsync("dev@example.com");
        (await page.Locator("a[href='/drift']").CountAsync()).ShouldBe(0);
        var response = await page.GotoAsync("/drift");
        (await page.ContentAsync()).ShouldNotContain("data-testid=\"drift-summary\"");
        response.ShouldNotBeNull();
        await page.Context.CloseAsync();
    }
}

/// <summary>Page object for an environment's Drift tab.</summary>
public sealed class DriftTabObject(IPage page)
{
    public ILocator Status => page.Locator("[data-testid=drift-status]");

    public ILocator Resource(string logicalId) => page.Locator($"[data-testid=drift-resource][data-logical-id={logicalId}]");

    public async Task DetectAsync() => await page.ClickAsync("[data-testid=drift-detect]");
}
