using Microsoft.Playwright;
using Portal.Web.Features.Circuits;

namespace Portal.Web.Tests.Browser;

/// <summary>
/// Issue 18: every page's circuit starts without two round trips blazor.web.js would otherwise make first (js/start.js): the JS
/// initializers list (the portal's packages have none, so skipping the fetch skips nothing) and SignalR's negotiate request (the
/// connection goes straight to a WebSocket), unless <c>Circuits:SkipNegotiation=false</c>.
/// </summary>
public sealed class CircuitStartTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    [Fact]
    public async Task ThePackages_HaveNoJsInitializers_SoNoneAreSkipped()
    {
        var page = await session.SignInAsync("dev@example.com");

        var response = await page.APIRequest.GetAsync("_blazor/initializers");
        response.Status.ShouldBe(200);
        (await response.TextAsync()).Trim().ShouldBe("[]",
            "a package now brings a JS initializer: js/start.js passes an empty list, so list it there or drop that option");
    }

    [Fact]
    public async Task APage_GoesLive_OverAWebSocket_WithoutNegotiateOrInitializersRequests()
    {
        var page = await session.SignInAsync("dev@example.com");
        var (requests, sockets) = await LoadAsync(page, "/environments");

        requests.ShouldNotContain(r => r.Contains("/_blazor/negotiate", StringComparison.Ordinal));
        requests.ShouldNotContain(r => r.Contains("/_blazor/initializers", StringComparison.Ordinal));
        sockets.ShouldContain(s => new Uri(s).AbsolutePath == "/_blazor", string.Join(", ", sockets));

        // The circuit is interactive: a navigation inside it needs no new document, and a click answers.
        await page.Locator("[data-testid=main-nav] a[href]:not([href*='environments'])").First.ClickAsync();
        await BrowserSession.WaitForUrlAsync(page, url => !url.EndsWith("/environments", StringComparison.Ordinal));
        sockets.Count.ShouldBe(1, "the same circuit served the next page");
    }

    internal static async Task<(List<string> Requests, List<string> Sockets)> LoadAsync(IPage page, string path)
    {
        var (requests, sockets) = (new List<string>(), new List<string>());
        page.Request += (_, request) => { lock (requests) { requests.Add(request.Url); } };
        page.WebSocket += (_, socket) => { lock (sockets) { sockets.Add(socket.Url); } };
        await page.GotoAsync(path);
        await BrowserSession.WaitForCircuitAsync(page);
        return (requests, sockets);
    }
}

/// <summary>With <c>Circuits:SkipNegotiation=false</c> (a proxy without WebSockets) SignalR negotiates first, as it does by default.</summary>
public sealed class CircuitStartNegotiatedTests(CircuitStartNegotiatedSession session) : IClassFixture<CircuitStartNegotiatedSession>
{
    [Fact]
    public async Task APage_Negotiates_ThenGoesLive()
    {
        var page = await session.SignInAsync("dev@example.com");
        var (requests, _) = await CircuitStartTests.LoadAsync(page, "/environments");

        requests.ShouldContain(r => r.Contains("/_blazor/negotiate", StringComparison.Ordinal));
        requests.ShouldNotContain(r => r.Contains("/_blazor/initializers", StringComparison.Ordinal));
    }
}

public sealed class CircuitStartNegotiatedSession : BrowserSession
{
    public CircuitStartNegotiatedSession()
        : base(global::Portal.Data.DatabaseProvider.Sqlite, new Dictionary<string, string?> { [CircuitRegistration.SkipNegotiationKey] = "false" })
    {
    }
}
