using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Features.Notifications;

/// <summary>A user's own in-app notifications: list, count unread, mark read. Nobody reads or marks anyone else's.</summary>
public sealed class NotificationInbox(IDbContextFactory<PortalDbContext> contextFactory, LifecycleSignals signals, TimeProvider timeProvider)
{
    public const int MaxItems = 100;

    public async Task<NotificationList> ListAsync(Guid userId, bool unreadOnly, int take, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var mine = db.Notifications.AsNoTracking().Where(n => n.UserId == userId);
        var unread = await mine.CountAsync(n => n.ReadAt == null, cancellationToken);
        var query = unreadOnly ? mine.Where(n => n.ReadAt == null) : mine;
        var items = await query.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id)
            .Take(Math.Clamp(take, 1, MaxItems))
            .Select(n => new NotificationItem(n.Id, n.Kind, n.Title, n.Body, n.Link, n.CreatedAt, n.ReadAt))
            .ToListAsync(cancellationToken);
        return new NotificationList(items, unread);
    }

    public async Task<int> UnreadCountAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.Notifications.CountAsync(n => n.UserId == userId && n.ReadAt == null, cancellationToken);
    }

    /// <summary>Marks one of the user's notifications read; <see cref="LifecycleNotFoundException"/> for anyone else's (never reveal which).</summary>
    public async Task<NotificationItem> MarkReadAsync(Guid userId, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var notification = await db.Notifications.SingleOrDefaultAsync(n => n.Id == id && n.UserId == userId, cancellationToken)
            ?? throw new LifecycleNotFoundException("notification", id);
        notification.MarkRead(timeProvider.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        Publish(userId);
        return new NotificationItem(notification.Id, notification.Kind, notification.Title, notification.Body, notification.Link, notification.CreatedAt, notification.ReadAt);
    }

    /// <summary>Marks every unread notification of the user read; returns how many.</summary>
    public async Task<int> MarkAllReadAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var unread = await db.Notifications.Where(n => n.UserId == userId && n.ReadAt == null).ToListAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        foreach (var notification in unread)
        {
            notification.MarkRead(now);
        }

        await db.SaveChangesAsync(cancellationToken);
        if (unread.Count > 0)
        {
            Publish(userId);
        }

        return unread.Count;
    }

    // Other tabs of the same user update their bell; other nodes' bells catch up on their next look.
    private void Publish(Guid userId) => signals.Publish(new LifecycleChange(LifecycleChangeKind.Notification, userId, Guid.Empty, null));
}

public sealed record NotificationList(IReadOnlyList<NotificationItem> Items, int Unread);

/// <summary>One notification; <see cref="Link"/> is portal-relative (<c>environments/{id}</c>).</summary>
public sealed record NotificationItem(Guid Id, string Kind, string Title, string Body, string? Link, DateTimeOffset CreatedAt, DateTimeOffset? ReadAt)
{
    public bool Read => ReadAt is not null;
}
