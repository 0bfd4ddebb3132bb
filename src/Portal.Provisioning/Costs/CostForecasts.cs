using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Provisioning.Costs;

/// <summary>
/// Month-end forecasts: month-to-date actual spend (ingested cost facts, unblended) plus, for every running environment
/// (any status but Stopped, Destroyed and Failed), its monthly estimate times the part of the month still to come.
/// The one computation behind the budgets page, budget alerts and the lifecycle's budget-aware auto-approval
/// (<see cref="Lifecycle.TeamBudgetLedger"/>).
/// </summary>
public sealed class CostForecasts(IDbContextFactory<PortalDbContext> contextFactory)
{
    /// <summary>Statuses whose environments bill nothing more this month (a stopped environment's storage is ignored).</summary>
    public static readonly IReadOnlySet<EnvironmentStatus> NotRunning = new HashSet<EnvironmentStatus>
    {
        EnvironmentStatus.Stopped, EnvironmentStatus.Destroyed, EnvironmentStatus.Failed,
    };

    public async Task<CostForecast> ForTeamAsync(Guid teamId, DateTimeOffset now, CancellationToken cancellationToken) =>
        (await ForTeamsAsync([teamId], now, cancellationToken))[teamId];

    /// <summary>Every listed team's forecast (every team's when <paramref name="teamIds"/> is null), keyed by team id.</summary>
    public async Task<IReadOnlyDictionary<Guid, CostForecast>> ForTeamsAsync(IReadOnlyCollection<Guid>? teamIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var month = MonthPosition.At(now);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var ids = teamIds?.ToList() ?? await db.Teams.Select(t => t.Id).ToListAsync(cancellationToken);
        var facts = MonthToDate(db, month).Where(f => f.TeamId != null);
        var environments = Running(db);
        if (teamIds is not null)
        {
            facts = facts.Where(f => ids.Contains(f.TeamId!.Value));
            environments = environments.Where(e => ids.Contains(e.TeamId));
        }

        Dictionary<Guid, decimal> spent;
        if (db.Database.IsNpgsql())
        {
            spent = (await facts.GroupBy(f => f.TeamId!.Value).Select(g => new { g.Key, Amount = g.Sum(f => f.UnblendedUsd) }).ToListAsync(cancellationToken))
                .ToDictionary(g => g.Key, g => g.Amount);
        }
        else
        {
            // SQLite cannot SUM a decimal: group in memory.
            spent = (await facts.Select(f => new { TeamId = f.TeamId!.Value, f.UnblendedUsd }).ToListAsync(cancellationToken))
                .GroupBy(f => f.TeamId).ToDictionary(g => g.Key, g => g.Sum(f => f.UnblendedUsd));
        }

        // Expiries count as on the environment's own forecast: an environment expiring mid-month bills nothing after it.
        var running = (await environments.Select(e => new { e.TeamId, e.Id, e.Name, e.Status, e.MonthlyEstimateUsd, e.ExpiresAt }).ToListAsync(cancellationToken))
            .ToLookup(e => e.TeamId, e => new RunningEnvironment(e.Id, e.Name, e.Status, e.MonthlyEstimateUsd, e.ExpiresAt));
        return ids.Distinct().ToDictionary(id => id, id => CostForecast.Compute(month, spent.GetValueOrDefault(id), running[id]));
    }

    /// <summary>One environment's forecast: its own month-to-date spend plus its estimate for the rest of the month if running.</summary>
    public async Task<CostForecast?> ForEnvironmentAsync(Guid environmentId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var month = MonthPosition.At(now);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        // Its expiry counts here: an environment expiring on the 12th bills nothing after the 12th.
        var environment = await db.Environments.AsNoTracking().Where(e => e.Id == environmentId)
            .Select(e => new RunningEnvironment(e.Id, e.Name, e.Status, e.MonthlyEstimateUsd, e.ExpiresAt)).SingleOrDefaultAsync(cancellationToken);
        if (environment is null)
        {
            return null;
        }

        var spent = await CostSums.SumAsync(db, MonthToDate(db, month).Where(f => f.EnvironmentId == environmentId).Select(f => f.UnblendedUsd), cancellationToken);
        return CostForecast.Compute(month, spent, [environment]);
    }

    /// <summary>The organisation's forecast: every cost fact this month (unallocated spend included) plus every running environment.</summary>
    public async Task<CostForecast> ForOrganisationAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var month = MonthPosition.At(now);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var spent = await CostSums.SumAsync(db, MonthToDate(db, month).Select(f => f.UnblendedUsd), cancellationToken);
        var running = await Running(db)
            .Select(e => new RunningEnvironment(e.Id, e.Name, e.Status, e.MonthlyEstimateUsd, e.ExpiresAt)).ToListAsync(cancellationToken);
        return CostForecast.Compute(month, spent, running);
    }

    // Spelled out rather than NotRunning.Contains, so the status column's converter applies to plain comparisons.
    private static IQueryable<PortalEnvironment> Running(PortalDbContext db) => db.Environments.AsNoTracking()
        .Where(e => e.Status != EnvironmentStatus.Stopped && e.Status != EnvironmentStatus.Destroyed && e.Status != EnvironmentStatus.Failed);

    private static IQueryable<CostFact> MonthToDate(PortalDbContext db, MonthPosition month) =>
        db.CostFacts.AsNoTracking().Where(f => f.Date >= month.Month && f.Date <= month.Today);
}

/// <summary>Where <c>now</c> falls in its (UTC) month: the month's first day, today, the month's length and the days still to come.</summary>
/// <param name="Month">The month's first day.</param>
/// <param name="Today">Today (UTC); month-to-date spend counts facts up to and including today.</param>
/// <param name="DaysInMonth">The month's length.</param>
/// <param name="RemainingDays">Days (fractional) from now to the end of the month.</param>
public sealed record MonthPosition(DateOnly Month, DateOnly Today, int DaysInMonth, decimal RemainingDays)
{
    /// <summary>The part of the month still to come (0 to 1): a monthly estimate times this is what is left to bill.</summary>
    public decimal RemainingFraction => RemainingDays / DaysInMonth;

    /// <summary>The part of the month still to come before <paramref name="until"/> (0 to <see cref="RemainingFraction"/>); null means the whole rest.</summary>
    public decimal RemainingFractionUntil(DateTimeOffset? until)
    {
        if (until is not { } end)
        {
            return RemainingFraction;
        }

        var monthEnd = new DateTimeOffset(Month.AddMonths(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var now = monthEnd - TimeSpan.FromDays((double)RemainingDays);
        var days = (decimal)(end - now).TotalDays;
        return Math.Clamp(days, 0m, RemainingDays) / DaysInMonth;
    }

    public static MonthPosition At(DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        var start = new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var remaining = (decimal)(start.AddMonths(1) - now).TotalDays;
        return new MonthPosition(DateOnly.FromDateTime(start.UtcDateTime), DateOnly.FromDateTime(utc), DateTime.DaysInMonth(utc.Year, utc.Month), remaining);
    }
}

/// <summary>An environment counted in a forecast: its monthly estimate and the part still to bill this month.</summary>
public sealed record ForecastEstimate(Guid EnvironmentId, string Name, EnvironmentStatus Status, decimal MonthlyEstimateUsd, decimal RemainingUsd);

/// <summary>An environment as a forecast reads it; with <see cref="ExpiresAt"/>, it bills only until then.</summary>
public sealed record RunningEnvironment(Guid Id, string Name, EnvironmentStatus Status, decimal MonthlyEstimateUsd, DateTimeOffset? ExpiresAt = null);

/// <summary>
/// A month-end forecast with its basis: <see cref="ForecastUsd"/> = <see cref="MonthToDateUsd"/> +
/// <see cref="RemainingEstimatesUsd"/>, the latter being the running environments' monthly estimates times
/// <see cref="MonthPosition.RemainingFraction"/>.
/// </summary>
public sealed record CostForecast(MonthPosition Position, decimal MonthToDateUsd, decimal RemainingEstimatesUsd, IReadOnlyList<ForecastEstimate> Estimates)
{
    public decimal ForecastUsd => MonthToDateUsd + RemainingEstimatesUsd;

    /// <summary>
    /// The rule, on given figures: environments that are not running are left out; the remaining estimates are summed before
    /// rounding to cents, so a team's figure does not drift with its number of environments.
    /// </summary>
    public static CostForecast Compute(MonthPosition position, decimal monthToDateUsd, IEnumerable<RunningEnvironment> environments)
    {
        ArgumentNullException.ThrowIfNull(position);
        var running = environments.Where(e => !CostForecasts.NotRunning.Contains(e.Status)).ToList();
        var estimates = running
            .Select(e => new ForecastEstimate(e.Id, e.Name, e.Status, e.MonthlyEstimateUsd, Usd(e.MonthlyEstimateUsd * position.RemainingFractionUntil(e.ExpiresAt))))
            .OrderByDescending(e => e.MonthlyEstimateUsd).ThenBy(e => e.Name, StringComparer.Ordinal).ToList();
        return new CostForecast(position, Usd(monthToDateUsd), Usd(running.Sum(e => e.MonthlyEstimateUsd * position.RemainingFractionUntil(e.ExpiresAt))), estimates);
    }

    private static decimal Usd(decimal amount) => decimal.Round(amount, 2, MidpointRounding.AwayFromZero);
}
