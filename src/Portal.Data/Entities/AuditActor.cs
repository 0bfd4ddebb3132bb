namespace Portal.Data.Entities;

/// <summary>Who an audited change is attributed to.</summary>
public sealed record AuditActor(Guid? Id, string Name)
{
    public static readonly AuditActor System = new(null, "system");
}
