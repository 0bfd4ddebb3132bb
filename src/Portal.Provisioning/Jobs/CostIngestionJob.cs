using Microsoft.Extensions.Logging;
using Portal.Data.Entities.Costs;
using Portal.Provisioning.Costs;
using Quartz;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// Ingests every configured account's Cost Explorer data (<see cref="CostIngestion"/>): daily, and on demand through
/// <see cref="CostIngestionTrigger"/>. Each account's outcome is recorded on its <see cref="CostIngestionRun"/> row.
/// Then <see cref="CostEvaluation.AfterIngestionAsync"/>: cost allocation tags, budget alerts and anomalies.
/// </summary>
[DisallowConcurrentExecution]
public sealed partial class CostIngestionJob(CostIngestion ingestion, CostEvaluation evaluation, ILogger<CostIngestionJob> logger) : IJob
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

        await evaluation.AfterIngestionAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cost ingestion failed for account {AccountId}: {Error}")]
    private partial void LogFailed(string accountId, string? error);
}

/// <summary>
/// Evaluates budget alerts and anomalies daily (<see cref="CostEvaluation.EvaluateAsync"/>), so forecasts that move with the
/// calendar alert even on a day ingestion fails. Idempotent: alerts and anomalies are unique per scope and month or day.
/// </summary>
[DisallowConcurrentExecution]
public sealed class CostAlertsJob(CostEvaluation evaluation) : IJob
{
    public static readonly JobKey Key = new("cost-alerts", "costs");

    // 07:00 UTC: after the daily ingestion (06:15), which evaluates too; this run covers a day it failed.
    public const string DailySchedule = "0 0 7 * * ?";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await evaluation.EvaluateAsync(cancellationToken);
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
