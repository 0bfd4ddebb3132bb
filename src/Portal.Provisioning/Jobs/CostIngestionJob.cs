using Microsoft.Extensions.Logging;
using Portal.Data.Entities.Costs;
using Portal.Provisioning.Costs;
using Quartz;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// Ingests every configured account's Cost Explorer data (<see cref="CostIngestion"/>): daily, and on demand through
/// <see cref="CostIngestionTrigger"/>. Each account's outcome is recorded on its <see cref="CostIngestionRun"/> row.
/// </summary>
[DisallowConcurrentExecution]
public sealed partial class CostIngestionJob(CostIngestion ingestion, ILogger<CostIngestionJob> logger) : IJob
{
    public static readonly JobKey Key = new("cost-ingestion", "costs");

    // 06:15 UTC: after Cost Explorer's overnight refresh of the previous day.
    public const string DailySchedule = "0 15 6 * * ?";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var results = await ingestion.IngestAllAsync(cancellationToken);
        foreach (var failed in results.Where(r => r.Status == CostIngestionStatus.Failed))
        {
            LogFailed(failed.AccountId, failed.Error);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cost ingestion failed for account {AccountId}: {Error}")]
    private partial void LogFailed(string accountId, string? error);
}

/// <summary>Runs <see cref="CostIngestionJob"/> now (on a cluster, on whichever node picks it up; never twice at once).</summary>
public sealed class CostIngestionTrigger(ISchedulerFactory schedulers)
{
    public async Task TriggerNowAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        await scheduler.TriggerJob(CostIngestionJob.Key, cancellationToken);
    }
}
