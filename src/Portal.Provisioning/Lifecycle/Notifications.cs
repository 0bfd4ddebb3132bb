using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Provisioning.Lifecycle;

/// <summary>Adds in-app notifications to the same unit of work as the change they announce; a repeated dedupe key is skipped.</summary>
public static class Notifications
{
    /// <summary>The kind of the notification that tells a platform engineer a request waits for their decision.</summary>
    public const string ApprovalNeededKind = "request.approval-needed";

    public static void Add(PortalDbContext db, Guid userId, string kind, string title, string body, string? link, string dedupeKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (db.Notifications.Local.Any(n => n.UserId == userId && n.DedupeKey == dedupeKey)
            || db.Notifications.AsNoTracking().Any(n => n.UserId == userId && n.DedupeKey == dedupeKey))
        {
            return;
        }

        db.Notifications.Add(Notification.Create(userId, kind, title, body, link, dedupeKey, now));
    }

    /// <summary>
    /// Tells every platform engineer who may decide on a pending request (all of them but its requester) that it waits for
    /// them, in <paramref name="db"/>'s unit of work (not saved); returns who was told and what, for the e-mail after the commit.
    /// </summary>
    public static async Task<ApproverAnnouncement> AddForApproversAsync(PortalDbContext db, EnvironmentRequest request, string teamSlug, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Status != RequestStatus.PendingApproval)
        {
            return ApproverAnnouncement.None;
        }

        var engineerIds = db.UserRoles.Join(db.Roles.Where(r => r.Name == PortalRoles.PlatformEngineer), ur => ur.RoleId, r => r.Id, (ur, _) => ur.UserId);
        var approvers = await db.Users.AsNoTracking()
            .Where(u => engineerIds.Contains(u.Id) && u.Id != request.RequesterId)
            .Select(u => new Approver(u.Id, u.Email ?? ""))
            .ToListAsync(cancellationToken);
        var requester = await db.Users.AsNoTracking().Where(u => u.Id == request.RequesterId).Select(u => u.DisplayName).SingleOrDefaultAsync(cancellationToken);
        var (title, body) = ApprovalNeededMessage(request, teamSlug, requester ?? "Portal");
        foreach (var approver in approvers.OrderBy(a => a.UserId))
        {
            Add(db, approver.UserId, ApprovalNeededKind, title, body, $"approvals?request={request.Id}", $"request.approval-needed:{request.Id}", now);
        }

        return new ApproverAnnouncement(approvers, title, body);
    }

    /// <summary>The title and body of "a request waits for you": what, for whom, the cost, and how many approvals it needs.</summary>
    public static (string Title, string Body) ApprovalNeededMessage(EnvironmentRequest request, string teamSlug, string requesterName)
    {
        ArgumentNullException.ThrowIfNull(request);
        var what = $"{RequestWorkflow.KindName(request.Kind)} of {request.EnvironmentName} ({request.Tier.Slug()}) for {teamSlug}";
        var cost = request.EstimateMonthlyUsd.ToString("C2", CultureInfo.GetCultureInfo("en-US"));
        return ($"Waiting for your approval: {what}", $"Requested by {requesterName}, estimated {cost}/month. {request.PolicyReason}.");
    }
}

/// <summary>A platform engineer told about a pending request.</summary>
public sealed record Approver(Guid UserId, string Email);

/// <summary>Who was told that a request waits for them, and what they were told.</summary>
public sealed record ApproverAnnouncement(IReadOnlyList<Approver> Approvers, string Title, string Body)
{
    public static ApproverAnnouncement None { get; } = new([], "", "");
}
