using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// Records that an environment's stack was deleted or changed outside the portal. Deleted: CloudFormation answered "does not
/// exist" (where an update is submitted and where the job runs it) or the watcher's ListStacks pages show it deleted or no
/// longer list it; the environment is marked "Deleted outside Portal" and gone (<see cref="PortalEnvironment.MarkDeletedOutside"/>),
/// the request in flight fails with the reason. Changed: the watcher saw a status or last-updated time no portal operation
/// caused; the environment is marked "Changed outside Portal" and held until a platform engineer accepts the change. Both are
/// audited and told to the environment's team (its members and its owner).
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

        await MarkDeletedAsync(db, environment, "CloudFormation answered that the stack does not exist", actor, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return reason;
    }

    /// <summary>Marks the environment "Deleted outside Portal" in <paramref name="db"/>'s unit of work (not saved).</summary>
    public static async Task MarkDeletedAsync(
        PortalDbContext db, PortalEnvironment environment, string detail, AuditActor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var reason = environment.GoneFromAwsReason;
        var operation = environment.ActiveOperationId;
        var markedBefore = environment.OutOfBand == OutOfBandChange.Deleted;
        var change = environment.MarkDeletedOutside(detail, now);

        // Seen gone once (by the watcher), then again by a step approved meanwhile: audited once as gone, then as a failure.
        db.Audit(now, actor, markedBefore ? "environment.failed" : "environment.gone-from-aws", PortalEnvironment.AuditTargetType, environment.Id.ToString(), new
        {
            change.From,
            change.To,
            environment.StackName,
            environment.StackId,
            OutOfBand = environment.OutOfBandLabel,
            Detail = detail,
            Reason = reason,
        });
        if (operation is { } id && await db.EnvironmentRequests.SingleOrDefaultAsync(r => r.Id == id, cancellationToken) is { Status: RequestStatus.Approved } request)
        {
            request.MarkFailed(reason, now);
        }

        await NotifyTeamAsync(db, environment, "environment.gone", $"Deleted outside Portal: {environment.Name} ({environment.Tier.Slug()})", reason, now, cancellationToken);
    }

    /// <summary>Marks the environment "Changed outside Portal" in <paramref name="db"/>'s unit of work (not saved).</summary>
    public static async Task MarkChangedAsync(
        PortalDbContext db, PortalEnvironment environment, string stackStatus, DateTimeOffset? lastUpdatedTime, AuditActor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var detail = lastUpdatedTime is { } updated
            ? $"stack status {stackStatus}, last updated {updated.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC"
            : $"stack status {stackStatus}";
        var previous = new { environment.LastStackStatus, environment.StackUpdatedAt };
        environment.MarkChangedOutside(stackStatus, lastUpdatedTime, detail, now);
        db.Audit(now, actor, "environment.changed-outside", PortalEnvironment.AuditTargetType, environment.Id.ToString(), new
        {
            environment.StackName,
            environment.StackId,
            OutOfBand = environment.OutOfBandLabel,
            Expected = previous,
            Seen = new { StackStatus = stackStatus, LastUpdatedTime = lastUpdatedTime },
        });
        await NotifyTeamAsync(
            db, environment, "environment.changed-outside", $"Changed outside Portal: {environment.Name} ({environment.Tier.Slug()})", environment.ChangedOutsideReason, now, cancellationToken);
    }

    /// <summary>Tells the environment's team (every member and the owner), once per mark.</summary>
    private static async Task NotifyTeamAsync(
        PortalDbContext db, PortalEnvironment environment, string kind, string title, string body, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var members = await db.TeamMemberships.AsNoTracking().Where(m => m.TeamId == environment.TeamId).Select(m => m.UserId).ToListAsync(cancellationToken);
        foreach (var userId in members.Append(environment.OwnerId).Distinct().Order())
        {
            Notifications.Add(db, userId, kind, title, body, $"environments/{environment.Id}", $"{kind}:{environment.Id}:{environment.Version}", now);
        }
    }
}
