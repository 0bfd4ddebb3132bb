using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Features.Costs;

/// <summary>
/// Reads ingested cost facts (unblended USD) for the cost API. Developers see only their teams' facts; finance, platform
/// engineers and admins see everything, unallocated spend included. Sums run in PostgreSQL, and in memory on SQLite.
/// </summary>
public sealed class CostQueries(IDbContextFactory<PortalDbContext> contextFactory, TimeProvider time)
{
    public const string Currency = "USD";

    /// <summary>Key of spend no environment (and so no team or tier) owns.</summary>
    public const string Unallocated = "unallocated";

    private readonly TeamSlugs _teamSlugs = new(contextFactory);

    public async Task<CostSummary> SummaryAsync(LifecycleActor actor, CostWindow window, CostGroupBy groupBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken); // one connection for the request's few statements
        var facts = Visible(db, actor, window);

        // Without an environment in play the rollups answer (ADR 0009): whole months from the monthly rollups, edge days from the
        // daily ones — a few rows per team, tier and service instead of one per environment, service and day.
        var span = CostSpan.Of(window.From, window.To, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
        var filter = new CostFilter(window.From, window.To, window.TeamId is { } team ? [team] : null);
        Task<List<(TKey Key, decimal Amount)>> SumAsync<TKey>(
            Expression<Func<CostFact, TKey>> fact, Expression<Func<CostMonthlyRollup, TKey>> month, Expression<Func<CostDailyRollup, TKey>> day) =>
            window.EnvironmentId is null
                ? CostSql.SumSlicesByAsync(db, actor, filter, span, month, day, cancellationToken)
                : CostSql.SumByAsync(db, facts, fact, cancellationToken);

        List<(string Key, decimal Amount)> groups;
        switch (groupBy)
        {
            case CostGroupBy.Team:
                var byTeam = await SumAsync(f => f.TeamId, m => m.TeamId, d => d.TeamId);
                var teams = await _teamSlugs.SlugsAsync(byTeam.Where(g => g.Key is not null).Select(g => g.Key!.Value), cancellationToken); // cached: no statement
                groups = [.. byTeam.Select(g => (g.Key is { } id && teams.TryGetValue(id, out var slug) ? slug : Unallocated, g.Amount))];
                break;
            case CostGroupBy.Tier:
                groups = [.. (await SumAsync(f => f.Tier, m => m.Tier, d => d.Tier)).Select(g => (g.Key?.Slug() ?? Unallocated, g.Amount))];
                break;
            case CostGroupBy.Service:
                groups = [.. (await SumAsync(f => f.Service, m => m.Service, d => d.Service)).Select(g => (g.Key, g.Amount))];
                break;
            case CostGroupBy.Environment:
                groups = window.EnvironmentId is null
                    ? [.. (await CostSql.EnvironmentTotalsAsync(db, actor, filter, span, null, cancellationToken)).Select(g => (g.EnvironmentId.ToString(), g.Amount)),
                        .. (await SumAsync(f => f.TeamId, m => m.TeamId, d => d.TeamId)).Where(g => g.Key is null).Select(g => (Unallocated, g.Amount))]
                    : [.. (await CostSql.SumByAsync(db, facts, f => f.EnvironmentId, cancellationToken)).Select(g => (g.Key?.ToString() ?? Unallocated, g.Amount))];
                break;
            case CostGroupBy.Account:
                groups = [.. (await SumAsync(f => f.AccountId, m => m.AccountId, d => d.AccountId)).Select(g => (g.Key, g.Amount))];
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy, "Unknown grouping.");
        }

        var merged = groups.GroupBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CostGroup(g.Key, Usd(g.Sum(x => x.Amount))))
            .OrderByDescending(g => g.AmountUsd).ThenBy(g => g.Key, StringComparer.Ordinal).ToList();
        return new CostSummary(Currency, Usd(groups.Sum(g => g.Amount)), merged);
    }

    public async Task<DailyCosts> DailyAsync(LifecycleActor actor, CostWindow window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var byDay = (window.EnvironmentId is null
                ? await CostSql.SumByAsync(db, Rollups(db, actor, window), r => r.Date, cancellationToken)
                : await CostSql.SumByAsync(db, Visible(db, actor, window), f => f.Date, cancellationToken))
            .ToDictionary(g => g.Key, g => g.Amount);
        var days = new List<DailyCost>();
        for (var day = window.From; day <= window.To; day = day.AddDays(1))
        {
            days.Add(new DailyCost(day, Usd(byDay.GetValueOrDefault(day))));
        }

        return new DailyCosts(Currency, Usd(byDay.Values.Sum()), days);
    }

    /// <summary>The visible facts as CSV (RFC 4180), header row first, ordered by date, account, environment and service.</summary>
    public async Task<string> ExportCsvAsync(LifecycleActor actor, CostWindow window, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(window);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var teams = await db.Teams.AsNoTracking().ToDictionaryAsync(t => t.Id, t => t.Slug, cancellationToken);
        var facts = await Visible(db, actor, window)
            .OrderBy(f => f.Date).ThenBy(f => f.AccountId).ThenBy(f => f.EnvironmentTag).ThenBy(f => f.Service)
            .ToListAsync(cancellationToken);
        var csv = new CostCsv("date", "account_id", "environment_id", "environment_tag", "team", "tier", "service", "unblended_usd", "amortized_usd", "estimated");
        foreach (var f in facts)
        {
            var team = f.TeamId is { } id && teams.TryGetValue(id, out var slug) ? slug : "";
            csv.Row(f.Date, f.AccountId, f.EnvironmentId?.ToString() ?? "", f.EnvironmentTag, team, f.Tier?.Slug() ?? "", f.Service, f.UnblendedUsd, f.AmortizedUsd, f.Estimated ? "true" : "false");
        }

        return csv.ToString();
    }

    /// <summary>The team's id, or null when no team has the slug.</summary>
    public async Task<Guid?> FindTeamAsync(string slug, CancellationToken cancellationToken) =>
        (await _teamSlugs.IdsAsync([slug], cancellationToken)).TryGetValue(slug, out var id) ? id : null;

    private static IQueryable<CostDailyRollup> Rollups(PortalDbContext db, LifecycleActor actor, CostWindow window) =>
        CostSql.FilteredRollups(db, actor, new CostFilter(window.From, window.To, window.TeamId is { } team ? [team] : null), window.From, window.To);

    private static IQueryable<CostFact> Visible(PortalDbContext db, LifecycleActor actor, CostWindow window)
    {
        var facts = CostSql.Visible(db, actor, window.From, window.To);

        if (window.TeamId is { } teamId)
        {
            facts = facts.Where(f => f.TeamId == teamId);
        }

        if (window.EnvironmentId is { } environmentId)
        {
            facts = facts.Where(f => f.EnvironmentId == environmentId);
        }

        return facts;
    }

    private static decimal Usd(decimal amount) => CostSql.Usd(amount);
}

/// <summary>Days <see cref="From"/> to <see cref="To"/>, both inclusive, optionally one team's or one environment's.</summary>
public sealed record CostWindow(DateOnly From, DateOnly To, Guid? TeamId = null, Guid? EnvironmentId = null);

public enum CostGroupBy
{
    Team,
    Tier,
    Service,
    Environment,
    Account,
}

/// <summary><c>GET /api/v1/costs/summary</c>: the window's total and its split, largest first.</summary>
public sealed record CostSummary(string Currency, decimal TotalUsd, IReadOnlyList<CostGroup> Groups);

public sealed record CostGroup(string Key, decimal AmountUsd);

/// <summary><c>GET /api/v1/costs/daily</c>: one entry per day of the window, zero where nothing was spent.</summary>
public sealed record DailyCosts(string Currency, decimal TotalUsd, IReadOnlyList<DailyCost> Days);

public sealed record DailyCost(DateOnly Date, decimal AmountUsd);
