using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// Records that an environment's stack no longer exists in AWS (CloudFormation answered "does not exist": it was deleted
/// outside the portal): the environment is marked gone (<see cref="PortalEnvironment.MarkGoneFromAws"/>), audited, the
/// request in flight fails with the reason, and the owner is told. Used where an update is submitted and where the job runs it.
/// </summary>
internal static class GoneFromAws
{
    /// <summary>Marks the environment gone from AWS (once) and returns the reason in words.</summary>
    public static async Task<string> RecordAsync(
        IDbContextFactory<PortalDbContext> contextFactory, Guid environmentId, AuditActor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var environment = await db.Environments.SingleAsync(e => e.Id == environmentId, cancellationToken);
        var reason = environment.GoneFromAwsReason;
        if (!environment.CanBeGoneFromAws)
        {
            return reason;
        }

        var operation = environment.ActiveOperationId;
        var change = environment.MarkGoneFromAws(now);
        db.Audit(now, actor, "environment.gone-from-aws", PortalEnvironment.AuditTargetType, environment.Id.ToString(), new
        {
            change.From,
            change.To,
            environment.StackName,
            environment.StackId,
            Reason = reason,
        });
        if (operation is { } id && await db.EnvironmentRequests.SingleOrDefaultAsync(r => r.Id == id, cancellationToken) is { Status: RequestStatus.Approved } request)
        {
            request.MarkFailed(reason, now);
        }

        StackWatcher.NotifyOwner(db, environment, "environment.gone", $"Gone from AWS: {environment.Name} ({environment.Tier.Slug()})", reason, now);
        await db.SaveChangesAsync(cancellationToken);
        return reason;
    }
}
