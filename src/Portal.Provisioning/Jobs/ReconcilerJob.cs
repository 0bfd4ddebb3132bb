using Hangfire;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// The database is the source of truth: every environment whose next step belongs to the provisioner gets its job
/// enqueued (again). Runs at a node's start and every minute, so nothing an approval, a crash or a lost job left behind is lost.
/// </summary>
[JobTracing]
public sealed class ReconcilerJob(IDbContextFactory<PortalDbContext> contextFactory, IProvisioningQueue queue, JobLocks locks, TimeProvider timeProvider)
{
    public const string Id = "reconciler";

    /// <summary>A step younger than this is left to the job that was just enqueued for it.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(20);

    /// <summary>The periodic run (every minute): every pending step older than <see cref="Grace"/>.</summary>
    // atStartup = true is the start-up run of versions before RunAtStartupAsync (a job still queued by one): every pending step.
    [AutomaticRetry(Attempts = 0, LogEvents = false)]
    [JobDisplayName("Reconcile provisioning (at start-up: {0})")]
    public Task RunAsync(bool atStartup, CancellationToken cancellationToken) =>
        ReconcileAsync(atStartup ? DateTimeOffset.MaxValue : timeProvider.GetUtcNow() - Grace, cancellationToken);

    /// <summary>
    /// A node's start-up run: every pending step recorded before the node started, however young (its job may have died with
    /// the node's earlier life). A step recorded after that was recorded by a live node, which enqueued its job; enqueuing it
    /// again here ran it twice, the second run finding the work done, and the request's trace could miss its own job (CI
    /// 2026-12-06). Should that node die before its job runs, the periodic run takes the step after <see cref="Grace"/>.
    /// </summary>
    [AutomaticRetry(Attempts = 0, LogEvents = false)]
    [JobDisplayName("Reconcile provisioning at the start of a node ({0})")]
    public Task RunAtStartupAsync(DateTimeOffset startedAt, CancellationToken cancellationToken) => ReconcileAsync(startedAt, cancellationToken);

    private async Task ReconcileAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        await using var held = await locks.TryAcquireAsync(Id, TimeSpan.Zero, cancellationToken);
        if (held is null)
        {
            return; // another node is reconciling right now
        }

        List<Guid> pending;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            var candidates = await db.Environments
                .Where(e => e.Status == EnvironmentStatus.Requested
                            || (StackWatcher.InFlight.Contains(e.Status) && e.OperationStartedAt == null))
                .Select(e => new { e.Id, e.UpdatedAt })
                .ToListAsync(cancellationToken);
            pending = [.. candidates.Where(c => c.UpdatedAt <= cutoff).Select(c => c.Id)];
        }

        foreach (var id in pending)
        {
            await queue.EnqueueAsync(id, cancellationToken);
        }
    }
}
