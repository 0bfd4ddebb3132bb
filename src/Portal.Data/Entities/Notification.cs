namespace Portal.Data.Entities;

/// <summary>An in-app notification for one user (a request decided, an environment ready, failed or expiring).</summary>
public sealed class Notification
{
    public Guid Id { get; private set; }

    public Guid UserId { get; private set; }

    /// <summary>What happened: <c>request.decided</c>, <c>environment.ready</c>, <c>environment.failed</c>, <c>environment.expiring</c>, ...</summary>
    public string Kind { get; private set; } = "";

    public string Title { get; private set; } = "";

    public string Body { get; private set; } = "";

    /// <summary>Portal-relative link to what the notification is about, e.g. <c>environments/{id}</c>.</summary>
    public string? Link { get; private set; }

    /// <summary>Makes a notification idempotent: a second one with the same key for the same user is not stored.</summary>
    public string DedupeKey { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? ReadAt { get; private set; }

    private Notification()
    {
    }

    public static Notification Create(Guid userId, string kind, string title, string body, string? link, string dedupeKey, DateTimeOffset now) =>
        new()
        {
            Id = Guid.CreateVersion7(now),
            UserId = userId,
            Kind = kind,
            Title = title.Length > 200 ? title[..200] : title,
            Body = body.Length > 2000 ? body[..2000] : body,
            Link = link,
            DedupeKey = dedupeKey.Length > 200 ? dedupeKey[..200] : dedupeKey,
            CreatedAt = now,
        };

    public void MarkRead(DateTimeOffset now) => ReadAt ??= now;
}
