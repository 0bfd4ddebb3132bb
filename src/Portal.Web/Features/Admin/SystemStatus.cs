using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Provisioning.Aws;
using Quartz;

namespace Portal.Web.Features.Admin;

/// <summary>What the admin System page shows: version, the job layer's state and jobs, AWS API usage, cost ingestion runs.</summary>
public sealed class SystemStatus(ISchedulerFactory schedulers, AwsUsageTracker usage, IDbContextFactory<PortalDbContext> contextFactory)
{
    private static readonly TriggerKey[] Triggers =
    [
        new("stack-watcher-every-second", "lifecycle"),
        new("reconciler-every-minute", "lifecycle"),
        new("expiry-every-minute", "lifecycle"),
        new("off-hours-every-5-minutes", "lifecycle"),
        new("cost-ingestion-daily", "costs"),
        new("cost-alerts-daily", "costs"),
    ];

    public static string Version { get; } =
        typeof(SystemStatus).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public async Task<SystemSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var jobs = new List<JobRow>();
        foreach (var trigger in await scheduler.GetTriggers(Triggers, cancellationToken))
        {
            if (trigger is not null)
            {
                jobs.Add(new JobRow(trigger.JobKey.ToString(), trigger.Key.ToString(), trigger.PreviousFireTimeUtc, trigger.NextFireTimeUtc));
            }
        }

        var executing = await scheduler.QueryFireInstances(new FireInstanceQuery(), cancellationToken);
        var nodes = await scheduler.QueryClusterNodes(cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var runs = (await db.CostIngestionRuns.AsNoTracking().ToListAsync(cancellationToken))
            .OrderByDescending(r => r.StartedAt).Take(10).ToList();
        var tags = await db.CostAllocationTagChecks.AsNoTracking().OrderBy(c => c.AccountId).ThenBy(c => c.TagKey).ToListAsync(cancellationToken);
        return new SystemSnapshot(
            Version,
            scheduler.SchedulerName,
            await scheduler.GetSchedulerInstanceId(cancellationToken),
            scheduler.Status.ToString(),
            [.. nodes.Select(n => $"{n.InstanceId}{(n.IsCurrentNode ? " (this node)" : "")}: {n.State}{(n.LastCheckInUtc is { } at ? $", checked in {at:HH:mm:ss} UTC" : "")}")],
            jobs,
            Describe(executing.Items),
            usage.Snapshot(),
            runs,
            tags);
    }

    private static List<string> Describe(IEnumerable<FireInstance> firings)
    {
        var lines = new List<string>();
        foreach (FireInstance firing in firings)
        {
            lines.Add($"{firing.JobKey} on {firing.SchedulerInstanceId} since {firing.FireTimeUtc:HH:mm:ss} UTC");
        }

        return lines;
    }
}

public sealed record SystemSnapshot(
    string Version,
    string SchedulerName,
    string SchedulerInstanceId,
    string SchedulerStatus,
    IReadOnlyList<string> Nodes,
    IReadOnlyList<JobRow> Jobs,
    IReadOnlyList<string> Executing,
    AwsUsageSnapshot Aws,
    IReadOnlyList<CostIngestionRun> IngestionRuns,
    IReadOnlyList<CostAllocationTagCheck> CostAllocationTags);

public sealed record JobRow(string Job, string Trigger, DateTimeOffset? LastFired, DateTimeOffset? NextFire);
