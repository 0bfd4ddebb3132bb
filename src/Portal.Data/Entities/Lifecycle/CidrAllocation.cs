namespace Portal.Data.Entities.Lifecycle;

/// <summary>
/// A VPC CIDR block reserved for an environment in one account and region. Live allocations (not released) never
/// overlap in the same account and region: an exclusion constraint on PostgreSQL, the serialized allocator on SQLite.
/// </summary>
public sealed class CidrAllocation
{
    public Guid Id { get; private set; }

    public string AccountId { get; private set; } = "";

    public string Region { get; private set; } = "";

    /// <summary>IPv4 block in CIDR notation, e.g. <c>10.3.0.0/16</c>.</summary>
    public string Cidr { get; private set; } = "";

    public Guid EnvironmentId { get; private set; }

    public DateTimeOffset AllocatedAt { get; private set; }

    public DateTimeOffset? ReleasedAt { get; private set; }

    private CidrAllocation()
    {
    }

    public static CidrAllocation Reserve(string accountId, string region, string cidr, Guid environmentId, DateTimeOffset now) =>
        new() { Id = Guid.CreateVersion7(now), AccountId = accountId, Region = region, Cidr = cidr, EnvironmentId = environmentId, AllocatedAt = now };

    /// <summary>Returns the block to the pool; releasing twice keeps the first time.</summary>
    public void Release(DateTimeOffset now) => ReleasedAt ??= now;
}
