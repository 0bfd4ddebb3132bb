using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Features.Costs;

/// <summary>
/// The cost queries' shared SQL: who sees which facts, and sums grouped in the database on both providers. PostgreSQL sums the
/// exact <c>numeric</c>; SQLite cannot SUM a decimal, so it sums the REAL column it stores money in (a double, rounded back to
/// the stored 6 decimals) — still grouped in SQL, never fact by fact in memory.
/// </summary>
internal static class CostSql
{
    /// <summary>Facts of the days, those a developer may see only (their teams'; never unallocated spend).</summary>
    public static IQueryable<CostFact> Visible(PortalDbContext db, LifecycleActor actor, DateOnly from, DateOnly to)
    {
        var facts = db.CostFacts.AsNoTracking().Where(f => f.Date >= from && f.Date <= to);
        if (!actor.SeesAllTeams)
        {
            var teams = actor.TeamIds.ToList();
            facts = facts.Where(f => f.TeamId != null && teams.Contains(f.TeamId.Value));
        }

        return facts;
    }

    /// <summary><see cref="Visible"/> narrowed by the dashboard filter (teams, tier, account).</summary>
    public static IQueryable<CostFact> Filtered(PortalDbContext db, LifecycleActor actor, CostFilter filter, DateOnly from, DateOnly to)
    {
        var facts = Visible(db, actor, from, to);
        if (filter.TeamIds is { Count: > 0 } teamIds)
        {
            var ids = teamIds.ToList();
            facts = facts.Where(f => f.TeamId != null && ids.Contains(f.TeamId.Value));
        }

        if (filter.Tier is { } tier)
        {
            facts = facts.Where(f => f.Tier == tier);
        }

        if (!string.IsNullOrEmpty(filter.AccountId))
        {
            facts = facts.Where(f => f.AccountId == filter.AccountId);
        }

        return facts;
    }

    /// <summary>
    /// The daily rollups (per date, account, team, tier and service; kept by ingestion) for views that need no environment:
    /// the same visibility and filter as <see cref="Filtered"/>, tens of rows per day instead of one per environment and service.
    /// </summary>
    public static IQueryable<CostDailyRollup> FilteredRollups(PortalDbContext db, LifecycleActor actor, CostFilter filter, DateOnly from, DateOnly to)
    {
        var rollups = db.CostDailyRollups.AsNoTracking().Where(r => r.Date >= from && r.Date <= to);
        if (!actor.SeesAllTeams)
        {
            var teams = actor.TeamIds.ToList();
            rollups = rollups.Where(r => r.TeamId != null && teams.Contains(r.TeamId.Value));
        }

        if (filter.TeamIds is { Count: > 0 } teamIds)
        {
            var ids = teamIds.ToList();
            rollups = rollups.Where(r => r.TeamId != null && ids.Contains(r.TeamId.Value));
        }

        if (filter.Tier is { } tier)
        {
            rollups = rollups.Where(r => r.Tier == tier);
        }

        if (!string.IsNullOrEmpty(filter.AccountId))
        {
            rollups = rollups.Where(r => r.AccountId == filter.AccountId);
        }

        return rollups;
    }

    public static async Task<List<(TKey Key, decimal Amount)>> SumRollupsByAsync<TKey>(
        PortalDbContext db, IQueryable<CostDailyRollup> rollups, Expression<Func<CostDailyRollup, TKey>> key, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            var exact = await rollups.GroupBy(key).Select(g => new { g.Key, Amount = g.Sum(r => r.UnblendedUsd) }).ToListAsync(cancellationToken);
            return [.. exact.Select(r => (r.Key, r.Amount))];
        }

        var approximate = await rollups.GroupBy(key).Select(g => new { g.Key, Amount = g.Sum(r => (double)r.UnblendedUsd) }).ToListAsync(cancellationToken);
        return [.. approximate.Select(r => (r.Key, FromDouble(r.Amount)))];
    }

    public static async Task<List<(TKey Key, decimal Amount)>> SumByAsync<TKey>(
        PortalDbContext db, IQueryable<CostFact> facts, Expression<Func<CostFact, TKey>> key, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            var exact = await facts.GroupBy(key).Select(g => new { g.Key, Amount = g.Sum(f => f.UnblendedUsd) }).ToListAsync(cancellationToken);
            return [.. exact.Select(r => (r.Key, r.Amount))];
        }

        var approximate = await facts.GroupBy(key).Select(g => new { g.Key, Amount = g.Sum(f => (double)f.UnblendedUsd) }).ToListAsync(cancellationToken);
        return [.. approximate.Select(r => (r.Key, FromDouble(r.Amount)))];
    }

    /// <summary>The <paramref name="count"/> largest groups, ordered and cut in SQL.</summary>
    public static async Task<List<(TKey Key, decimal Amount)>> TopByAsync<TKey>(
        PortalDbContext db, IQueryable<CostFact> facts, Expression<Func<CostFact, TKey>> key, int count, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            var exact = await facts.GroupBy(key).Select(g => new { g.Key, Amount = g.Sum(f => f.UnblendedUsd) })
                .OrderByDescending(r => r.Amount).Take(count).ToListAsync(cancellationToken);
            return [.. exact.Select(r => (r.Key, r.Amount))];
        }

        var approximate = await facts.GroupBy(key).Select(g => new { g.Key, Amount = g.Sum(f => (double)f.UnblendedUsd) })
            .OrderByDescending(r => r.Amount).Take(count).ToListAsync(cancellationToken);
        return [.. approximate.Select(r => (r.Key, FromDouble(r.Amount)))];
    }

    public static decimal Usd(decimal amount) => decimal.Round(amount, 2, MidpointRounding.AwayFromZero);

    private static decimal FromDouble(double amount) => decimal.Round((decimal)amount, 6, MidpointRounding.AwayFromZero);
}
