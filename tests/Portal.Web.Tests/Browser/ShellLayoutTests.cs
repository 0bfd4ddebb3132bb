using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Playwright;
using Portal.Data;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Components.Layout;
using Portal.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Portal.Web.Tests.Browser;

/// <summary>The shell's defects and journeys: one highlighted item, a header that fits a phone, the not-found page, the live approvals count, home per role.</summary>
public sealed class ShellLayoutTests(ShellLayoutSession session) : IClassFixture<ShellLayoutSession>
{
    [Fact]
    public async Task OnBudgets_OnlyTheBudgetsItemIsHighlighted()
    {
        var page = await session.SignInAsync("finance@example.com");
        await page.GotoAsync("/costs/budgets");
        await BrowserSession.WaitForCircuitAsync(page);

        (await new Navigation(page).ActiveItemsAsync()).ShouldBe(["Budgets"]);

        await page.GotoAsync("/costs");
        await BrowserSession.WaitForCircuitAsync(page);
        (await new Navigation(page).ActiveItemsAsync()).ShouldBe(["Dashboards"]);
        await page.Context.CloseAsync();
    }

    [Theory]
    [InlineData("admin@example.com")]
    [InlineData("platform@example.com")]
    public async Task AtPhoneWidth_TheHeaderFits_AndSignOutIsOnScreen(string email)
    {
        var page = await session.SignInAsync(email);
        await page.SetViewportSizeAsync(390, 844);
        await page.ReloadAsync();
        await BrowserSession.WaitForCircuitAsync(page);

        (await page.EvaluateAsync<int>("document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(390, "the page scrolls sideways");
        var appBarRight = await page.EvaluateAsync<double>("Math.max(...[...document.querySelectorAll('.portal-appbar *')].map(e => e.getBoundingClientRect().right))");
        appBarRight.ShouldBeLessThanOrEqualTo(390);
        await page.ClickAsync("[data-testid=user-menu-button]");
        var signOut = page.GetByRole(AriaRole.Button, new() { Name = "Sign out" });
        await Expect(signOut).ToBeVisibleAsync();
        var box = (await signOut.BoundingBoxAsync())!;
        (box.X + box.Width).ShouldBeLessThanOrEqualTo(390);
        box.X.ShouldBeGreaterThanOrEqualTo(0);
        await BrowserSession.ScreenshotAsync(page, $"shell-390-{email.Split('@')[0]}-user-menu", bothWidths: false);

        await signOut.ClickAsync();
        await BrowserSession.WaitForUrlAsync(page, url => url.Contains("/account/login", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task AMalformedIdInAPageAddress_ShowsTheNotFoundPage_WhileTheApiKeepsProblemDetails()
    {
        var page = await session.SignInAsync("dev@example.com");

        var response = await page.GotoAsync("/environments/not-a-guid");

        response!.Status.ShouldBe(404);
        await Expect(page.Locator("[data-testid=not-found]")).ToBeVisibleAsync();
        (await page.ContentAsync()).ShouldNotContain("\"status\":404");
        await BrowserSession.WaitForCircuitAsync(page);
        await Expect(page.Locator("[data-testid=not-found]")).ToBeVisibleAsync();
        (await page.Locator("[data-testid=main-nav]").CountAsync()).ShouldBe(1, "the not-found page sits in the shell");
        await BrowserSession.ScreenshotAsync(page, "not-found");

        foreach (var path in new[] { "/requests/not-a-guid", "/environments/12345" })
        {
            (await page.GotoAsync(path))!.Status.ShouldBe(404);
            await Expect(page.Locator("[data-testid=not-found]")).ToBeVisibleAsync();
        }

        // The API keeps problem details for what it does not know, even when a browser asks for HTML (signed in: the page's cookies).
        var api = await page.APIRequest.GetAsync("/api/v1/no-such-thing", new() { Headers = new Dictionary<string, string> { ["Accept"] = "text/html,application/json" } });
        api.Status.ShouldBe(404);
        api.Headers["content-type"].ShouldContain("application/problem+json");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ARequestWaitingForApproval_RaisesTheApprovalsCount_Live()
    {
        var page = await session.SignInAsync("platform@example.com");
        var count = page.Locator("[data-testid=approvals-waiting]");
        // What waits already, from the database: the page's count settles on it (read at once, it could be the circuit's first render).
        var before = await WaitingAsync("platform@example.com");
        await (before == 0 ? Expect(count).ToHaveCountAsync(0) : Expect(count).ToHaveTextAsync(before.ToString(CultureInfo.InvariantCulture)));

        var outcome = await session.Portal.SubmitAsync("dev@example.com",
            new SubmitRequest("create", "static-site", "staging", Team: "payments", Name: "waiting-badge", Justification: "Release rehearsal"));
        outcome.Status.ShouldBe(Portal.Data.Entities.Lifecycle.RequestStatus.PendingApproval, outcome.Reason);

        await Expect(count).ToHaveTextAsync((before + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 30_000 });
        await Expect(page.Locator("[data-testid=home-waiting]")).ToContainTextAsync("waiting-badge", new() { Timeout = 30_000 });
        await BrowserSession.ScreenshotAsync(page, "shell-approvals-waiting");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task TheApprovalsCount_StaysShown_WhileTheCircuitReadsItAgain()
    {
        var outcome = await session.Portal.SubmitAsync("dev@example.com",
            new SubmitRequest("create", "static-site", "staging", Team: "payments", Name: "held-badge", Justification: "Release rehearsal"));
        outcome.Status.ShouldBe(Portal.Data.Entities.Lifecycle.RequestStatus.PendingApproval, outcome.Reason);
        var page = await session.SignInAsync("platform@example.com");
        var waiting = (await WaitingAsync("platform@example.com")).ToString(CultureInfo.InvariantCulture);
        var count = page.Locator("[data-testid=approvals-waiting]");
        await Expect(count).ToHaveTextAsync(waiting);

        // The prerender's read goes through; the circuit's is held, so the page shows its first interactive render meanwhile: the
        // count the document showed, never no count ("none waiting": CI read that as the count, the real one came a moment later).
        using (var hold = ShellLayoutSession.WaitingReads.HoldAfter(1))
        {
            var document = await page.GotoAsync("/tokens");
            (await document!.TextAsync()).ShouldContain($"{waiting} waiting for your decision");
            await BrowserSession.WaitForCircuitAsync(page);
            await hold.Reached.WaitAsync(TimeSpan.FromSeconds(60));
            (await count.CountAsync()).ShouldBe(1, "the count is shown while the circuit reads it again");
            (await count.InnerTextAsync()).ShouldBe(waiting);
        }

        await Expect(count).ToHaveTextAsync(waiting);
        await page.Context.CloseAsync();
    }

    // How many requests wait for the engineer's decision (the count's own query, not held).
    private async Task<int> WaitingAsync(string email) =>
        await session.Portal.Services.GetRequiredService<ApprovalsWaiting>().CountAsync((await session.Portal.ActorAsync(email)).UserId, CancellationToken.None);

    [Fact]
    public async Task DarkMode_IsRememberedAcrossPages()
    {
        // The page's script module answers slowly (a loaded machine): a click that comes before it has loaded must still work.
        var page = await session.SignInAsync("dev2@example.com", context => context.RouteAsync("**/js/portal.js", async route =>
        {
            await Task.Delay(3_000);
            await route.ContinueAsync();
        }));

        await page.ClickAsync("[data-testid=dark-toggle]");
        await Expect(page.Locator("html")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("portal-dark"));
        await page.GotoAsync("/tokens");
        await BrowserSession.WaitForCircuitAsync(page);

        await Expect(page.Locator("html")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("portal-dark"));
        var background = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        background.ShouldBe("rgb(15, 19, 26)", "the dark palette's background");
        await BrowserSession.ScreenshotAsync(page, "tokens-dark");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task DarkMode_AToggleWhileTheSystemPreferenceIsAsked_IsNotUndone()
    {
        // The layout's first render asks the browser whether it prefers dark (no choice remembered yet). portal.js is served
        // with that answer held until the test releases it, and the user toggles in between: the user's choice must stand.
        var page = await session.SignInAsync("dev@example.com", async context =>
        {
            await context.AddInitScriptAsync("window.__prefersDarkGate = new Promise(release => window.__releasePrefersDark = release);");
            await context.RouteAsync("**/js/portal.js", async route =>
            {
                var response = await route.FetchAsync();
                var body = (await response.TextAsync()).Replace(
                    "export function prefersDark() {",
                    "export async function prefersDark() {\n    window.__prefersDarkAsked = true;\n    await window.__prefersDarkGate;",
                    StringComparison.Ordinal);
                // The body is sent as read (decoded), so without the compressed file's encoding and length.
                var headers = response.Headers.Where(h => h.Key is not ("content-encoding" or "content-length")).ToDictionary();
                await route.FulfillAsync(new() { Status = response.Status, Headers = headers, Body = body });
            });
        });

        await page.WaitForFunctionAsync("() => window.__prefersDarkAsked === true");
        var toggle = page.Locator("[data-testid=dark-toggle]");
        await toggle.ClickAsync();
        await Expect(page.Locator("html")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("portal-dark"));
        await Expect(toggle).ToHaveAttributeAsync("aria-label", "Switch to light mode");

        // The system prefers light (Chromium's default). The answer and then a click on the drawer's toggle go over the same
        // connection in that order, so once the drawer has closed the layout has handled the answer.
        await page.EvaluateAsync("() => window.__releasePrefersDark()");
        await page.ClickAsync("[data-testid=nav-toggle]");
        await Expect(page.Locator(".portal-drawer")).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-drawer--open"));

        (await toggle.GetAttributeAsync("aria-label")).ShouldBe("Switch to light mode", "the user chose dark; the system's preference came later");
        (await page.EvaluateAsync<bool>("() => document.documentElement.classList.contains('portal-dark')")).ShouldBeTrue("the page must stay dark");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task EveryDemoUser_SigningInTwiceAtOnce_GetsTheirLivePage()
    {
        // Test classes run in parallel and sign the same demo users in at the same moment: none of those sign-ins may be
        // refused, queued for long or lost (a sign-in once stayed on the form for 60 s; BrowserSession says why if it happens).
        var users = Portal.Web.Hosting.DemoOrganisation.Users.Select(u => u.Email).ToList();
        var pages = await Task.WhenAll(users.Concat(users).Select(email => session.SignInAsync(email)));

        foreach (var page in pages)
        {
            page.Url.ShouldNotContain("/account/login");
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task SignIn_SubmittedBeforeThePagesScriptsHaveLoaded_StillSignsIn()
    {
        // A quick user (or a test) submits as soon as the form is there, before blazor.web.js has loaded: the form is a plain
        // POST (Enhance="false"), so nothing of the script's may be needed for it. Chromium holds such a submit until the page
        // has finished parsing (with the script held for good, the sign-in never leaves the form), then sends it.
        var context = await session.Browser.NewContextAsync(new() { BaseURL = session.Portal.BaseAddress.ToString() });
        context.SetDefaultTimeout(60_000);
        var scriptHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await context.RouteAsync("**/_framework/blazor.web*.js", async route =>
        {
            await scriptHeld.Task;
            await route.ContinueAsync();
        });
        var page = await context.NewPageAsync();

        await page.GotoAsync("/account/login", new() { WaitUntil = WaitUntilState.Commit });
        await new LoginPage(page).SignInAsync("platform2@example.com", BrowserSession.DemoPassword);
        scriptHeld.SetResult();
        await BrowserSession.WaitForUrlAsync(page, url => !url.Contains("/account/login", StringComparison.Ordinal));

        await BrowserSession.WaitForCircuitAsync(page);
        await Expect(page.Locator("[data-testid=user-email]")).ToHaveTextAsync("platform2@example.com");
        await context.CloseAsync();
    }

    public static TheoryData<string, string> HomeCards => new()
    {
        { "dev@example.com", "home-developer" },
        { "platform@example.com", "home-waiting" },
        { "finance@example.com", "home-finance" },
        { "admin@example.com", "home-health" },
    };

    [Theory]
    [MemberData(nameof(HomeCards))]
    public async Task Home_ShowsEachRoleWhatIsTheirs_At1400And390(string email, string card)
    {
        var page = await session.SignInAsync(email);
        var name = email.Split('@')[0];

        await Expect(page.Locator($"[data-testid={card}]")).ToBeVisibleAsync();
        await BrowserSession.ScreenshotAsync(page, $"home-{name}-1400", bothWidths: false);
        await page.SetViewportSizeAsync(390, 844);
        await page.ReloadAsync();
        await BrowserSession.WaitForCircuitAsync(page);
        await Expect(page.Locator($"[data-testid={card}]")).ToBeVisibleAsync();
        (await page.EvaluateAsync<int>("document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(390, "the page scrolls sideways");
        await BrowserSession.ScreenshotAsync(page, $"home-{name}-390", bothWidths: false);

        if (email.StartsWith("admin", StringComparison.Ordinal))
        {
            foreach (var path in new[] { "/admin/teams", "/admin/members", "/admin/audit", "/tokens" })
            {
                await page.GotoAsync(path);
                await BrowserSession.WaitForCircuitAsync(page);
                if (path == "/admin/audit")
                {
                    await page.Locator("[data-testid=audit-grid]").GetByText("user.created").First.WaitForAsync();
                }

                await BrowserSession.ScreenshotAsync(page, $"admin{path.Replace('/', '-')}-390", bothWidths: false);
                await page.SetViewportSizeAsync(1400, 900);
                await BrowserSession.ScreenshotAsync(page, $"admin{path.Replace('/', '-')}-1400", bothWidths: false);
                await page.SetViewportSizeAsync(390, 844);
            }
        }

        await page.Context.CloseAsync();
    }
}

/// <summary>The shell's portal, with the approvals count's reads holdable (<see cref="ReadHold"/>): off unless a test holds them.</summary>
public sealed class ShellLayoutSession : BrowserSession
{
    public ShellLayoutSession()
        : base(DatabaseProvider.Sqlite, null, services => services.Replace(ServiceDescriptor.Singleton(provider =>
            new ApprovalsWaiting(new HeldContextFactory(provider.GetRequiredService<IDbContextFactory<PortalDbContext>>(), WaitingReads)))))
    {
    }

    /// <summary>The approvals count's reads (one fixture of this class at a time: xunit runs a class's tests one after another).</summary>
    public static ReadHold WaitingReads { get; } = new();

    private sealed class HeldContextFactory(IDbContextFactory<PortalDbContext> inner, ReadHold hold) : IDbContextFactory<PortalDbContext>
    {
        public PortalDbContext CreateDbContext() => inner.CreateDbContext();

        public async Task<PortalDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default)
        {
            await hold.PassAsync();
            return await inner.CreateDbContextAsync(cancellationToken);
        }
    }
}

/// <summary>Holds reads: after the next N pass, every read waits until the hold is disposed; <see cref="HeldReads.Reached"/> says one waits.</summary>
public sealed class ReadHold
{
    private readonly Lock _gate = new();
    private HeldReads? _held;
    private int _passing;

    public HeldReads HoldAfter(int passing)
    {
        lock (_gate)
        {
            _passing = passing;
            return _held = new HeldReads(Release);
        }
    }

    public Task PassAsync()
    {
        lock (_gate)
        {
            if (_held is not { } held)
            {
                return Task.CompletedTask;
            }

            if (_passing > 0)
            {
                _passing--;
                return Task.CompletedTask;
            }

            return held.Hold();
        }
    }

    private void Release()
    {
        lock (_gate)
        {
            _held = null;
        }
    }
}

/// <summary>One hold of <see cref="ReadHold"/>: disposing it lets every held read go.</summary>
public sealed class HeldReads(Action release) : IDisposable
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a read is held.</summary>
    public Task Reached => _reached.Task;

    internal Task Hold()
    {
        _reached.TrySetResult();
        return _released.Task;
    }

    public void Dispose()
    {
        release();
        _released.TrySetResult();
    }
}
