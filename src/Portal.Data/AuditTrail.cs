using System.Diagnostics;
using System.Text.Json;
using Portal.Data.Entities;

namespace Portal.Data;

/// <summary>Adds audit events to the same unit of work as the change they describe, so both commit or neither does.</summary>
public static class AuditTrail
{
    private static readonly JsonSerializerOptions DetailJson = new(JsonSerializerDefaults.Web);

    public static AuditEvent Audit(this PortalDbContext db, DateTimeOffset now, AuditActor actor, string action, string targetType, string targetId, object? detail = null)
    {
        var entry = AuditEvent.Record(
            now,
            actor.Id,
            actor.Name,
            action,
            targetType,
            targetId,
            Activity.Current?.TraceId.ToString(),
            JsonSerializer.Serialize(detail ?? new { }, DetailJson));
        db.AuditEvents.Add(entry);
        return entry;
    }
}
