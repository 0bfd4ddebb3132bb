using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Lifecycle;
using Quartz;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// Sweeps every account and region with in-flight stacks (<see cref="StackWatcher"/>). Fires every second; sweeps when
/// <see cref="StackWatcherOptions.Interval"/> has passed since the last sweep anywhere in the cluster (kept in the job's data).
/// </summary>
[DisallowConcurrentExecution]
[PersistJobDataAfterExecution]
public sealed partial class StackWatcherJob(StackWatcher watcher, IOptions<StackWatcherOptions> options, TimeProvider timeProvider, ILogger<StackWatcherJob> logger) : IJob
{
    public static readonly JobKey Key = new("stack-watcher", "lifecycle");
    private const string LastSweepKey = "lastSweep";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var now = timeProvider.GetUtcNow();
        var data = context.JobDetail.JobDataMap;
        if (data.TryGetValue(LastSweepKey, out var last) && long.TryParse(last?.ToString(), out var ticks)
            && now - new DateTimeOffset(ticks, TimeSpan.Zero) < options.Value.Interval - TimeSpan.FromMilliseconds(50))
        {
            return;
        }

        data[LastSweepKey] = now.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (accountId, region) in await watcher.InFlightLocationsAsync(cancellationToken))
        {
            try
            {
                var cycle = await watcher.SweepAsync(accountId, region, cancellationToken);
                LifecycleMetrics.RecordSweep(accountId, region, cycle);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One account's trouble (throttling, an expired role) must not stop the others; the next cycle tries again.
                LogSweepFailed(e, accountId, region);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stack sweep of {AccountId} {Region} failed; next cycle retries")]
    private partial void LogSweepFailed(Exception exception, string accountId, string region);
}
