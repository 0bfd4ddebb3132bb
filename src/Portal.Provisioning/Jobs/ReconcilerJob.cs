using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Quartz;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// The database is the source of truth: every environment whose next step belongs to the provisioner gets its job
/// scheduled (again). Runs at start-up and every minute, so nothing an approval, a crash or a lost trigger left behind is lost.
/// </summary>
[DisallowConcurrentExecution]
public sealed class ReconcilerJob(IDbContextFactory<PortalDbContext> contextFactory, IProvisioningQueue queue, TimeProvider timeProvider) : IJob
{
    public static readonly JobKey Key = new("reconciler", "lifecycle");

    /// <summary>A step younger than this is left to the trigger that was just scheduled for it.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(20);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cutoff = timeProvider.GetUtcNow() - Grace;
        List<Guid> pending;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            var candidates = await db.Environments
                .Where(e => e.Status == EnvironmentStatus.Requested
                            || (StackWatcher.InFlight.Contains(e.Status) && e.OperationStartedAt == null))
                .Select(e => new { e.Id, e.UpdatedAt })
                .ToListAsync(cancellationToken);
            pending = [.. candidates.Where(c => c.UpdatedAt <= cutoff || context.Trigger.JobDataMap.ContainsKey("startup")).Select(c => c.Id)];
        }

        foreach (var id in pending)
        {
            await queue.EnqueueAsync(id, cancellationToken);
        }
    }
}
