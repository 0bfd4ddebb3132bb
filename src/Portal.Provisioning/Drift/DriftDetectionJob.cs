using Hangfire;
using Microsoft.Extensions.Logging;
using Portal.Provisioning.Jobs;

namespace Portal.Provisioning.Drift;

/// <summary>
/// Drift detection (<see cref="DriftDetector"/>): every minute, and at once when someone asks for a detection. One run at a
/// time across the nodes (the <c>drift-detection</c> lock); the per-account cap is counted in the database.
/// </summary>
[JobTracing]
public sealed partial class DriftDetectionJob(DriftDetector detector, JobLocks locks, ILogger<DriftDetectionJob> logger)
{
    public const string Id = "drift-detection";

    [AutomaticRetry(Attempts = 0, LogEvents = false)]
    [JobDisplayName("Drift detection")]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var held = await locks.TryAcquireAsync(Id, TimeSpan.Zero, cancellationToken);
        if (held is null)
        {
            return; // a run is going; it (or the next minute's) picks up what was asked for
        }

        var round = await detector.RunAsync(cancellationToken);
        if (round.Started + round.Completed + round.Deferred > 0)
        {
            LogRound(round.Started, round.Completed, round.Deferred);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Drift detection: {Started} started, {Completed} completed, {Deferred} deferred by the per-account cap")]
    private partial void LogRound(int started, int completed, int deferred);
}

/// <summary>Runs <see cref="DriftDetectionJob"/> now (after an on-demand request).</summary>
public sealed class DriftDetectionTrigger(IBackgroundJobClient jobs)
{
    public void TriggerNow() => jobs.Enqueue<DriftDetectionJob>(j => j.RunAsync(CancellationToken.None));
}
