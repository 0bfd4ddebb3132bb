using Hangfire;
using Microsoft.Extensions.Logging;
using Portal.Data.Entities.Costs;
using Portal.Provisioning.Costs;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// Ingests every configured account's Cost Explorer data (<see cref="CostIngestion"/>): daily, and on demand through
/// <see cref="CostIngestionTrigger"/>. Each account's outcome is recorded on its <see cref="CostIngestionRun"/> row.
/// Then <see cref="CostEvaluation.AfterIngestionAsync"/>: cost allocation tags, budget alerts and anomalies.
/// Never two runs at once: an on-demand run waits for one in progress, then runs.
/// </summary>
[JobTracing]
public sealed partial class CostIngestionJob(CostIngestion ingestion, CostEvaluation evaluation, JobLocks locks, ILogger<CostIngestionJob> logger)
{
    public const string Id = "cost-ingestion";

    // 06:15 UTC: after Cost Explorer's overnight refresh of the previous day.
    public const string DailySchedule = "15 6 * * *";

    private static readonly TimeSpan LockWait = TimeSpan.FromMinutes(30);

    [AutomaticRetry(Attempts = 0, LogEvents = false)]
    [JobDisplayName("Cost ingestion")]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var held = await locks.TryAcquireAsync(Id, LockWait, cancellationToken)
            ?? throw new InvalidOperationException("Another cost ingestion ran for more than 30 minutes; this one gave up waiting.");
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
