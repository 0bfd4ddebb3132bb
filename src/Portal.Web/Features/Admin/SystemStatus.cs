using System.Reflection;
using Hangfire;
using Hangfire.Storage;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Jobs;

namespace Portal.Web.Features.Admin;

/// <summary>
/// What the admin System page shows: version, the job layer from Hangfire's monitoring API (servers, queues, recurring jobs
/// with last and next run, failed jobs; the dashboard at <c>/jobs</c> has the rest), the stack watcher, AWS API usage and
/// cost ingestion runs.
/// </summary>
public sealed class SystemStatus(JobStorage storage, StackWatcherService watcher, AwsUsageTracker usage, IDbContextFactory<PortalDbContext> contextFactory)
{
    private const int FailedShown = 10;

    public static string Version { get; } =
        typeof(SystemStatus).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public async Task<SystemSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        // Hangfire's monitoring API is synchronous: off the circuit's thread.
        var jobs = await Task.Run(ReadJobLayer, cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var runs = (await db.CostIngestionRuns.AsNoTracking().ToListAsync(cancellationToken))
            .OrderByDescending(r => r.StartedAt).Take(10).ToList();
        var tags = await db.CostAllocationTagChecks.AsNoTracking().OrderBy(c => c.AccountId).ThenBy(c => c.TagKey).ToListAsync(cancellationToken);
        return new SystemSnapshot(Version, jobs, usage.Snapshot(), runs, tags);
    }

    private JobLayerSnapshot ReadJobLayer()
    {
        var monitoring = storage.GetMonitoringApi();
        var statistics = monitoring.GetStatistics();
        var servers = monitoring.Servers()
            .Select(s => new JobServerRow(s.Name, s.WorkersCount, string.Join(", ", s.Queues), Utc(s.StartedAt), s.Heartbeat is { } beat ? Utc(beat) : null))
            .ToList();
        var queues = monitoring.Queues().Select(q => new JobQueueRow(q.Name, q.Length, q.Fetched ?? 0)).ToList();
        List<RecurringJobRow> recurring;
        using (var connection = storage.GetConnection())
        {
            recurring = [.. connection.GetRecurringJobs().OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => new RecurringJobRow(
                r.Id, r.Cron, r.LastExecution is { } last ? Utc(last) : null, r.LastJobState, r.NextExecution is { } next ? Utc(next) : null, r.Error))];
        }

        var failed = monitoring.FailedJobs(0, FailedShown)
            .Select(f => new FailedJobRow(f.Key, f.Value.Job is { } job ? $"{job.Type.Name}.{job.Method.Name}" : "(unknown job)",
                f.Value.ExceptionMessage ?? f.Value.Reason, f.Value.FailedAt is { } at ? Utc(at) : null))
            .ToList();
        return new JobLayerSnapshot(
            statistics.Servers, statistics.Enqueued, statistics.Processing, statistics.Scheduled, statistics.Failed, statistics.Succeeded,
            servers, queues, recurring, failed, watcher.IsSweeping, watcher.LastSweepAt);
    }

    // Hangfire reports UTC DateTimes.
    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}

public sealed record SystemSnapshot(
    string Version,
    JobLayerSnapshot Jobs,
    AwsUsageSnapshot Aws,
    IReadOnlyList<CostIngestionRun> IngestionRuns,
    IReadOnlyList<CostAllocationTagCheck> CostAllocationTags);

public sealed record JobLayerSnapshot(
    long ServerCount,
    long Enqueued,
    long Processing,
    long Scheduled,
    long Failed,
    long Succeeded,
    IReadOnlyList<JobServerRow> Servers,
    IReadOnlyList<JobQueueRow> Queues,
    IReadOnlyList<RecurringJobRow> Recurring,
    IReadOnlyList<FailedJobRow> FailedJobs,
    bool ThisNodeSweeps,
    DateTimeOffset? LastSweepAt);

public sealed record JobServerRow(string Name, int Workers, string Queues, DateTimeOffset StartedAt, DateTimeOffset? Heartbeat);

public sealed record JobQueueRow(string Name, long Length, long Fetched);

public sealed record RecurringJobRow(string Id, string Cron, DateTimeOffset? LastRun, string? LastState, DateTimeOffset? NextRun, string? Error);

public sealed record FailedJobRow(string Id, string Job, string? Reason, DateTimeOffset? FailedAt);
