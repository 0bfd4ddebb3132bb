using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Data;
using Quartz;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// Starts the scheduler once the database has no pending migrations (its tables come from them): at once normally, or as
/// soon as an operator has run <c>migrate</c> when the portal starts with migrations off. Waits for running jobs on stop.
/// </summary>
internal sealed partial class SchedulerHostedService(ISchedulerFactory schedulers, DatabaseMigrator migrator, ILogger<SchedulerHostedService> logger)
    : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task? _shutdown;
    private Task? _waiting;
    private IScheduler? _scheduler;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if ((await migrator.GetPendingMigrationsAsync(cancellationToken)).Count == 0)
        {
            await StartSchedulerAsync(cancellationToken);
            return;
        }

        LogWaiting();
        _waiting = WaitThenStartAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_waiting is not null)
        {
            await _waiting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_scheduler is { } scheduler)
        {
            // A host can be stopped twice at once (a test host's dispose and Program's RunAsync both stop it, then RunAsync
            // disposes the services): every caller waits for the one shutdown, so no one disposes what Quartz still uses.
            Task shutdown;
            lock (_gate)
            {
                shutdown = _shutdown ??= scheduler.Shutdown(waitForJobsToComplete: true, cancellationToken).AsTask();
            }

            await shutdown;
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task WaitThenStartAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                if ((await migrator.GetPendingMigrationsAsync(cancellationToken)).Count == 0)
                {
                    await StartSchedulerAsync(cancellationToken);
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                LogCheckFailed(e);
            }
        }
    }

    private async Task StartSchedulerAsync(CancellationToken cancellationToken)
    {
        _scheduler = await schedulers.GetScheduler(cancellationToken);
        await _scheduler.Start(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The scheduler waits for pending database migrations (run 'migrate')")]
    private partial void LogWaiting();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking for pending migrations failed; the scheduler keeps waiting")]
    private partial void LogCheckFailed(Exception exception);
}
