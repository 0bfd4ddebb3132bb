using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Web.Features.Circuits;
using Portal.Web.Tests.Benchmarks;

namespace Portal.Web.Tests.Browser;

/// <summary>
/// The server's circuit count is real: 50 Chromium pages on <c>/environments</c> (one signed-in context, as 50 tabs) make 50 open
/// and connected circuits on the node, and closing them brings the count back. Also: the markers the load harness's
/// <see cref="CircuitClient"/> reads are in the page a browser gets.
/// </summary>
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

        await WaitUntilAsync(() => counter.Open == 1);
        counter.Open.ShouldBe(1, "closed tabs dispose their circuits at once (the browser says goodbye), not after the retention period");
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
