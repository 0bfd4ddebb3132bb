using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Sandbox;
using Portal.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Portal.Web.Tests.Browser;

/// <summary>
/// The portal on PostgreSQL with a slower sandbox (a static site takes about ten seconds to create and to delete), so a
/// person can watch a stack being built and torn down.
/// </summary>
public sealed class EnvironmentJourneySession() : BrowserSession(DatabaseProvider.Postgres, new Dictionary<string, string?> { ["Sandbox:Speed"] = "40" });

/// <summary>A developer follows an environment from provisioning to destroyed in Chromium, live, without reloading.</summary>
public sealed class EnvironmentJourneyTests(EnvironmentJourneySession session) : IClassFixture<EnvironmentJourneySession>
{
    private static readonly LocatorAssertionsToHaveTextOptions Slow = new() { Timeout = 90_000 };

    [Fact]
    public async Task Developer_WatchesProvisioningLive_SeesOutputsAndTheBell_ThenDestroysByTypingTheName()
    {
        var page = await session.SignInAsync("dev@example.com");
        // The sandbox holds CreateStack until the page is open: the page sees the environment before its stack starts,
        // however long signing in and opening take on a loaded machine (they once outlasted the whole create).
        var faults = session.Portal.Services.GetRequiredService<ISandboxFaults>();
        var environment = new EnvironmentPageObject(page);
        int eventsAtOpen;
        using (faults.Hold("CreateStack"))
        {
            var id = await session.Portal.CreateDevSiteAsync("dev@example.com", "payments", "journey");
            await environment.OpenAsync(id, "events");
            await page.EvaluateAsync("window.__portalNoReload = true");
            (await environment.Status.TextContentAsync())!.Trim().ShouldBe("Requested");
            eventsAtOpen = await environment.EventCountAsync();
        }

        await Expect(environment.Events).ToContainTextAsync("CREATE_IN_PROGRESS", new() { Timeout = 60_000 });
        await BrowserSession.ScreenshotAsync(page, "environment-provisioning");
        await Expect(environment.Status).ToHaveTextAsync("Ready", Slow);
        (await environment.EventCountAsync()).ShouldBeGreaterThan(eventsAtOpen);
        await Expect(environment.Events).ToContainTextAsync("CREATE_COMPLETE");
        (await page.EvaluateAsync<bool>("window.__portalNoReload === true")).ShouldBeTrue("the page reloaded");

        await environment.ShowTabAsync("Overview");
        var siteUrl = page.Locator("[data-testid=output-SiteUrl] a");
        (await siteUrl.GetAttributeAsync("href")).ShouldStartWith("https://");
        await environment.ShowTabAsync("Resources");
        (await page.Locator("[data-testid=resources]").InnerTextAsync()).ShouldContain("AWS::CloudFront::Distribution");
        await BrowserSession.ScreenshotAsync(page, "environment-ready");

        var bell = new BellObject(page);
        await Expect(bell.Count).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[1-9]"), new() { Timeout = 30_000 });
        await bell.OpenAsync();
        var ready = page.Locator("[data-testid=notification-environment\\.ready]").First;
        await Expect(ready).ToContainTextAsync("Ready: journey (dev)");
        await BrowserSession.ScreenshotAsync(page, "notification-bell");
        await ready.Locator("button.portal-bell-item").ClickAsync();
        await Expect(page.Locator("[data-testid=bell-panel]")).ToHaveCountAsync(0);

        await page.ClickAsync("[data-testid=destroy]");
        var submit = page.Locator("[data-testid=destroy-submit]");
        await Expect(submit).ToBeDisabledAsync();
        await Expect(page.Locator("[data-testid=destroy-scope]")).ToContainTextAsync("all of its resources");
        await page.FillAsync("[data-testid=destroy-confirm-name] input, input[data-testid=destroy-confirm-name]", "journe");
        await Expect(submit).ToBeDisabledAsync();
        await page.FillAsync("[data-testid=destroy-confirm-name] input, input[data-testid=destroy-confirm-name]", "journey");
        await Expect(submit).ToBeEnabledAsync();
        await BrowserSession.ScreenshotAsync(page, "environment-destroy-dialog");
        await submit.ClickAsync();

        await Expect(page.Locator("[data-testid=action-outcome]")).ToContainTextAsync("Destroy approved");
        await Expect(environment.Status).ToHaveTextAsync("Destroying", Slow);
        await BrowserSession.ScreenshotAsync(page, "environment-destroying");
        await Expect(environment.Status).ToHaveTextAsync("Destroyed", Slow);
        // "Destroy approved … The stack is being deleted." was news while it was deleted; beside "Destroyed" it would be stale.
        await Expect(page.Locator("[data-testid=action-outcome]")).ToHaveCountAsync(0);
        await environment.ShowTabAsync("Events");
        await Expect(environment.Events).ToContainTextAsync("DELETE_COMPLETE");
        (await page.EvaluateAsync<bool>("window.__portalNoReload === true")).ShouldBeTrue("the page reloaded");
        await BrowserSession.ScreenshotAsync(page, "environment-destroyed");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task FailedCreate_ShowsTheFailingResource_AndRetryBringsItToReadyLive()
    {
        var faults = session.Portal.Services.GetRequiredService<ISandboxFaults>();
        faults.FailLogicalId("OriginAccessControl", "Resource handler returned message: \"OAC limit reached\"");
        Guid id;
        try
        {
            id = await session.Portal.CreateDevSiteAsync("dev@example.com", "payments", "fragile");
            await session.Portal.WaitForAsync(id, EnvironmentStatus.Failed);
        }
        finally
        {
            faults.Clear();
        }

        var page = await session.SignInAsync("dev@example.com");
        var environment = new EnvironmentPageObject(page);
        await environment.OpenAsync(id);

        await Expect(environment.Status).ToHaveTextAsync("Failed");
        await Expect(page.Locator("[data-testid=failure]")).ToContainTextAsync("OriginAccessControl (AWS::CloudFront::OriginAccessControl): Resource handler returned message: \"OAC limit reached\"");
        await Expect(page.Locator("[data-testid=failure]")).ToContainTextAsync("CREATE_FAILED");
        await BrowserSession.ScreenshotAsync(page, "environment-failed");

        await page.ClickAsync("[data-testid=retry]");
        await Expect(environment.Status).ToHaveTextAsync("Provisioning", Slow);
        await Expect(environment.Status).ToHaveTextAsync("Ready", Slow);
        await Expect(page.Locator("[data-testid=failure]")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task EnvironmentsList_FiltersByTeamAndStatus_AndLinksToTheDetail()
    {
        var id = await session.Portal.CreateDevSiteAsync("dev@example.com", "payments", "listed");
        await session.Portal.WaitForAsync(id, EnvironmentStatus.Ready);
        var page = await session.SignInAsync("platform@example.com");

        await page.GotoAsync("/environments");
        await BrowserSession.WaitForCircuitAsync(page);
        var grid = page.Locator("[data-testid=environments-grid]");
        await Expect(grid).ToContainTextAsync("listed");

        await page.ClickAsync("[data-testid=chip-team-search]");
        await Expect(grid).Not.ToContainTextAsync("listed");
        await page.ClickAsync("[data-testid=chip-team-payments]");
        await Expect(page.Locator("[data-testid=env-status-listed]")).ToHaveTextAsync("Ready");
        await BrowserSession.ScreenshotAsync(page, "environments-list");

        await page.ClickAsync("[data-testid=env-link-listed]");
        await BrowserSession.WaitForUrlAsync(page, url => url.EndsWith($"/environments/{id}", StringComparison.Ordinal));
        await Expect(new EnvironmentPageObject(page).Status).ToHaveTextAsync("Ready");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Developer_ExtendsTheExpiry_AndPreviewsAnUpdate()
    {
        var id = await session.Portal.CreateDevSiteAsync("dev@example.com", "payments", "tweaked");
        await session.Portal.WaitForAsync(id, EnvironmentStatus.Ready);
        var page = await session.SignInAsync("dev@example.com");
        var environment = new EnvironmentPageObject(page);
        await environment.OpenAsync(id);

        await page.FillAsync("[data-testid=extend-hours] input, input[data-testid=extend-hours]", "100");
        await page.ClickAsync("[data-testid=extend]");
        await Expect(page.Locator("[data-testid=action-outcome]")).ToContainTextAsync("Extension approved");
        await Expect(page.Locator("[data-testid=off-hours]")).ToHaveCountAsync(1);

        await page.ClickAsync("[data-testid=update]");
        await page.FillAsync("[data-testid=update-Alias] input, input[data-testid=update-Alias]", "tweaked.example.com");
        await page.ClickAsync("[data-testid=update-preview-button]");
        await Expect(page.Locator("[data-testid=update-preview], [data-testid=update-error]").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await BrowserSession.ScreenshotAsync(page, "environment-update-preview");
        await page.Context.CloseAsync();
    }
}

/// <summary>Page object for <c>/environments/{id}</c>.</summary>
public sealed class EnvironmentPageObject(IPage page)
{
    public ILocator Status => page.Locator("[data-testid=env-status]");

    public ILocator Events => page.Locator("[data-testid=stack-events]");

    /// <summary>Opens the page, on a tab when given (<c>overview</c>, <c>resources</c>, <c>events</c>, <c>cost</c>, <c>parameters</c>, <c>history</c>).</summary>
    public async Task OpenAsync(Guid id, string? tab = null)
    {
        await page.GotoAsync($"/environments/{id}" + (tab is null ? "" : $"?tab={tab}"));
        await BrowserSession.WaitForCircuitAsync(page);
        await Status.WaitForAsync();
    }

    /// <summary>Switches to a tab by its title ("Events", "Resources", ...).</summary>
    public async Task ShowTabAsync(string title)
    {
        await page.Locator(".mud-tab", new() { HasText = title }).ClickAsync();
        await page.Locator(".mud-tab.mud-tab-active", new() { HasText = title }).WaitForAsync();
    }

    public async Task<int> EventCountAsync() => int.Parse(await page.Locator("[data-testid=event-count]").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Page object for the header's notification bell.</summary>
public sealed class BellObject(IPage page)
{
    public ILocator Count => page.Locator("[data-testid=bell-count]");

    public async Task OpenAsync()
    {
        await page.ClickAsync("[data-testid=bell-button]");
        await page.Locator("[data-testid=bell-panel]").WaitForAsync();
    }
}
