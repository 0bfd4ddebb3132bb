using Hangfire;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// The database is the source of truth: every environment whose next step belongs to the provisioner gets its job
/// enqueued (again). Runs at start-up and every minute, so nothing an approval, a crash or a lost job left behind is lost.
/// </summary>
[JobTracing]
public sealed class ReconcilerJob(IDbContextFactory<PortalDbContext> contextFactory, IProvisioningQueue queue, JobLocks locks, TimeProvider timeProvider)
{
    public const string Id = "reconciler";

    /// <summary>A step younger than this is left to the job that was just enqueued for it.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(20);

    // atStartup: at a node's start every pending step is enqueued, however young (its job may have died with the node).
    [AutomaticRetry(Attempts = 0, LogEvents = false)]
    [JobDisplayName("Reconcile provisioning (at start-up: {0})")]
    public async Task RunAsync(bool atStartup, CancellationToken cancellationToken)
    {
        await using var held = await locks.TryAcquireAsync(Id, TimeSpan.Zero, cancellationToken);
        if (held is null)
        {
            return; // another node is reconciling right now
        }

        var cutoff = timeProvider.GetUtcNow() - Grace;
        List<Guid> pending;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            var candidates = await db.Environments
                .Where(e => e.Status == EnvironmentStatus.Requested
                            || (StackWatcher.InFlight.Contains(e.Status) && e.OperationStartedAt == null))
                .Select(e => new { e.Id, e.UpdatedAt })
                .ToListAsync(cancellationToken);
            pending = [.. candidates.Where(c => atStartup || c.UpdatedAt <= cutoff).Select(c => c.Id)];
        }

        foreach (var id in pending)
        {
            await queue.EnqueueAsync(id, cancellationToken);
        }
    }
}
