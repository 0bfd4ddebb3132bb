using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Portal.Web.Tests.Browser;

/// <summary>
/// Journeys of issue 15 not covered by the feature classes: another team's developer denied, the reconnect dialog, the member
/// dialog, the audit log's date pickers and the dark-mode toggle. Every screenshot at 1400 and 390 px.
/// </summary>
public sealed class ShellJourneyTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task AnotherTeamsDeveloper_OpeningAPaymentsEnvironmentItsRequestAndTheirApi_IsToldNotFound_NeverSeesItsData()
    {
        const string Name = "ledger-private";
        var outcome = await session.Portal.SubmitAsync("dev@example.com",
            new SubmitRequest("create", "static-site", "dev", Team: "payments", Name: Name, Justification: "Payments only"));
        outcome.Status.ShouldBe(RequestStatus.Approved, outcome.Reason);
        var environmentId = outcome.EnvironmentId!.Value;

        var page = await session.SignInAsync("dev2@example.com");
        await page.GotoAsync($"/environments/{environmentId}");
        await BrowserSession.WaitForCircuitAsync(page);
        await Expect(page.GetByText("Environment not found")).ToBeVisibleAsync();
        (await page.ContentAsync()).ShouldNotContain(Name);
        await BrowserSession.ScreenshotAsync(page, "denied-environment");

        await page.GotoAsync($"/requests/{outcome.Id}");
        await BrowserSession.WaitForCircuitAsync(page);
        await Expect(page.GetByText("Request not found")).ToBeVisibleAsync();
        (await page.ContentAsync()).ShouldNotContain(Name);
        (await page.ContentAsync()).ShouldNotContain("Payments only");
        await BrowserSession.ScreenshotAsync(page, "denied-request");

        // Their own session against the API: the same 404 problem details as for something that does not exist.
        foreach (var path in new[] { $"/api/v1/environments/{environmentId}", $"/api/v1/environments/{environmentId}/events", $"/api/v1/requests/{outcome.Id}" })
        {
            var response = await page.APIRequest.GetAsync(path);
            response.Status.ShouldBe(404, path);
            response.Headers["content-type"].ShouldContain("application/problem+json");
            (await response.TextAsync()).ShouldNotContain(Name);
        }

        // The owner sees it: the denial is about the team, not a broken page.
        var owner = await session.SignInAsync("dev@example.com");
        await owner.GotoAsync($"/environments/{environmentId}");
        await BrowserSession.WaitForCircuitAsync(owner);
        await Expect(owner.Locator("h1", new() { HasText = Name })).ToBeVisibleAsync();
        await owner.Context.CloseAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task WhenTheCircuitsWebSocketBreaks_TheThemedReconnectDialogShows_AndThePageWorksAgainOnceTheNetworkIsBack()
    {
        // Every WebSocket the page opens is kept where the test can reach it (Blazor's own connection is private); while
        // __portalOffline is set, a new one goes nowhere (the circuit connects without negotiating first: js/start.js).
        var page = await session.SignInAsync("dev2@example.com", async context => await context.AddInitScriptAsync("""
            (() => {
                const Native = window.WebSocket;
                window.__portalDocument = Math.random();
                window.__portalSockets = [];
                window.__portalOffline = false;
                window.WebSocket = class extends Native {
                    constructor(url, ...rest) { super(window.__portalOffline ? 'ws://127.0.0.1:9/offline' : url, ...rest); window.__portalSockets.push(this); }
                };
            })();
            """));
        (await page.EvaluateAsync<int>("() => window.__portalSockets.filter(s => s.readyState === WebSocket.OPEN).length")).ShouldBe(1, "the circuit's WebSocket");
        // What the page's console says (Blazor writes its circuit's errors there) and which document this is: a failure below
        // says whether the page reconnected to its circuit or reloaded, and why.
        var console = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Console += (_, message) => console.Enqueue($"{message.Type}: {message.Text}");
        var document = await page.EvaluateAsync<double>("() => window.__portalDocument");

        // The network goes: new connections can neither negotiate nor open a socket, and the open socket breaks.
        await page.RouteAsync(new Regex("/_blazor/negotiate"), route => route.AbortAsync());
        await page.EvaluateAsync("() => { window.__portalOffline = true; window.__portalSockets.forEach(s => s.close(4000, 'network gone (test)')); }");

        var modal = page.Locator("#components-reconnect-modal");
        await Expect(modal).ToBeVisibleAsync();
        await Expect(modal).ToContainTextAsync("Connection to Portal lost");
        // In the theme (app.css): the spinner in the palette's primary colour, the dialog's font and rounded corners, not the browser's dialog.
        var looks = await page.EvaluateAsync<string>("""
            () => {
                const probe = document.createElement('div');
                probe.style.color = 'var(--mud-palette-primary)';
                document.body.appendChild(probe);
                const primary = getComputedStyle(probe).color;
                probe.remove();
                const dialog = getComputedStyle(document.getElementById('components-reconnect-modal'));
                const spinner = getComputedStyle(document.querySelector('#components-reconnect-modal .portal-reconnect-spinner'));
                return [spinner.borderTopColor === primary, dialog.borderRadius, dialog.borderTopStyle, spinner.borderTopColor, primary].join('|');
            }
            """);
        looks.ShouldStartWith("true|10px|none|", Case.Sensitive, "the reconnect dialog wears the theme: " + looks);
        await BrowserSession.ScreenshotAsync(page, "reconnect-dialog");

        // The network is back: Blazor reconnects to the same circuit (or the user retries) and the dialog goes away.
        await page.UnrouteAsync(new Regex("/_blazor/negotiate"));
        await page.EvaluateAsync("() => { window.__portalOffline = false; }");
        var retry = page.Locator("#components-reconnect-retry");
        if (await retry.IsVisibleAsync())
        {
            await retry.ClickAsync();
        }

        await Expect(modal).ToBeHiddenAsync(new() { Timeout = 90_000 });
        await BrowserSession.WaitForCircuitAsync(page);
        // The same document, reconnected to its circuit: its socket is open again and Blazor's error bar hidden.
        async Task<string> SaidAsync() => $"reloaded: {await page.EvaluateAsync<double?>("() => window.__portalDocument ?? null") != document}; "
            + $"error bar: {await page.Locator("#blazor-error-ui").IsVisibleAsync()}; console: {string.Join(" | ", console)}";
        await page.WaitForFunctionAsync("() => window.__portalSockets.some(s => s.readyState === WebSocket.OPEN)");
        if (await page.Locator("#blazor-error-ui").IsVisibleAsync())
        {
            throw new InvalidOperationException($"Blazor's error bar shows after reconnecting ({await SaidAsync()})");
        }

        await page.ClickAsync("[data-testid=dark-toggle]");
        try
        {
            await Expect(page.Locator("html")).ToHaveClassAsync(new Regex("portal-dark"));
        }
        catch (PlaywrightException e)
        {
            throw new InvalidOperationException($"The page did not work again after reconnecting ({await SaidAsync()})", e);
        }

        await page.ClickAsync("[data-testid=dark-toggle]");
        await Expect(page.Locator("html")).Not.ToHaveClassAsync(new Regex("portal-dark"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Admin_CreatesAMemberInTheDialog_SeesFieldErrorsFirst_ThenEditsTheirRoles()
    {
        var page = await session.SignInAsync("admin@example.com");
        await page.GotoAsync("/admin/members");
        await BrowserSession.WaitForCircuitAsync(page);
        await page.Locator("[data-testid=members-grid]").GetByText("dev2@example.com").WaitForAsync();

        await page.ClickAsync("[data-testid=new-member]");
        var dialog = page.Locator(".mud-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.Locator("[data-testid=member-save]").ClickAsync();
        await Expect(dialog.Locator("[data-testid=error-DisplayName]")).ToContainTextAsync("required");
        await Expect(dialog.Locator("[data-testid=error-Email]")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, "admin-member-dialog-errors");

        await dialog.Locator("input[data-testid=member-email], [data-testid=member-email] input").FillAsync("fran@example.com");
        await dialog.Locator("input[data-testid=member-name], [data-testid=member-name] input").FillAsync("Fran Finance");
        await dialog.Locator("input[data-testid=member-password], [data-testid=member-password] input").FillAsync("portal-demo-2");
        // A new member starts as a developer; make them finance instead.
        await dialog.GetByText("Developer", new() { Exact = true }).ClickAsync();
        await dialog.GetByText("Finance", new() { Exact = true }).ClickAsync();
        await Expect(dialog.GetByLabel("Finance", new() { Exact = true })).ToBeCheckedAsync();
        await Expect(dialog.GetByLabel("Developer", new() { Exact = true })).Not.ToBeCheckedAsync();
        await dialog.Locator("[data-testid=member-save]").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();

        var row = page.Locator("[data-testid=members-grid] tr", new() { HasText = "fran@example.com" });
        await Expect(row).ToContainTextAsync("Finance");
        await Expect(row).ToContainTextAsync("Fran Finance");
        await BrowserSession.ScreenshotAsync(page, "admin-members-created");

        // Editing opens the dialog on their current roles; adding Admin shows in the grid.
        await row.GetByRole(AriaRole.Button, new() { Name = "Edit fran@example.com" }).ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog.GetByLabel("Finance", new() { Exact = true })).ToBeCheckedAsync();
        await Expect(dialog.GetByLabel("Admin", new() { Exact = true })).Not.ToBeCheckedAsync();
        await BrowserSession.ScreenshotAsync(page, "admin-member-dialog-edit");
        await dialog.GetByText("Admin", new() { Exact = true }).ClickAsync();
        await dialog.Locator("[data-testid=member-save]").ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(row).ToContainTextAsync("Admin");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AuditLog_DatePickers_FilterByDayInTheUsersZone()
    {
        var page = await session.SignInAsync("admin@example.com");
        await page.GotoAsync("/admin/audit");
        await BrowserSession.WaitForCircuitAsync(page);
        var grid = page.Locator("[data-testid=audit-grid]");
        await grid.GetByText("user.created").First.WaitForAsync();

        // The demo organisation was seeded today (in the browser's zone, which the page uses).
        var today = await page.EvaluateAsync<string>("() => new Date().toLocaleDateString('sv')");
        var day = DateOnly.ParseExact(today, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        static string Iso(DateOnly d) => d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var from = page.Locator("input[data-testid=filter-from], [data-testid=filter-from] input");
        var to = page.Locator("input[data-testid=filter-to], [data-testid=filter-to] input");

        await SetDateAsync(from, Iso(day.AddDays(1)));
        await page.ClickAsync("[data-testid=filter-apply]");
        await Expect(grid).ToContainTextAsync("No entry matches these filters.");
        await BrowserSession.ScreenshotAsync(page, "admin-audit-from-tomorrow");

        await SetDateAsync(from, Iso(day.AddDays(-1)));
        await SetDateAsync(to, Iso(day.AddDays(-1)));
        await page.ClickAsync("[data-testid=filter-apply]");
        await Expect(grid).ToContainTextAsync("No entry matches these filters.");

        await SetDateAsync(from, Iso(day));
        await SetDateAsync(to, Iso(day));
        await page.ClickAsync("[data-testid=filter-apply]");
        await Expect(grid.GetByText("user.created").First).ToBeVisibleAsync();
        await Expect(grid).Not.ToContainTextAsync("No entry matches these filters.");
        await BrowserSession.ScreenshotAsync(page, "admin-audit-today");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DarkModeToggle_SaysWhatItDoes_IsReadableOnTheAppBar_AndIsRememberedAcrossAReload()
    {
        var page = await session.SignInAsync("finance@example.com");
        var toggle = page.Locator("[data-testid=dark-toggle]");
        var html = page.Locator("html");
        await Expect(html).Not.ToHaveClassAsync(new Regex("portal-dark"));
        await Expect(toggle).ToHaveAttributeAsync("aria-label", "Switch to dark mode");
        (await IconContrastAsync(page)).ShouldBeGreaterThanOrEqualTo(3.0, "the toggle's icon on the light app bar");

        await toggle.ClickAsync();
        await Expect(html).ToHaveClassAsync(new Regex("portal-dark"));
        await Expect(toggle).ToHaveAttributeAsync("aria-label", "Switch to light mode");
        (await IconContrastAsync(page)).ShouldBeGreaterThanOrEqualTo(3.0, "the toggle's icon on the dark app bar");

        await page.ReloadAsync();
        await BrowserSession.WaitForCircuitAsync(page);
        await Expect(html).ToHaveClassAsync(new Regex("portal-dark"));
        await Expect(toggle).ToHaveAttributeAsync("aria-label", "Switch to light mode");
        await BrowserSession.ScreenshotAsync(page, "home-finance-dark");

        await toggle.ClickAsync();
        await Expect(html).Not.ToHaveClassAsync(new Regex("portal-dark"));
        await page.ReloadAsync();
        await BrowserSession.WaitForCircuitAsync(page);
        await Expect(html).Not.ToHaveClassAsync(new Regex("portal-dark"));
        await Expect(toggle).ToHaveAttributeAsync("aria-label", "Switch to dark mode");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AtPhoneWidth_ThePrerenderedPage_StartsWithTheNavigationClosed_WhileAWideScreenShowsIt()
    {
        // Without scripts the page stays as the server prerendered it (the sign-in form is a plain form post).
        var context = await session.Browser.NewContextAsync(new()
        {
            BaseURL = session.Portal.BaseAddress.ToString(), ViewportSize = new() { Width = BrowserSession.PhoneWidth, Height = 844 }, JavaScriptEnabled = false,
        });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        var login = new LoginPage(page);
        await login.OpenAsync();
        await login.SignInAsync("dev@example.com", BrowserSession.DemoPassword);
        await BrowserSession.WaitForUrlAsync(page, url => !url.Contains("/account/login", StringComparison.Ordinal));
        await Expect(page.Locator(".portal-appbar")).ToBeVisibleAsync();
        (await page.Locator("[data-testid=main-nav]").CountAsync()).ShouldBe(1, "the navigation is in the markup");

        await Expect(page.Locator("[data-testid=main-nav]")).ToBeHiddenAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDirectory, "prerendered-home-390.png"), FullPage = true });
        await page.SetViewportSizeAsync(1400, 900);
        await Expect(page.Locator("[data-testid=main-nav]")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserSession.ScreenshotDirectory, "prerendered-home-1400.png"), FullPage = true });
        await context.CloseAsync();
    }

    private static async Task SetDateAsync(ILocator input, string isoDate)
    {
        await input.FillAsync(isoDate);
        await input.PressAsync("Tab");
        await Expect(input).ToHaveValueAsync(isoDate);
    }

    /// <summary>WCAG contrast ratio between the dark-mode toggle's icon and the app bar behind it.</summary>
    private static async Task<double> IconContrastAsync(IPage page) => await page.EvaluateAsync<double>("""
        () => {
            const rgb = c => c.match(/[\d.]+/g).slice(0, 3).map(Number);
            const lum = c => {
                const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                return 0.2126 * r + 0.7152 * g + 0.0722 * b;
            };
            const icon = getComputedStyle(document.querySelector('[data-testid=dark-toggle] svg')).color;
            const bar = getComputedStyle(document.querySelector('.portal-appbar')).backgroundColor;
            const [a, b] = [lum(icon), lum(bar)].sort((x, y) => y - x);
            return (a + 0.05) / (b + 0.05);
        }
        """);
}
