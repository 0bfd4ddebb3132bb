namespace Portal.Data.Entities;

/// <summary>An append-only record of a change: who did what to which target, when, under which trace.</summary>
public sealed class AuditEvent
{
    public long Id { get; private set; }

    public DateTimeOffset OccurredAt { get; private set; }

    public Guid? ActorId { get; private set; }

    /// <summary>The actor's email, or <c>system</c> for the portal itself.</summary>
    public string Actor { get; private set; } = "";

    /// <summary>Dotted verb, e.g. <c>team.created</c>.</summary>
    public string Action { get; private set; } = "";

    public string TargetType { get; private set; } = "";

    public string TargetId { get; private set; } = "";

    public string? TraceId { get; private set; }

    /// <summary>JSON object with the change's details (jsonb on PostgreSQL). Never holds secrets.</summary>
    public string Detail { get; private set; } = "{}";

    private AuditEvent()
    {
    }

    public static AuditEvent Record(DateTimeOffset now, Guid? actorId, string actor, string action, string targetType, string targetId, string? traceId, string detailJson) =>
        new()
        {
            OccurredAt = now,
            ActorId = actorId,
            Actor = actor,
            Action = action,
            TargetType = targetType,
            TargetId = targetId,
            TraceId = traceId,
            Detail = detailJson,
        };
}
