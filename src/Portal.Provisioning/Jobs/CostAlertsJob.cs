using Hangfire;
using Portal.Provisioning.Costs;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// Evaluates budget alerts and anomalies daily (<see cref="CostEvaluation.EvaluateAsync"/>), so forecasts that move with the
/// calendar alert even on a day ingestion fails. Idempotent: alerts and anomalies are unique per scope and month or day.
/// </summary>
[JobTracing]
public sealed class CostAlertsJob(CostEvaluation evaluation, JobLocks locks)
{
    public const string Id = "cost-alerts";

    // 07:00 UTC: after the daily ingestion (06:15), which evaluates too; this run covers a day it failed.
    public const string DailySchedule = "0 7 * * *";

    [AutomaticRetry(Attempts = 0, LogEvents = false)]
    [JobDisplayName("Budget alerts and anomalies")]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var held = await locks.TryAcquireAsync(Id, TimeSpan.Zero, cancellationToken);
        if (held is not null)
        {
            await evaluation.EvaluateAsync(cancellationToken);
        }
    }
}
