using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Lifecycle;

/// <summary>
/// The set-up the live tests and harnesses share (<see cref="LiveChangeSignallingTests"/>, <see cref="LivePagesTests"/>,
/// <c>LiveUpdatesHarness</c>, <c>LivePagesBrowserHarness</c>): a PostgreSQL portal on a loopback port, ready dev environments,
/// pending staging requests, waits on what listeners heard, and percentiles for the harnesses' reports.
/// </summary>
internal static class LiveTestKit
{
    /// <summary>
    /// A portal on PostgreSQL listening on a loopback port (the sandbox's AWS calls reach it), its change feed on; with
    /// <paramref name="manyRequests"/>, quotas and team budgets raised so a test can queue as many requests as it needs.
    /// </summary>
    public static async Task<PortalWebFactory> StartAsync(bool manyRequests = false, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>());
        if (manyRequests)
        {
            all.TryAdd("Policies:Quotas:staging", "1000");
            all.TryAdd("Policies:Quotas:dev", "1000");
        }

        var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true, settings: all);
        if (manyRequests)
        {
            await using var db = await portal.DbAsync();
            await db.Teams.ExecuteUpdateAsync(s => s.SetProperty(t => t.MonthlyBudgetUsd, 100_000_000m));
        }

        return portal;
    }

    /// <summary>Dev static sites of payments named <c>{prefix}-{i}</c>, created through the real services and waited on until Ready.</summary>
    public static async Task<List<Guid>> ReadyDevSitesAsync(this PortalWebFactory portal, string prefix, int count)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await portal.CreateDevSiteAsync("dev@example.com", "payments", $"{prefix}-{i}"));
        }

        foreach (var id in ids)
        {
            await portal.WaitForAsync(id, EnvironmentStatus.Ready);
        }

        return ids;
    }

    /// <summary>Staging static sites requested by dev@example.com for payments, each waiting for approval, oldest first (by name).</summary>
    public static async Task<List<(Guid Id, string Name)>> PendingStagingRequestsAsync(this PortalWebFactory portal, string prefix, int count)
    {
        var workflow = portal.Services.GetRequiredService<RequestWorkflow>();
        var dev = await portal.ActorAsync("dev@example.com");
        var pending = new List<(Guid, string)>();
        for (var i = 0; i < count; i++)
        {
            var name = $"{prefix}-{i:000}";
            var outcome = await workflow.SubmitAsync(dev, new SubmitRequest("create", "static-site", "staging", Team: "payments", Name: name, Justification: "live"), CancellationToken.None);
            outcome.Status.ShouldBe(RequestStatus.PendingApproval, outcome.ToString());
            pending.Add((outcome.Id, name));
        }

        return pending;
    }

    public static async Task WaitQuietAsync<T>(ConcurrentQueue<T> queue)
    {
        // Provisioning's last writes may still be arriving: wait for a second and a half without one.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        var count = -1;
        while (queue.Count != count && DateTimeOffset.UtcNow < deadline)
        {
            count = queue.Count;
            await Task.Delay(1500);
        }
    }

    public static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (!condition())
        {
            DateTimeOffset.UtcNow.ShouldBeLessThan(deadline, "The change did not arrive in 30 s.");
            await Task.Delay(50);
        }
    }

    /// <summary>The <paramref name="p"/> quantile of sorted samples (nearest rank); 0 for none.</summary>
    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}

internal sealed class CompositeDisposable(IReadOnlyList<IDisposable> items) : IDisposable
{
    public void Dispose()
    {
        foreach (var item in items)
        {
            item.Dispose();
        }
    }
}

/// <summary>
/// Counts the SQL statements Npgsql runs on one database (its <c>Npgsql</c> activity source), in this process. A list-row read
/// is a statement that reads environments with their team's slug (the list query and the live hub's row read).
/// </summary>
internal sealed class StatementCounter : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly string _database;
    private readonly ConcurrentQueue<string> _texts = new();

    public StatementCounter(string database)
    {
        _database = database;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyCollection<string> Texts => _texts;

    public int Count => _texts.Count;

    public int ListRowReads => _texts.Count(t => t.Contains("FROM \"Environments\"", StringComparison.Ordinal) && t.Contains("\"Teams\"", StringComparison.Ordinal));

    private void OnStopped(Activity activity)
    {
        var onThisDatabase = false;
        string? text = null;
        foreach (var (key, value) in activity.TagObjects)
        {
            if (value is string s)
            {
                onThisDatabase |= s == _database;
                if (key is "db.statement" or "db.query.text")
                {
                    text = s;
                }
            }
        }

        if (onThisDatabase && text is not null)
        {
            _texts.Enqueue(text);
        }
    }

    public void Dispose() => _listener.Dispose();
}
