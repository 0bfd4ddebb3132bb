using Hangfire;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Jobs;

/// <summary>Enqueues an environment's <see cref="ProvisionJob"/> (in the persistent storage, so it survives a crash; the reconciler re-derives anything lost).</summary>
public sealed class ProvisioningQueue(IBackgroundJobClient jobs) : IProvisioningQueue
{
    public Task EnqueueAsync(Guid environmentId, CancellationToken cancellationToken)
    {
        // Ids only; JobTracing stores the caller's trace context (an approval's HTTP request) with the job.
        jobs.Enqueue<ProvisionJob>(j => j.RunAsync(environmentId, null, CancellationToken.None));
        return Task.CompletedTask;
    }
}
