using Hangfire;
using Portal.Provisioning.Drift;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// Every recurring job, in one place. Hangfire's recurring scheduler enqueues each firing once across the nodes, a missed
/// firing (all nodes down) runs once when one is back, and each job takes a <see cref="JobLocks"/> lock so two runs never
/// overlap. The stack watcher (every 3 s) is not here: see <see cref="StackWatcherService"/>.
/// </summary>
public static class RecurringJobs
{
    /// <summary>The recurring jobs' ids, as the dashboard and Admin → System show them.</summary>
    public static readonly IReadOnlyList<string> Ids = [ReconcilerJob.Id, ExpiryJob.Id, OffHoursJob.Id, CostIngestionJob.Id, CostAlertsJob.Id, DriftDetectionJob.Id];

    public static void Register(IRecurringJobManager recurring)
    {
        ArgumentNullException.ThrowIfNull(recurring);
        var utc = new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc };
        recurring.AddOrUpdate<ReconcilerJob>(ReconcilerJob.Id, j => j.RunAsync(false, CancellationToken.None), Cron.Minutely(), utc);
        recurring.AddOrUpdate<ExpiryJob>(ExpiryJob.Id, j => j.RunAsync(CancellationToken.None), Cron.Minutely(), utc);
        recurring.AddOrUpdate<OffHoursJob>(OffHoursJob.Id, j => j.RunAsync(CancellationToken.None), "*/5 * * * *", utc);
        recurring.AddOrUpdate<DriftDetectionJob>(DriftDetectionJob.Id, j => j.RunAsync(CancellationToken.None), Cron.Minutely(), utc);

        // Budget alerts and anomalies run after every ingestion (in CostIngestionJob) and daily on their own.
        recurring.AddOrUpdate<CostIngestionJob>(CostIngestionJob.Id, j => j.RunAsync(CancellationToken.None), CostIngestionJob.DailySchedule, utc);
        recurring.AddOrUpdate<CostAlertsJob>(CostAlertsJob.Id, j => j.RunAsync(CancellationToken.None), CostAlertsJob.DailySchedule, utc);
    }

    /// <summary>Removes every recurring job (benchmarks that must not be disturbed; a restart registers them again).</summary>
    public static void RemoveAll(IRecurringJobManager recurring)
    {
        ArgumentNullException.ThrowIfNull(recurring);
        foreach (var id in Ids)
        {
            recurring.RemoveIfExists(id);
        }
    }
}
