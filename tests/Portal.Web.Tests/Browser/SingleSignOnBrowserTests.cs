using Microsoft.Playwright;
using Portal.Data;
using Portal.Web.Security;
using Portal.Web.Tests.Infrastructure;
using Portal.Web.Tests.Security;

namespace Portal.Web.Tests.Browser;

/// <summary>
/// Chromium behind an emulated ALB: every request (the page, its assets and the Blazor circuit's WebSocket) carries the
/// ALB's signed header, as the load balancer adds it; local accounts are off.
/// </summary>
public sealed class SingleSignOnBrowserTests : IAsyncLifetime
{
    private const string Kid = "browser-key-1";

    private AlbKeyServer _keys = default!;
    private PortalWebFactory _portal = default!;
    private IPlaywright _playwright = default!;
    private IBrowser _browser = default!;
    private System.Security.Cryptography.ECDsa _key = default!;

    public async Task InitializeAsync()
    {
        _keys = await AlbKeyServer.StartAsync();
        _key = _keys.AddKey(Kid);
        _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Auth:Alb:Enabled"] = "true",
            ["Auth:Alb:SignerArn"] = AlbKeyServer.SignerArn,
            ["Auth:Alb:PublicKeyEndpoint"] = _keys.Url,
            ["Auth:LocalAccounts:Enabled"] = "false",
            ["Auth:GroupMappings:platform-engineers"] = "role:PlatformEngineer",
        });
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Environment.GetEnvironmentVariable("PORTAL_TEST_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _portal.DisposeAsync();
        await _keys.DisposeAsync();
    }

    [Fact]
    public async Task WithTheAlbHeader_TheInteractivePortalOpensSignedIn_WithTheMappedRole()
    {
        var expires = DateTimeOffset.UtcNow.AddMinutes(10);
        var token = AlbKeyServer.Sign(_key, AlbKeyServer.Header(Kid, expires), AlbKeyServer.Claims("pat.sso@example.com", "Pat Sso", new[] { "platform-engineers" }, expires));
        var context = await _browser.NewContextAsync(new()
        {
            BaseURL = _portal.BaseAddress.ToString(),
            ViewportSize = new() { Width = 1400, Height = 900 },
            ExtraHTTPHeaders = new Dictionary<string, string> { [AlbAuthOptions.HeaderName] = token },
        });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/approvals");
        await BrowserSession.WaitForCircuitAsync(page);

        (await page.Locator("[data-testid=user-email]").InnerTextAsync()).ShouldBe("pat.sso@example.com");
        (await new Navigation(page).ItemsAsync()).ShouldContain("Approvals");
        page.Url.ShouldEndWith("/approvals");
        (await page.GetByText("Sign out").CountAsync()).ShouldBe(0, "signing out is the identity provider's job under single sign-on");
        await BrowserSession.ScreenshotAsync(page, "sso-alb-signed-in");
        await context.CloseAsync();
    }

    [Fact]
    public async Task WithoutTheHeader_TheSignInPageSendsPeopleToTheirCompanyAccount()
    {
        var context = await _browser.NewContextAsync(new() { BaseURL = _portal.BaseAddress.ToString() });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/approvals");

        page.Url.ShouldContain("/account/login");
        (await page.Locator("[data-testid=sso-only]").InnerTextAsync()).ShouldContain("Sign in with your company account");
        (await page.Locator("input[type=password]").CountAsync()).ShouldBe(0);
        await BrowserSession.ScreenshotAsync(page, "sso-login-local-accounts-off");

        // The page offers a way back through single sign-on, to where the user was going (it said "open the portal through
        // your organisation's sign-in" with nothing to click). Back through the load balancer (its header), that is signed in.
        (await page.Locator("[data-testid=sso-retry]").GetAttributeAsync("href")).ShouldBe("/approvals");
        var expires = DateTimeOffset.UtcNow.AddMinutes(10);
        await context.SetExtraHTTPHeadersAsync(new Dictionary<string, string>
        {
            [AlbAuthOptions.HeaderName] = AlbKeyServer.Sign(_key, AlbKeyServer.Header(Kid, expires), AlbKeyServer.Claims("pat.sso@example.com", "Pat Sso", new[] { "platform-engineers" }, expires)),
        });
        await page.ClickAsync("[data-testid=sso-retry]");
        await BrowserSession.WaitForUrlAsync(page, url => url.EndsWith("/approvals", StringComparison.Ordinal));
        await BrowserSession.WaitForCircuitAsync(page);
        (await page.Locator("[data-testid=user-email]").InnerTextAsync()).ShouldBe("pat.sso@example.com");
        await context.CloseAsync();
    }
}
