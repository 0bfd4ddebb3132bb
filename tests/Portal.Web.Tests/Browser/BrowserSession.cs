using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Data;
using Portal.TestSupport;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Browser;

/// <summary>
/// One portal on Kestrel (the embedded default: SQLite, Development, demo organisation) and one headless Debian Chromium,
/// shared by the browser tests of a class. Screenshots go to TestResults/screenshots.
/// </summary>
public class BrowserSession : IAsyncLifetime
{
    public const string DemoPassword = "portal-demo";

    private readonly DatabaseProvider _provider;
    private readonly IDictionary<string, string?>? _settings;

    public BrowserSession()
        : this(DatabaseProvider.Sqlite, null)
    {
    }

    /// <summary>For sessions on another provider or with other settings (xunit wants one public constructor per fixture).</summary>
    protected BrowserSession(DatabaseProvider provider, IDictionary<string, string?>? settings)
        : this(provider, settings, null)
    {
    }

    /// <summary>For sessions that also replace services (a test clock, say).</summary>
    protected BrowserSession(DatabaseProvider provider, IDictionary<string, string?>? settings, Action<IServiceCollection>? services)
    {
        _provider = provider;
        _settings = settings;
        _services = services;
    }

    private readonly Action<IServiceCollection>? _services;

    private IPlaywright? _playwright;

    // Subclasses pick another database.
    protected BrowserSession(DatabaseProvider provider)
        : this(provider, null)
    {
    }

    public PortalWebFactory Portal { get; private set; } = default!;

    public IBrowser Browser { get; private set; } = default!;

    public static string ScreenshotDirectory { get; } = FindScreenshotDirectory();

    public virtual async Task InitializeAsync()
    {
        // Web-first assertions wait like the page's actions do (5 s by default is short on a loaded 2-core machine); a pass is not slower.
        Assertions.SetDefaultExpectTimeout(30_000);
        Portal = await PortalWebFactory.StartAsync(_provider, kestrel: true, settings: _settings, services: _services);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Environment.GetEnvironmentVariable("PORTAL_TEST_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright?.Dispose();
        await Portal.DisposeAsync();
    }

    /// <summary>A fresh browser context signed in as the user, on the home page with the circuit connected.</summary>
    public async Task<IPage> SignInAsync(string email, Func<IBrowserContext, Task>? prepare = null)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = Portal.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 900 } });
        // Generous: a 2-core CI machine runs several portals and browsers at once.
        context.SetDefaultTimeout(60_000);
        if (prepare is not null)
        {
            // Before the first page opens: routes (e.g. of the circuit's WebSocket) only apply to connections made after them.
            await prepare(context);
        }

        var page = await context.NewPageAsync();
        // The page's own documents (the form, its POST, each redirect) with their answers: a sign-in that never leaves the form
        // says which of them went wrong (no POST sent, the POST refused, or the redirect after it sent back to the form).
        var documents = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Request += (_, request) =>
        {
            if (request.IsNavigationRequest)
            {
                documents.Enqueue($"{request.Method} {request.Url}");
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Request.IsNavigationRequest)
            {
                documents.Enqueue($"  -> {response.Status} {response.Headers.GetValueOrDefault("location")}");
            }
        };
        page.RequestFailed += (_, request) =>
        {
            if (request.IsNavigationRequest)
            {
                documents.Enqueue($"  -> failed: {request.Failure}");
            }
        };
        var login = new LoginPage(page);
        await login.OpenAsync();
        await login.SignInAsync(email, DemoPassword);
        // Only the redirect away from the sign-in form: the circuit wait below is what says the page is ready.
        try
        {
            await WaitForUrlAsync(page, url => !url.Contains("/account/login", StringComparison.Ordinal));
        }
        catch (TimeoutException e)
        {
            var shot = $"sign-in-timeout-{email.Split('@')[0]}-{Guid.NewGuid():N}";
            await ScreenshotAsync(page, shot, bothWidths: false);
            var text = await page.Locator("body").InnerTextAsync(new() { Timeout = 5_000 });
            throw new TimeoutException(
                $"Signing in as {email} stayed on {page.Url}; the page said: {text[..Math.Min(text.Length, 600)]} (screenshot {shot}); " +
                $"documents: {string.Join("; ", documents)}", e);
        }

        await WaitForCircuitAsync(page);
        return page;
    }

    /// <summary>
    /// Waits until the page's URL matches, by the URL alone (within 60 s unless told). Not <c>WaitForURLAsync</c> with
    /// <c>WaitUntil = Commit</c>: when the URL already matches as it is called, Playwright waits for the "load" event instead (Commit
    /// has no load state and falls back to Load), and CI once waited 60 s for a load event on a home page that was there, signed in
    /// and live (2026-12-06: POST 302 → GET / 200, network idle, then the timeout). <c>Page.Url</c> follows every committed
    /// navigation, enhanced ones included.
    /// </summary>
    public static async Task WaitForUrlAsync(IPage page, Func<string, bool> matches, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!matches(page.Url))
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"The page stayed on {page.Url} for {(timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds:0} s.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the page's Blazor circuit is live (prerendered markup does not respond yet); on timeout keeps a screenshot and says where the page was.</summary>
    public static async Task WaitForCircuitAsync(IPage page)
    {
        try
        {
            await page.Locator("[data-testid=circuit-live]").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = 45_000 });
        }
        catch (TimeoutException)
        {
            await ScreenshotAsync(page, "timeout-" + Guid.NewGuid().ToString("N")[..8], bothWidths: false);
            throw new TimeoutException($"The shell did not load at {page.Url}: {(await page.ContentAsync())[..Math.Min(2000, (await page.ContentAsync()).Length)]}");
        }
    }

    /// <summary>
    /// The whole page (not only the first screen) as NAME.png at the page's width and, with <paramref name="bothWidths"/>, also at
    /// the other journey width: NAME-390.png from 1400 px (a phone), NAME-1400.png from 390 px (a width suffix already in NAME is
    /// replaced, see <see cref="OtherWidthName"/>); the page is left at its width.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name, bool bothWidths = true)
    {
        await ShootAsync(page, name);
        if (!bothWidths || page.ViewportSize is not { } viewport)
        {
            return;
        }

        var (width, height) = viewport.Width > PhoneWidth ? (PhoneWidth, 844) : (1400, 900);
        await page.SetViewportSizeAsync(width, height);
        await SettleAsync(page, width);
        await ShootAsync(page, OtherWidthName(name, width));
        await page.SetViewportSizeAsync(viewport.Width, viewport.Height);
        await SettleAsync(page, viewport.Width);
    }

    public const int PhoneWidth = 390;

    /// <summary>
    /// The name of the shot at the other width: NAME-390 or NAME-1400, where a width suffix the caller already gave is replaced
    /// rather than doubled (drift-tab-390 at 390 px gives drift-tab-1400, not drift-tab-390-1400).
    /// </summary>
    public static string OtherWidthName(string name, int width)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var suffix in new[] { "-390", "-1400" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                name = name[..^suffix.Length];
                break;
            }
        }

        return $"{name}-{width}";
    }

    // From the top: a full-page shot draws fixed parts (the app bar) where the window is scrolled to, i.e. mid-page otherwise.
    private static async Task ShootAsync(IPage page, string name)
    {
        var scrolled = await page.EvaluateAsync<double>("() => { const y = window.scrollY; window.scrollTo(0, 0); return y; }");
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
        await page.EvaluateAsync("y => window.scrollTo(0, y)", scrolled);
    }

    /// <summary>
    /// Resizes the page and waits until the shell's drawer has settled at the new width (open beside the content when wide,
    /// closed when narrow): a click right after a resize could land while the content is still moving under it and be lost
    /// (CI 2026-12-06: "Start now" after a 390 → 1400 px round trip for screenshots never reached the page).
    /// </summary>
    public static async Task ResizeAsync(IPage page, int width, int height)
    {
        await page.SetViewportSizeAsync(width, height);
        await SettleAsync(page, width);
    }

    /// <summary>
    /// After a resize MudBlazor re-lays out over the circuit: below the drawer's breakpoint (960 px) the drawer closes, above it
    /// it opens beside the content again. Waits for that (and its slide), so neither the shot nor the test's next step sees the
    /// drawer half-way or over the content; a page without the shell's drawer is settled at once.
    /// </summary>
    private static async Task SettleAsync(IPage page, int width)
    {
        try
        {
            await page.WaitForFunctionAsync("""
                wide => {
                    const drawer = document.querySelector('.portal-drawer');
                    if (!drawer) return true;
                    const box = drawer.getBoundingClientRect();
                    if (!wide) return !drawer.classList.contains('mud-drawer--open') && box.right <= 0;
                    const main = document.querySelector('.mud-main-content');
                    return drawer.classList.contains('mud-drawer--open') && box.left >= 0 && Math.abs(parseFloat(getComputedStyle(main).marginLeft) - box.width) < 1;
                }
                """, width >= 960, new() { Timeout = 20_000, PollingInterval = 100 });
        }
        catch (TimeoutException)
        {
            // A page that opened or closed its drawer itself: shoot it as it is.
        }

        await page.EvaluateAsync("() => new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)))");
    }

    private static string FindScreenshotDirectory()
    {
        var path = Path.Combine(RepositoryPaths.TryRoot ?? AppContext.BaseDirectory, "TestResults", "screenshots");
        Directory.CreateDirectory(path);
        return path;
    }
}

/// <summary>Page object for the sign-in page.</summary>
public sealed class LoginPage(IPage page)
{
    public async Task OpenAsync() => await page.GotoAsync("/account/login");

    public async Task SignInAsync(string email, string password)
    {
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
    }

    public ILocator Error => page.Locator("[data-testid=login-error]");
}

/// <summary>Page object for the shell's navigation (item labels, groups included, in order).</summary>
public sealed class Navigation(IPage page)
{
    /// <summary>The navigation items currently highlighted as the page the user is on.</summary>
    public async Task<IReadOnlyList<string>> ActiveItemsAsync() =>
        [.. (await page.Locator("[data-testid=main-nav] a.active .portal-nav-text").AllTextContentsAsync()).Select(t => t.Trim())];

    /// <summary>Opens the user menu and signs out.</summary>
    public static async Task SignOutAsync(IPage page)
    {
        await page.ClickAsync("[data-testid=user-menu-button]");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
    }

    public async Task<IReadOnlyList<string>> ItemsAsync()
    {
        var texts = await page.Locator("[data-testid=main-nav] .portal-nav-text").AllTextContentsAsync();
        return [.. texts.Select(t => t.Trim()).Where(t => t.Length > 0)];
    }
}
