using Microsoft.Extensions.Logging;

namespace Portal.Provisioning.Costs;

/// <summary>
/// What follows new cost data: budget alerts and anomaly detection (after every ingestion and daily), and the cost
/// allocation tag check (after every ingestion). Each step is idempotent; a failing step is logged and the others still run.
/// </summary>
public sealed partial class CostEvaluation(BudgetAlerts budgets, CostAnomalyDetector anomalies, CostAllocationTags tags, ILogger<CostEvaluation> logger)
{
    public async Task AfterIngestionAsync(CancellationToken cancellationToken)
    {
        await RunAsync("cost allocation tag check", () => tags.CheckAllAsync(cancellationToken));
        await EvaluateAsync(cancellationToken);
    }

    public async Task EvaluateAsync(CancellationToken cancellationToken)
    {
        await RunAsync("budget alerts", () => budgets.EvaluateAsync(cancellationToken));
        await RunAsync("anomaly detection", () => anomalies.DetectRecentAsync(cancellationToken));
    }

    private async Task RunAsync(string step, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(e, step);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cost evaluation step '{Step}' failed")]
    private partial void LogFailed(Exception exception, string step);
}
