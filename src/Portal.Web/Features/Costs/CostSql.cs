using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Features.Costs;

/// <summary>
/// The cost queries' shared SQL: who sees which facts and rollups, and sums grouped in the database on both providers.
/// PostgreSQL sums the exact <c>numeric</c>; SQLite cannot SUM a decimal, so it sums the REAL column it stores money in (a
/// double, rounded back to the stored 6 decimals) — still grouped in SQL, never row by row in memory.
/// </summary>
internal static class CostSql
{
    /// <summary>Facts of the days, those a developer may see only (their teams'; never unallocated spend).</summary>
    public static IQueryable<CostFact> Visible(PortalDbContext db, LifecycleActor actor, DateOnly from, DateOnly to) =>
        Narrow(db.CostFacts.AsNoTracking().Where(f => f.Date >= from && f.Date <= to), actor, null);

    /// <summary><see cref="Visible"/> narrowed by the dashboard filter (teams, tier, account).</summary>
    public static IQueryable<CostFact> Filtered(PortalDbContext db, LifecycleActor actor, CostFilter filter, DateOnly from, DateOnly to) =>
        Narrow(db.CostFacts.AsNoTracking().Where(f => f.Date >= from && f.Date <= to), actor, filter);

    /// <summary>
    /// The daily rollups (per date, account, team, tier and service; kept by ingestion) for views that need no environment:
    /// the same visibility and filter as <see cref="Filtered"/>, tens of rows per day instead of one per environment and service.
    /// </summary>
    public static IQueryable<CostDailyRollup> FilteredRollups(PortalDbContext db, LifecycleActor actor, CostFilter filter, DateOnly from, DateOnly to) =>
        Narrow(db.CostDailyRollups.AsNoTracking().Where(r => r.Date >= from && r.Date <= to), actor, filter);

    /// <summary>Rows a developer may see (their teams'; never unallocated spend), narrowed by the filter's teams, tier and account.</summary>
    public static IQueryable<T> Narrow<T>(IQueryable<T> rows, LifecycleActor actor, CostFilter? filter)
        where T : class, ICostSlice
    {
        if (!actor.SeesAllTeams)
        {
            var teams = actor.TeamIds.ToList();
            rows = rows.Where(r => r.TeamId != null && teams.Contains(r.TeamId.Value));
        }

        if (filter?.TeamIds is { Count: > 0 } teamIds)
        {
            var ids = teamIds.ToList();
            rows = rows.Where(r => r.TeamId != null && ids.Contains(r.TeamId.Value));
        }

        if (filter?.Tier is { } tier)
        {
            rows = rows.Where(r => r.Tier == tier);
        }

        if (!string.IsNullOrEmpty(filter?.AccountId))
        {
            var account = filter.AccountId;
            rows = rows.Where(r => r.AccountId == account);
        }

        return rows;
    }

    /// <summary>As <see cref="Narrow{T}"/>, for environments and their per-environment rollups (always a team's).</summary>
    public static IQueryable<T> NarrowEnvironments<T>(IQueryable<T> rows, LifecycleActor actor, CostFilter filter)
        where T : class, ICostOwner
    {
        if (!actor.SeesAllTeams)
        {
            var teams = actor.TeamIds.ToList();
            rows = rows.Where(r => teams.Contains(r.TeamId));
        }

        if (filter.TeamIds is { Count: > 0 } teamIds)
        {
            var ids = teamIds.ToList();
            rows = rows.Where(r => ids.Contains(r.TeamId));
        }

        if (filter.Tier is { } tier)
        {
            rows = rows.Where(r => r.Tier == tier);
        }

        if (!string.IsNullOrEmpty(filter.AccountId))
        {
            var account = filter.AccountId;
            rows = rows.Where(r => r.AccountId == account);
        }

        return rows;
    }

    /// <summary>Per-environment days within any of the ranges.</summary>
    public static IQueryable<CostEnvironmentDay> EnvironmentDays(PortalDbContext db, IReadOnlyList<DayRange> ranges) =>
        db.CostEnvironmentDays.AsNoTracking().Where(InRanges<CostEnvironmentDay>(ranges, d => d.Date));

    /// <summary>Daily rollups within any of the ranges.</summary>
    public static IQueryable<CostDailyRollup> DailyRollups(PortalDbContext db, IReadOnlyList<DayRange> ranges) =>
        db.CostDailyRollups.AsNoTracking().Where(InRanges<CostDailyRollup>(ranges, r => r.Date));

    /// <summary>
    /// Each environment's unblended cost in the <paramref name="span"/>'s days, visible to the actor and narrowed by the filter:
    /// per month its month row or month-to-date totals at the range's edges (<see cref="CostSpan.MonthEdges"/>, at most one
    /// row per environment per month edge), summed in one SQL statement. With <paramref name="top"/>, only the largest that
    /// many, cut in SQL. Environments without cost in the span are left out.
    /// </summary>
    public static async Task<List<(Guid EnvironmentId, decimal Amount)>> EnvironmentTotalsAsync(
        PortalDbContext db, LifecycleActor actor, CostFilter filter, CostSpan span, int? top, CancellationToken cancellationToken)
    {
        if (span.MonthEdges.Count == 0)
        {
            return [];
        }

        if (db.Database.IsNpgsql())
        {
            var (sql, parameters) = CostAccuracySql.Totals(actor, filter, span);
            var text = $"""
                SELECT s."EnvironmentId", s.actual AS "Amount" FROM ({sql}) s WHERE s.actual <> 0
                {(top is { } n ? $"ORDER BY s.actual DESC, s.\"EnvironmentId\" LIMIT {n.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "")}
                """;
            var exact = await db.Database.SqlQueryRaw<EnvironmentAmount>(text, [.. parameters]).ToListAsync(cancellationToken);
            return [.. exact.Select(s => (s.EnvironmentId, s.Amount))];
        }

        // SQLite: the same reading in LINQ (a correlated lookup of each edge's latest day), summed as REAL.
        var parts = span.MonthEdges.Select(edge => MonthAmounts(db, actor, filter, edge)).ToList();
        var sums = parts.Aggregate(Queryable.Concat).GroupBy(a => a.EnvironmentId)
            .Select(g => new EnvironmentAmountApproximate { EnvironmentId = g.Key, Amount = g.Sum(a => a.Amount) });
        var approximate = await (top is { } m ? sums.OrderByDescending(s => s.Amount).Take(m) : sums).ToListAsync(cancellationToken);
        return [.. approximate.Select(s => (s.EnvironmentId, FromDouble(s.Amount))).Where(s => s.Item2 != 0)];
    }

    private static IQueryable<EnvironmentAmountApproximate> MonthAmounts(PortalDbContext db, LifecycleActor actor, CostFilter filter, MonthEdges edge)
    {
        var (month, whole, through, subtract, before) = (edge.Month, edge.Through is null, edge.Through ?? edge.Month, edge.Before is not null, edge.Before ?? edge.Month);
        var days = db.CostEnvironmentDays.AsNoTracking();
        return NarrowEnvironments(db.CostEnvironmentMonths.AsNoTracking().Where(m => m.Month == month), actor, filter)
            .Select(m => new EnvironmentAmountApproximate
            {
                EnvironmentId = m.EnvironmentId,
                Amount = (whole
                        ? (double)m.UnblendedUsd
                        : days.Where(d => d.EnvironmentId == m.EnvironmentId && d.AccountId == m.AccountId && d.Date >= month && d.Date <= through)
                            .OrderByDescending(d => d.Date).Select(d => (double?)(double)d.MonthToDateUnblendedUsd).FirstOrDefault() ?? 0)
                    - (subtract
                        ? days.Where(d => d.EnvironmentId == m.EnvironmentId && d.AccountId == m.AccountId && d.Date >= month && d.Date <= before)
                            .OrderByDescending(d => d.Date).Select(d => (double?)(double)d.MonthToDateUnblendedUsd).FirstOrDefault() ?? 0
                        : 0),
            });
    }

    /// <summary>
    /// Unblended sums per key over the <paramref name="span"/>'s days, visible to the actor and narrowed by the filter: whole
    /// months from the monthly rollups, edge days added or taken away from the daily rollups (each grouped in SQL), merged.
    /// </summary>
    public static async Task<List<(TKey Key, decimal Amount)>> SumSlicesByAsync<TKey>(
        PortalDbContext db, LifecycleActor actor, CostFilter? filter, CostSpan span,
        Expression<Func<CostMonthlyRollup, TKey>> monthKey, Expression<Func<CostDailyRollup, TKey>> dayKey, CancellationToken cancellationToken)
    {
        var rows = new List<(TKey Key, decimal Amount)>();
        if (span.Months.Count > 0)
        {
            var months = span.Months.ToList();
            rows.AddRange(await SumByAsync(db, Narrow(db.CostMonthlyRollups.AsNoTracking().Where(r => months.Contains(r.Month)), actor, filter), monthKey, cancellationToken));
        }

        if (span.Added.Count > 0)
        {
            rows.AddRange(await SumByAsync(db, Narrow(DailyRollups(db, span.Added), actor, filter), dayKey, cancellationToken));
        }

        if (span.Subtracted.Count > 0)
        {
            rows.AddRange((await SumByAsync(db, Narrow(DailyRollups(db, span.Subtracted), actor, filter), dayKey, cancellationToken)).Select(r => (r.Key, -r.Amount)));
        }

        // A key billed in the month only outside the range nets to zero there: it had no cost in the range, so it is not listed.
        return [.. rows.GroupBy(r => r.Key).Select(g => (g.Key, Amount: g.Sum(r => r.Amount)))
            .Where(g => span.Subtracted.Count == 0 || decimal.Round(g.Amount, 6) != 0)];
    }

    /// <summary>Unblended sums per key, grouped in SQL, of facts or any rollup.</summary>
    public static async Task<List<(TKey Key, decimal Amount)>> SumByAsync<T, TKey>(
        PortalDbContext db, IQueryable<T> rows, Expression<Func<T, TKey>> key, CancellationToken cancellationToken)
        where T : class, ICostAmount
    {
        if (db.Database.IsNpgsql())
        {
            var exact = await rows.GroupBy(key).Select(g => new { g.Key, Amount = g.Sum(r => r.UnblendedUsd) }).ToListAsync(cancellationToken);
            return [.. exact.Select(r => (r.Key, r.Amount))];
        }

        var approximate = await rows.GroupBy(key).Select(g => new { g.Key, Amount = g.Sum(r => (double)r.UnblendedUsd) }).ToListAsync(cancellationToken);
        return [.. approximate.Select(r => (r.Key, FromDouble(r.Amount)))];
    }

    /// <summary><paramref name="left"/> or <paramref name="right"/>, over one parameter (for predicates built from lists).</summary>
    public static Expression<Func<T, bool>> Or<T>(Expression<Func<T, bool>> left, Expression<Func<T, bool>> right)
    {
        var body = new Rebind(right.Parameters[0], left.Parameters[0]).Visit(right.Body)!;
        return Expression.Lambda<Func<T, bool>>(Expression.OrElse(left.Body, body), left.Parameters[0]);
    }

    public static decimal Usd(decimal amount) => decimal.Round(amount, 2, MidpointRounding.AwayFromZero);

    private static Expression<Func<T, bool>> InRanges<T>(IReadOnlyList<DayRange> ranges, Expression<Func<T, DateOnly>> date)
    {
        Expression<Func<T, bool>> none = _ => false;
        return ranges.Select(r => Within(date, r)).DefaultIfEmpty(none).Aggregate(Or);
    }

    private static Expression<Func<T, bool>> Within<T>(Expression<Func<T, DateOnly>> date, DayRange range)
    {
        var (from, to) = (range.From, range.To);
        Expression<Func<DateOnly, bool>> within = d => d >= from && d <= to;
        var body = new Rebind(within.Parameters[0], date.Body).Visit(within.Body)!;
        return Expression.Lambda<Func<T, bool>>(body, date.Parameters[0]);
    }

    private static decimal FromDouble(double amount) => decimal.Round((decimal)amount, 6, MidpointRounding.AwayFromZero);

    private sealed class Rebind(Expression from, Expression to) : ExpressionVisitor
    {
        public override Expression? Visit(Expression? node) => node == from ? to : base.Visit(node);
    }

    private sealed class EnvironmentAmount
    {
        public Guid EnvironmentId { get; init; }

        public decimal Amount { get; init; }
    }

    private sealed class EnvironmentAmountApproximate
    {
        public Guid EnvironmentId { get; init; }

        public double Amount { get; init; }
    }
}
