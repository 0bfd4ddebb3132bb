using Hangfire;

namespace Portal.Provisioning.Jobs;

/// <summary>Runs <see cref="CostIngestionJob"/> now (on whichever node's worker picks it up; never twice at once).</summary>
public sealed class CostIngestionTrigger(IBackgroundJobClient jobs)
{
    public Task TriggerNowAsync(CancellationToken cancellationToken)
    {
        jobs.Enqueue<CostIngestionJob>(j => j.RunAsync(CancellationToken.None));
        return Task.CompletedTask;
    }
}
