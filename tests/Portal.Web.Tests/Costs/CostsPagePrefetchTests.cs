using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Costs;
using Portal.Web.Features.Costs;

namespace Portal.Web.Tests.Costs;

/// <summary>
/// The dashboards page's read ahead (issue 18): taken once, only by its user for its filter, dropped unclaimed after its
/// lifetime, bounded per user, and a failed read leaves the page to read for itself.
/// </summary>
public sealed class CostsPagePrefetchTests
{
    private static readonly Guid Alice = Guid.NewGuid();
    private static readonly Guid Bob = Guid.NewGuid();

    [Fact]
    public async Task ARead_IsTakenOnce_ByItsUser_ForItsFilter()
    {
        var prefetch = new CostsPagePrefetch(new Clock(), NullLogger<CostsPagePrefetch>.Instance, new Meters());
        var views = Views();

        var token = prefetch.Start(Alice, "q1", () => Task.FromResult(views));

        token.ShouldNotBeNull();
        token.Length.ShouldBe(32);
        (await prefetch.TakeAsync(token, Bob, "q1")).ShouldBeNull("another user's read");
        token = prefetch.Start(Alice, "q1", () => Task.FromResult(views))!;
        (await prefetch.TakeAsync(token, Alice, "q2")).ShouldBeNull("another filter's read");
        token = prefetch.Start(Alice, "q1", () => Task.FromResult(views))!;
        await WaitAsync(prefetch);
        prefetch.Peek(token, Alice, "q1").ShouldBeSameAs(views);
        (await prefetch.TakeAsync(token, Alice, "q1")).ShouldBeSameAs(views);
        (await prefetch.TakeAsync(token, Alice, "q1")).ShouldBeNull("taken once");
        prefetch.Unclaimed.ShouldBe(0);
    }

    [Fact]
    public async Task AnUnclaimedRead_IsDroppedAfterItsLifetime_AndAUserHasAtMostEight()
    {
        var clock = new Clock();
        var prefetch = new CostsPagePrefetch(clock, NullLogger<CostsPagePrefetch>.Instance, new Meters());
        var views = Views();

        var tokens = Enumerable.Range(0, CostsPagePrefetch.PerUser).Select(_ => prefetch.Start(Alice, "q", () => Task.FromResult(views))).ToList();
        tokens.ShouldAllBe(t => t != null);
        prefetch.Start(Alice, "q", () => Task.FromResult(views)).ShouldBeNull("a ninth unclaimed read for one user starts nothing");
        prefetch.Start(Bob, "q", () => Task.FromResult(views)).ShouldNotBeNull("another user is not held back");

        clock.Now += CostsPagePrefetch.Lifetime;
        (await prefetch.TakeAsync(tokens[0]!, Alice, "q")).ShouldBeNull("expired");
        prefetch.Start(Alice, "q", () => Task.FromResult(views)).ShouldNotBeNull("the expired reads were dropped");
        prefetch.Unclaimed.ShouldBe(1);
    }

    [Fact]
    public async Task AFailedRead_GivesNothing_SoThePageReadsItself()
    {
        var prefetch = new CostsPagePrefetch(new Clock(), NullLogger<CostsPagePrefetch>.Instance, new Meters());

        var token = prefetch.Start(Alice, "q", () => Task.FromException<CostsPageViews>(new TimeoutException("database gone")))!;

        (await prefetch.TakeAsync(token, Alice, "q")).ShouldBeNull();
        await WaitAsync(prefetch);
        prefetch.InFlight.ShouldBe(0);
    }

    [Fact]
    public async Task ASlowRead_IsAwaitedByTheCircuit_NotPeeked()
    {
        var prefetch = new CostsPagePrefetch(new Clock(), NullLogger<CostsPagePrefetch>.Instance, new Meters());
        var views = Views();
        var release = new TaskCompletionSource();

        var token = prefetch.Start(Alice, "q", async () => { await release.Task; return views; })!;

        prefetch.Peek(token, Alice, "q").ShouldBeNull("not read yet");
        prefetch.InFlight.ShouldBe(1);
        var taking = prefetch.TakeAsync(token, Alice, "q");
        taking.IsCompleted.ShouldBeFalse();
        release.SetResult();
        (await taking).ShouldBeSameAs(views);
    }

    [Fact]
    public void TheReadsBound_ComesFromItsSetting_AndAnImpossibleOneStopsThePortalsStart()
    {
        static IServiceProvider With(string? bound) => new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(bound is null ? [] : new Dictionary<string, string?> { ["Costs:PageReadConcurrency"] = bound }).Build())
            .AddLogging().AddSingleton<System.Diagnostics.Metrics.IMeterFactory>(new Meters()).AddSingleton(TimeProvider.System)
            .AddOptions<CostOptions>().BindConfiguration(CostOptions.SectionName).ValidateDataAnnotations().ValidateOnStart().Services
            .AddSingleton<CostsPagePrefetch>()
            .BuildServiceProvider();

        With(null).GetRequiredService<CostsPagePrefetch>().ReadConcurrency.ShouldBe(CostsPageViews.Views, "every view at once unless set");
        With("3").GetRequiredService<CostsPagePrefetch>().ReadConcurrency.ShouldBe(3);
        // As AddCosts registers it (validated on start: the host runs this before it serves anything).
        var zero = Should.Throw<OptionsValidationException>(() => With("0").GetRequiredService<IOptions<CostOptions>>().Value);
        zero.Message.ShouldContain("PageReadConcurrency");
    }

    private static async Task WaitAsync(CostsPagePrefetch prefetch)
    {
        for (var i = 0; i < 200 && prefetch.InFlight > 0; i++)
        {
            await Task.Delay(10);
        }
    }

    private static CostsPageViews Views() => new(
        new MonthlySpend([], [], [], 0m), [], [], [], [], [], new EstimateAccuracyPage([], 0, 0, 1, 10), [], [], new WasteReport(0m, [], []));

    private sealed class Meters : System.Diagnostics.Metrics.IMeterFactory
    {
        public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options) => new(options);

        public void Dispose()
        {
        }
    }

    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
