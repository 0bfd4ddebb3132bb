using Portal.Data.Entities.Lifecycle;

namespace Portal.Data.Entities.Costs;

/// <summary>
/// The per-environment rollups' version (one row, <see cref="SingletonId"/>): on PostgreSQL every statement that writes
/// <see cref="CostEnvironmentDay"/> or <see cref="CostEnvironmentMonth"/> adds one to it in its own transaction (a trigger,
/// migration 0021), so a reader knows, in its own snapshot, which <see cref="CostSpanTotal"/>s are of the rollups it sees.
/// </summary>
public sealed class CostRollupVersion
{
    public const int SingletonId = 1;

    public int Id { get; private set; }

    public long Version { get; private set; }

    private CostRollupVersion()
    {
    }
}

/// <summary>
/// A range's per-environment totals are kept (issue 18): <see cref="CostSpanEnvironmentTotal"/> holds each environment's cost
/// over <see cref="Span"/> for the rollups' <see cref="Version"/>. Written with its rows in one transaction by the first read of
/// the range; a rollup write makes it stale (a new version) and deletes it. Written only by SQL.
/// </summary>
public sealed class CostSpanTotal
{
    /// <summary>The range as the rollups read it: its month edges, e.g. <c>2026-11-01:2026-11-30:2026-11-07 2026-12-01:-:-</c>.</summary>
    public string Span { get; private set; } = "";

    public long Version { get; private set; }

    public DateTimeOffset ComputedAt { get; private set; }

    private CostSpanTotal()
    {
    }

    public const int MaxSpanLength = 400;
}

/// <summary>
/// One environment's unblended cost over a <see cref="CostSpanTotal"/>'s range in one account, team and tier (as its month rows
/// carry them, so the dashboards' filters narrow these rows exactly as they narrow the rollups). Written only by SQL.
/// </summary>
public sealed class CostSpanEnvironmentTotal
{
    public string Span { get; private set; } = "";

    public long Version { get; private set; }

    public Guid EnvironmentId { get; private set; }

    public string AccountId { get; private set; } = "";

    public Guid TeamId { get; private set; }

    public EnvironmentTier Tier { get; private set; }

    public decimal UnblendedUsd { get; private set; }

    private CostSpanEnvironmentTotal()
    {
    }
}
