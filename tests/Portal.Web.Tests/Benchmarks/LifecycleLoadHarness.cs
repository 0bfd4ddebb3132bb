using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Jobs;
using Portal.Provisioning.Lifecycle;
using Portal.TestSupport;
using Portal.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Benchmarks;

/// <summary>
/// Load harness for the lifecycle's speed targets (one node, sandbox, PostgreSQL). Not part of the test command
/// (<c>Category=Benchmark</c> is filtered out); it measures and reports, and fails only when the run itself breaks.
/// <code>dotnet test tests/Portal.Web.Tests -c Release --filter "Category=Benchmark" --logger "console;verbosity=detailed"</code>
/// Figures go to the console and to <c>TestResults/benchmarks/</c>.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class LifecycleLoadHarness(ITestOutputHelper output)
{
    /// <summary>
    /// Approval → CreateStack accepted (the request's decision time to the environment's operation start, both stamped by
    /// the portal): approvals one after another as an engineer works the queue, and a burst of parallel approvals.
    /// </summary>
    [Theory]
    [InlineData(100, 1)]
    [InlineData(200, 4)]
    public async Task ApprovalToCreateStack(int requests, int approvers)
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Policies:Quotas:staging"] = "10000",
            ["Sandbox:Speed"] = "30",
        });
        await RaiseBudgetsAsync(portal);
        var workflow = portal.Services.GetRequiredService<RequestWorkflow>();
        var dev = await portal.ActorAsync("dev@example.com");
        var platform = await portal.ActorAsync("platform@example.com");

        var pending = await ParallelAsync(Enumerable.Range(1, requests), 8, i =>
            workflow.SubmitAsync(dev, new SubmitRequest("create", "static-site", "staging", Team: "payments", Name: $"approve-{i:000}", Justification: "load"), CancellationToken.None));
        pending.ShouldAllBe(o => o.Status == RequestStatus.PendingApproval);

        var clock = Stopwatch.StartNew();
        var approved = await ParallelAsync(pending, approvers, o => workflow.ApproveAsync(platform, o.Id, "ok", CancellationToken.None));
        var approving = clock.Elapsed;
        var ids = approved.Select(o => o.EnvironmentId!.Value).ToList();
        // CreateStack accepted = the "environment.provisioning" audit entry the provisioner writes once CloudFormation answers
        // (OperationStartedAt is cleared again when the stack finishes, so it cannot be read afterwards).
        var targets = ids.Select(id => id.ToString()).ToList();
        await portal.WaitUntilAsync(async db => await db.AuditEvents.CountAsync(a => a.Action == "environment.provisioning" && targets.Contains(a.TargetId)) == requests, TimeSpan.FromMinutes(3));

        await using var context = await portal.DbAsync();
        var decided = await context.EnvironmentRequests.AsNoTracking().Where(r => r.EnvironmentId != null && ids.Contains(r.EnvironmentId.Value))
            .Select(r => new { Id = r.EnvironmentId!.Value.ToString(), r.DecidedAt }).ToListAsync();
        var started = await context.AuditEvents.AsNoTracking().Where(a => a.Action == "environment.provisioning" && targets.Contains(a.TargetId))
            .Select(a => new { a.TargetId, a.OccurredAt }).ToListAsync();
        var latencies = decided.Join(started, r => r.Id, a => a.TargetId, (r, a) => (a.OccurredAt - r.DecidedAt!.Value).TotalMilliseconds)
            .OrderBy(ms => ms).ToList();

        Report($"approval-to-createstack-{approvers}", [
            $"Approval → CreateStack accepted, {requests} staging static-site requests, {approvers} approval(s) at a time ({approving.TotalSeconds:0.0} s to approve all)",
            $"p50 {Percentile(latencies, 0.50):0} ms, p95 {Percentile(latencies, 0.95):0} ms, p99 {Percentile(latencies, 0.99):0} ms, max {latencies[^1]:0} ms",
        ]);
    }

    /// <summary>The watcher's CloudFormation calls per cycle with 10, 100 and 1,000 stacks in flight.</summary>
    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(1000)]
    public async Task WatcherCallsPerCycle(int inFlight)
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Policies:Quotas:dev"] = "10000",

            // The production defaults (the test factory speeds the watcher up).
            ["StackWatcher:Interval"] = "00:00:03",
            ["StackWatcher:EventRefreshInterval"] = "00:00:05",

            // Slow enough that every stack stays in flight for the whole measurement.
            ["Sandbox:Speed"] = "0.01",
        });
        portal.Services.GetRequiredService<StackWatcherService>().Pause();
        await RaiseBudgetsAsync(portal);
        var workflow = portal.Services.GetRequiredService<RequestWorkflow>();
        var dev = await portal.ActorAsync("dev@example.com");

        var outcomes = await ParallelAsync(Enumerable.Range(1, inFlight), 8, i =>
            workflow.SubmitAsync(dev, new SubmitRequest("create", "static-site", "dev", Team: "payments", Name: $"watch-{i:0000}"), CancellationToken.None));
        outcomes.ShouldAllBe(o => o.Status == RequestStatus.Approved);
        await portal.WaitUntilAsync(async db => await db.Environments.CountAsync(e => e.StackId != null && e.Status == EnvironmentStatus.Provisioning) == inFlight, TimeSpan.FromMinutes(5));

        var watcher = portal.Services.GetRequiredService<StackWatcher>();
        var location = (await watcher.InFlightLocationsAsync(CancellationToken.None)).ShouldHaveSingleItem();
        var lines = new List<string> { $"{inFlight} stacks in flight (one account, one region); watcher defaults: a cycle every 3 s, at most 25 event reads per cycle, an in-flight stack's events refreshed every 5 s" };
        for (var cycle = 1; cycle <= 6; cycle++)
        {
            var clock = Stopwatch.StartNew();
            var result = await watcher.SweepAsync(location.AccountId, location.Region, CancellationToken.None);
            lines.Add($"cycle {cycle}: watched {result.Watched}, ListStacks calls {result.ListCalls}, DescribeStackEvents calls {result.EventCalls}, total {result.Calls}, {clock.ElapsedMilliseconds} ms");
            await Task.Delay(TimeSpan.FromSeconds(3));
        }

        Report($"watcher-calls-{inFlight}", lines);
    }

    private static async Task RaiseBudgetsAsync(PortalWebFactory portal)
    {
        await using var db = await portal.DbAsync();
        await db.Teams.ExecuteUpdateAsync(s => s.SetProperty(t => t.MonthlyBudgetUsd, 100_000_000m));
    }

    private static async Task<List<TResult>> ParallelAsync<T, TResult>(IEnumerable<T> items, int parallelism, Func<T, Task<TResult>> action)
    {
        using var gate = new SemaphoreSlim(parallelism);
        return [.. await Task.WhenAll(items.Select(async item =>
        {
            await gate.WaitAsync();
            try
            {
                return await action(item);
            }
            finally
            {
                gate.Release();
            }
        }))];
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private void Report(string name, IReadOnlyList<string> lines)
    {
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        var directory = Path.Combine(RepositoryPaths.Root, "TestResults", "benchmarks");
        Directory.CreateDirectory(directory);
        File.WriteAllLines(Path.Combine(directory, name + ".txt"), [$"# {DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture)}", .. lines]);
    }
}
