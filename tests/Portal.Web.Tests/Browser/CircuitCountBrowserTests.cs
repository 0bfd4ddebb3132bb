using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Web.Features.Circuits;
using Portal.Web.Tests.Benchmarks;

namespace Portal.Web.Tests.Browser;

/// <summary>
/// The server's circuit count is real: 50 Chromium pages on <c>/environments</c> (one signed-in context, as 50 tabs) make 50 open
/// and connected circuits on the node, and closing them brings the count back. Also: the markers the load harness's
/// <see cref="CircuitClient"/> reads are in the page a browser gets. Tagged Benchmark: 50 Chromium pages took 8–9 minutes on the
/// loaded 2-core machine (load average ~65), over the 30 s a test in the test command may take.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class CircuitCountBrowserTests(BrowserSession session) : IClassFixture<BrowserSession>
{
    private const int Pages = 50;

    [Fact]
    public async Task FiftyBrowserPages_AreFiftyCircuitsOnTheServer()
    {
        var counter = session.Portal.Services.GetRequiredService<CircuitCounter>();
        var first = await session.SignInAsync("platform@example.com");
        await first.GotoAsync("/environments");
        await BrowserSession.WaitForCircuitAsync(first);
        (await first.Locator("[data-testid=environments-grid]").CountAsync()).ShouldBe(1);
        var before = counter.Open;
        before.ShouldBeGreaterThanOrEqualTo(1);

        var pages = new List<IPage> { first };
        for (var i = 1; i < Pages; i++)
        {
            var page = await first.Context.NewPageAsync();
            await page.GotoAsync("/environments", new() { WaitUntil = WaitUntilState.Commit });
            pages.Add(page);
        }

        foreach (var page in pages)
        {
            await BrowserSession.WaitForCircuitAsync(page);
        }

        // The sign-in page's own circuit (if any) is gone once the first page navigated: count what is open now.
        await WaitUntilAsync(() => counter.Open == Pages && counter.Connected == Pages);
        counter.Open.ShouldBe(Pages);
        counter.Connected.ShouldBe(Pages);

        foreach (var page in pages.Skip(1))
        {
            await page.CloseAsync();
        }

        // A closed tab's connection goes at once; its circuit is disposed at once when the disconnect beacon arrives, or kept for
        // the retention period when only the socket closed (seen for 1 of 49 tabs closed by Playwright), so Open may lag.
        await WaitUntilAsync(() => counter.Connected == 1);
        counter.Connected.ShouldBe(1);
        counter.Open.ShouldBeLessThan(Pages);
        await first.Context.CloseAsync();
    }

    [Fact]
    public async Task ThePrerenderedPage_CarriesTheServerComponentMarkers_TheHarnessReads()
    {
        var page = await session.SignInAsync("dev@example.com");
        var response = await page.APIRequest.GetAsync("/environments");
        var html = await response.TextAsync();
        CircuitClient.ServerMarkers(html).ShouldNotBeEmpty();
        await page.Context.CloseAsync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        while (!condition() && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
    }
}
