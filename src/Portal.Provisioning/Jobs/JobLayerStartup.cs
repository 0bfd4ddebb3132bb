using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Data;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// Prepares the job layer as the host starts, after the portal's migrations (which run in an earlier starting hook) and
/// before the Hangfire server starts: Hangfire's PostgreSQL schema (its own, under an advisory lock so nodes may start
/// together) and the recurring jobs. Once the server runs, a start-up reconcile enqueues every pending provisioning step
/// recorded before the node started, however young, since this node's earlier life may have died holding it.
/// </summary>
internal sealed partial class JobLayerStartup(
    IOptions<DatabaseOptions> database, IOptions<JobsOptions> jobs, IRecurringJobManager recurring, IBackgroundJobClient client, TimeProvider timeProvider, ILogger<JobLayerStartup> logger)
    : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (database.Value.Provider == DatabaseProvider.Postgres)
        {
            await PortalJobStorage.InstallPostgresSchemaAsync(database.Value.ConnectionString, cancellationToken);
        }

        RecurringJobs.Register(recurring);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var startedAt = timeProvider.GetUtcNow();
        client.Enqueue<ReconcilerJob>(j => j.RunAtStartupAsync(startedAt, CancellationToken.None));
        LogStarted(jobs.Value.WorkerCount);
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Job layer started: Hangfire server with {Workers} workers, recurring jobs registered, start-up reconcile enqueued")]
    private partial void LogStarted(int workers);
}
