using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;

namespace Portal.Provisioning.Lifecycle;

/// <summary>Adds in-app notifications to the same unit of work as the change they announce; a repeated dedupe key is skipped.</summary>
public static class Notifications
{
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
}
