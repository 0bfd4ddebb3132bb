using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Environments;
using Portal.Web.Tests.Infrastructure;
using Portal.Web.Tests.Lifecycle;
using static Portal.Web.Tests.Lifecycle.LiveTestKit;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Benchmarks;

/// <summary>
/// Issue #18's live half, measured (not asserted), on PostgreSQL, one node:
/// <list type="bullet">
/// <item>the idle node's statements per second over 60 s (job layer, stack watcher, change feed; Npgsql's own activity
/// source counts every statement the process sends, BEGIN/COMMIT aside), with the busiest statement shapes;</item>
/// <item>event → delivered to 500 live listeners: a burst of 100 changes through the real services (4 at a time), the time
/// from each change's command (its read, write and commit included) to the row at a probe subscribed after the 500 (the hub
/// hands rows out in subscription order), and the row reads and statements the burst cost.</item>
/// </list>
/// <code>dotnet test tests/Portal.Web.Tests -c Release --filter "FullyQualifiedName~LiveUpdatesHarness" --logger "console;verbosity=detailed"</code>
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class LiveUpdatesHarness(ITestOutputHelper output)
{
    [Fact]
    public async Task IdleStatementsPerSecond()
    {
        await using var portal = await LiveTestKit.StartAsync(settings: ProductionLoops());
        await Task.Delay(TimeSpan.FromSeconds(20)); // start-up reconcile, first recurring firings
        using var statements = new StatementCounter(portal.Database.Name);
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(60));
        var seconds = clock.Elapsed.TotalSeconds;
        var texts = statements.Texts.ToList();
        var shapes = texts.GroupBy(Shape).OrderByDescending(g => g.Count()).Take(12)
            .Select(g => $"  {g.Count(),5}  {g.Key}");
        Report("idle-statements", [
            $"Idle node, PostgreSQL, {seconds:0} s: {texts.Count} statements, {texts.Count / seconds:0.00} per second",
            .. shapes,
        ]);
    }

    [Theory]
    [InlineData(500, 100)]
    public async Task ChangeToListeners(int listeners, int changes)
    {
        await using var portal = await LiveTestKit.StartAsync(settings: ProductionLoops());
        var dev = await portal.ActorAsync("dev@example.com");
        var ids = await portal.ReadyDevSitesAsync("live", 10);

        await Task.Delay(TimeSpan.FromSeconds(5));
        var rows = portal.Services.GetRequiredService<LiveEnvironmentRows>();
        var commands = portal.Services.GetRequiredService<EnvironmentCommands>();
        var delivered = 0L;
        var subscriptions = Enumerable.Range(0, listeners).Select(_ => rows.Subscribe(change =>
        {
            Interlocked.Increment(ref delivered);
            return Task.CompletedTask;
        })).ToList();

        using var statements = new StatementCounter(portal.Database.Name);
        var readsBefore = rows.Reads;
        var latencies = new ConcurrentBag<double>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, changes), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
        {
            var id = ids[i % ids.Count];
            var probe = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var seen = 0;
            using var watch = rows.Subscribe(change =>
            {
                if (change.Id == id && Interlocked.Increment(ref seen) == 1)
                {
                    probe.TrySetResult();
                }

                return Task.CompletedTask;
            });
            var start = Stopwatch.GetTimestamp();
            try
            {
                await commands.SetOffHoursScheduleAsync(dev, id, false, ct);
            }
            catch (LifecycleConflictException)
            {
                return; // two changes of one environment at the same moment: the second is refused, as on the page
            }

            await probe.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        });
        var elapsed = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(2));
        subscriptions.ForEach(s => s.Dispose());
        var sorted = latencies.OrderBy(ms => ms).ToList();
        Report($"change-to-{listeners}-listeners", [
            $"{changes} changes (4 at a time, {elapsed.TotalSeconds:0.0} s) with {listeners} live listeners on one node: commit → row delivered",
            $"p50 {Percentile(sorted, 0.50):0} ms, p95 {Percentile(sorted, 0.95):0} ms, max {sorted[^1]:0} ms ({sorted.Count} measured)",
            $"row reads by the hub: {rows.Reads - readsBefore}; list-row statements: {statements.ListRowReads}; all statements during the burst: {statements.Count}; rows delivered: {Interlocked.Read(ref delivered)}",
        ]);
    }

    private static Dictionary<string, string?> ProductionLoops() => new()
    {
        // The production defaults (the test factory speeds the watcher up).
        ["StackWatcher:Interval"] = "00:00:03",
        ["StackWatcher:EventRefreshInterval"] = "00:00:05",
    };

    private static string Shape(string text)
    {
        var line = string.Join(' ', text.Split((char[])['\n', '\r', '\t', ' '], StringSplitOptions.RemoveEmptyEntries));
        return line.Length > 110 ? line[..110] : line;
    }

    private void Report(string name, IReadOnlyList<string> lines) => CostBenchmarkData.Report(output, name, lines);
}
