using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Costs;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Features.Costs.Budgets;

/// <summary>
/// Budgets, forecasts and anomalies for the budgets page and <c>/api/v1/budgets</c>, <c>/api/v1/costs/anomalies</c>.
/// Every figure comes from <see cref="CostForecasts"/>, the computation the lifecycle's auto-approval also uses.
/// Developers see their teams only (and no organisation line); finance, platform engineers and admins see everything.
/// </summary>
public sealed class BudgetService(IDbContextFactory<PortalDbContext> contextFactory, CostForecasts forecasts, BudgetAlerts alerts, TimeProvider time)
{
    /// <summary>The reserved <c>{team}</c> of <c>PUT /api/v1/budgets/{team}</c> for the organisation's total (no team slug starts with '_').</summary>
    public const string OrganisationKey = "_organisation";

    public async Task<BudgetOverview> ReadAsync(LifecycleActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var now = time.GetUtcNow();
        var month = MonthPosition.At(now);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var teams = (await db.Teams.AsNoTracking().Select(t => new { t.Id, t.Slug, t.Name, t.MonthlyBudgetUsd }).ToListAsync(cancellationToken))
            .Where(t => actor.CanSee(t.Id)).OrderBy(t => t.Slug, StringComparer.Ordinal).ToList();
        var raised = (await db.BudgetAlerts.AsNoTracking().Where(a => a.Month == month.Month).Select(a => new { a.Scope, a.Kind }).ToListAsync(cancellationToken))
            .ToLookup(a => a.Scope, a => a.Kind);
        var teamForecasts = await forecasts.ForTeamsAsync([.. teams.Select(t => t.Id)], now, cancellationToken);
        var lines = teams.Select(t => Line(t.Slug, t.Name, t.MonthlyBudgetUsd, teamForecasts[t.Id], raised[BudgetAlert.TeamScope(t.Id)])).ToList();

        BudgetLine? organisation = null;
        if (actor.SeesAllTeams)
        {
            var set = await db.OrganisationBudgets.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
            var forecast = await forecasts.ForOrganisationAsync(now, cancellationToken);
            var budget = set?.MonthlyBudgetUsd ?? 0m;
            organisation = Line(OrganisationKey, "Organisation", budget, forecast, raised[BudgetAlert.OrganisationScope]) with
            {
                BudgetSet = set is not null,
                TeamBudgetsTotalUsd = lines.Sum(l => l.BudgetUsd),

                // Without a total (none set, or 0) nothing is left or overspent: the page said "–" while the CSV wrote −forecast
                // (issue #15). Both now print this one figure. A team keeps budget − forecast: auto-approval reads it as "no budget left".
                RemainingUsd = budget > 0 ? budget - forecast.ForecastUsd : null,
            };
        }

        return new BudgetOverview(CostQueries.Currency, month.Month.ToString("yyyy-MM", CultureInfo.InvariantCulture), now, decimal.Round(month.RemainingDays, 2), month.DaysInMonth, organisation, lines);
    }

    /// <summary>Sets a team's (slug) or the organisation's (<see cref="OrganisationKey"/>) monthly budget; audited; alerts re-evaluated.</summary>
    public async Task<BudgetLine> SetAsync(LifecycleActor actor, string key, decimal monthlyUsd, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (OrganisationBudget.ValidateAmount(monthlyUsd) is { } error)
        {
            throw new DomainValidationException("monthlyUsd", error);
        }

        var now = time.GetUtcNow();
        var auditor = new AuditActor(actor.UserId, actor.Name);
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            if (key == OrganisationKey)
            {
                var budget = await db.OrganisationBudgets.SingleOrDefaultAsync(cancellationToken);
                var before = budget?.MonthlyBudgetUsd;
                if (budget is null)
                {
                    db.OrganisationBudgets.Add(OrganisationBudget.Create(monthlyUsd, now));
                }
                else
                {
                    budget.Set(monthlyUsd, now);
                }

                db.Audit(now, auditor, "budget.updated", "organisation", OrganisationKey, new { before, after = monthlyUsd });
            }
            else
            {
                var team = await db.Teams.SingleOrDefaultAsync(t => t.Slug == key, cancellationToken)
                    ?? throw new CostNotFoundException($"There is no team '{key}'.");
                var before = team.MonthlyBudgetUsd;
                team.Update(team.Name, team.CostCenter, monthlyUsd, now);
                db.Audit(now, auditor, "budget.updated", "team", team.Slug, new { before, after = monthlyUsd });
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        // A lower budget may cross a threshold at once; the alert goes out now rather than at the next ingestion.
        await alerts.EvaluateAsync(now, cancellationToken);
        var overview = await ReadAsync(actor, cancellationToken);
        return key == OrganisationKey ? overview.Organisation! : overview.Teams.Single(t => t.Team == key);
    }

    public async Task<IReadOnlyList<AnomalyItem>> AnomaliesAsync(LifecycleActor actor, AnomalyFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var query = db.CostAnomalies.AsNoTracking().Where(a => a.Date >= filter.From && a.Date <= filter.To);
        if (!actor.SeesAllTeams)
        {
            var mine = actor.TeamIds.ToList();
            query = query.Where(a => mine.Contains(a.TeamId));
        }

        if (filter.TeamId is { } teamId)
        {
            query = query.Where(a => a.TeamId == teamId);
        }

        if (filter.Acknowledged is { } acknowledged)
        {
            query = acknowledged ? query.Where(a => a.AcknowledgedAt != null) : query.Where(a => a.AcknowledgedAt == null);
        }

        var anomalies = await query.OrderByDescending(a => a.Date).ThenBy(a => a.Scope).Take(1000).ToListAsync(cancellationToken);
        return await ItemsAsync(db, anomalies, cancellationToken);
    }

    /// <summary>Acknowledges an anomaly the caller can see: finance and admins any, others their teams'.</summary>
    public async Task<AnomalyItem> AcknowledgeAsync(LifecycleActor actor, bool isFinanceOrAdmin, Guid id, string? note, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var now = time.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var anomaly = await db.CostAnomalies.SingleOrDefaultAsync(a => a.Id == id, cancellationToken);
        if (anomaly is null || !actor.CanSee(anomaly.TeamId))
        {
            throw new CostNotFoundException($"There is no cost anomaly {id}.");
        }

        if (!isFinanceOrAdmin && !actor.IsMemberOf(anomaly.TeamId))
        {
            throw new CostForbiddenException("Only finance, an admin or a member of the anomaly's team may acknowledge it.");
        }

        if (CostAnomaly.ValidateNote(note) is { } error)
        {
            throw new DomainValidationException("note", error);
        }

        if (anomaly.IsAcknowledged)
        {
            throw new CostConflictException($"This anomaly was already acknowledged by {anomaly.AcknowledgedByName} at {anomaly.AcknowledgedAt:yyyy-MM-dd HH:mm} UTC.");
        }

        anomaly.Acknowledge(actor.UserId, actor.Name, note, now);
        db.Audit(now, new AuditActor(actor.UserId, actor.Name), "cost.anomaly-acknowledged", "cost-anomaly", anomaly.Id.ToString(), new { anomaly.Scope, date = anomaly.Date, note = anomaly.AcknowledgementNote });
        await db.SaveChangesAsync(cancellationToken);
        return (await ItemsAsync(db, [anomaly], cancellationToken))[0];
    }

    /// <summary>The budget table as CSV (RFC 4180, header row first): organisation line (when visible), then each team.</summary>
    public static string ToCsv(BudgetOverview overview)
    {
        ArgumentNullException.ThrowIfNull(overview);
        var csv = new StringBuilder("month,scope,name,budget_usd,month_to_date_usd,forecast_usd,remaining_usd,percent_used,alert_state\r\n");
        foreach (var line in (overview.Organisation is { } o ? [o] : Array.Empty<BudgetLine>()).Concat(overview.Teams))
        {
            csv.Append(CultureInfo.InvariantCulture,
                $"{overview.Month},{CostCsv.Cell(line.Team)},{CostCsv.Cell(line.Name)},{line.BudgetUsd:0.00},{line.MonthToDateUsd:0.00},{line.ForecastUsd:0.00},{line.RemainingUsd?.ToString("0.00", CultureInfo.InvariantCulture)},{line.PercentUsed?.ToString("0.0", CultureInfo.InvariantCulture)},{line.AlertState}\r\n");
        }

        return csv.ToString();
    }

    private static BudgetLine Line(string key, string name, decimal budget, CostForecast forecast, IEnumerable<BudgetAlertKind> raised) => new(
        key,
        name,
        budget,
        forecast.MonthToDateUsd,
        forecast.ForecastUsd,
        budget - forecast.ForecastUsd,
        budget > 0 ? decimal.Round(forecast.MonthToDateUsd / budget * 100m, 1) : null,
        BudgetAlertRules.State(budget, forecast.MonthToDateUsd, forecast.ForecastUsd).ToString(),
        [.. raised.Order().Select(k => k.ToString())],
        new ForecastBasis(forecast.MonthToDateUsd, forecast.RemainingEstimatesUsd, decimal.Round(forecast.Position.RemainingDays, 2), forecast.Position.DaysInMonth,
            [.. forecast.Estimates.Select(e => new ForecastEnvironment(e.EnvironmentId, e.Name, e.Status.ToString(), e.MonthlyEstimateUsd, e.RemainingUsd))]));

    private static async Task<IReadOnlyList<AnomalyItem>> ItemsAsync(PortalDbContext db, IReadOnlyList<CostAnomaly> anomalies, CancellationToken cancellationToken)
    {
        var teamIds = anomalies.Select(a => a.TeamId).Distinct().ToList();
        var environmentIds = anomalies.Where(a => a.EnvironmentId is not null).Select(a => a.EnvironmentId!.Value).Distinct().ToList();
        var teams = await db.Teams.AsNoTracking().Where(t => teamIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Slug, cancellationToken);
        var environments = await db.Environments.AsNoTracking().Where(e => environmentIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, e => e.Name, cancellationToken);
        return [.. anomalies.Select(a => new AnomalyItem(
            a.Id,
            a.EnvironmentId is null ? "team" : "environment",
            a.TeamId,
            teams.GetValueOrDefault(a.TeamId, ""),
            a.EnvironmentId,
            a.EnvironmentId is { } e ? environments.GetValueOrDefault(e) : null,
            a.Date,
            a.AmountUsd,
            a.MeanUsd,
            a.StdDevUsd,
            a.HistoryDays,
            a.DetectedAt,
            a.AcknowledgedAt is { } at ? new AnomalyAcknowledgement(a.AcknowledgedByName ?? "", at, a.AcknowledgementNote ?? "") : null))];
    }
}

/// <summary><c>GET /api/v1/budgets</c>: this month's budget lines (the organisation's only for finance, platform engineers and admins).</summary>
public sealed record BudgetOverview(string Currency, string Month, DateTimeOffset AsOf, decimal RemainingDays, int DaysInMonth, BudgetLine? Organisation, IReadOnlyList<BudgetLine> Teams);

/// <summary>
/// One budget: <see cref="ForecastUsd"/> = month-to-date actual + running environments' estimates for the rest of the month
/// (<see cref="Basis"/>); <see cref="RemainingUsd"/> = budget − forecast (the figure auto-approval uses);
/// <see cref="PercentUsed"/> = actual ÷ budget (null without a budget); the organisation's <see cref="RemainingUsd"/> is null without a total. <see cref="Team"/> is the slug, or <c>_organisation</c>.
/// </summary>
public sealed record BudgetLine(
    string Team,
    string Name,
    decimal BudgetUsd,
    decimal MonthToDateUsd,
    decimal ForecastUsd,
    decimal? RemainingUsd,
    decimal? PercentUsed,
    string AlertState,
    IReadOnlyList<string> AlertsRaised,
    ForecastBasis Basis)
{
    /// <summary>Organisation line only: whether a total was set (otherwise <see cref="BudgetUsd"/> is 0 and no organisation alerts go out).</summary>
    public bool? BudgetSet { get; init; }

    /// <summary>Organisation line only: the sum of the team budgets, for comparison.</summary>
    public decimal? TeamBudgetsTotalUsd { get; init; }
}

/// <summary>How a forecast was made.</summary>
public sealed record ForecastBasis(decimal MonthToDateUsd, decimal RemainingEstimatesUsd, decimal RemainingDays, int DaysInMonth, IReadOnlyList<ForecastEnvironment> Environments);

public sealed record ForecastEnvironment(Guid EnvironmentId, string Name, string Status, decimal MonthlyEstimateUsd, decimal RemainingUsd);

public sealed record AnomalyFilter(DateOnly From, DateOnly To, Guid? TeamId, bool? Acknowledged);

/// <summary>A cost anomaly: a team's or an environment's day above its trailing mean (see the Costs README).</summary>
public sealed record AnomalyItem(
    Guid Id,
    string Scope,
    Guid TeamId,
    string Team,
    Guid? EnvironmentId,
    string? EnvironmentName,
    DateOnly Date,
    decimal AmountUsd,
    decimal MeanUsd,
    decimal StdDevUsd,
    int HistoryDays,
    DateTimeOffset DetectedAt,
    AnomalyAcknowledgement? Acknowledged);

public sealed record AnomalyAcknowledgement(string By, DateTimeOffset At, string Note);

/// <summary><c>PUT /api/v1/budgets/{team}</c>'s body.</summary>
public sealed record BudgetUpdate(decimal? MonthlyUsd);

/// <summary><c>POST /api/v1/costs/anomalies/{id}/acknowledge</c>'s body.</summary>
public sealed record AnomalyAcknowledge(string? Note);

/// <summary>No such team or anomaly, or not one the caller may see (404).</summary>
public sealed class CostNotFoundException(string message) : Exception(message);

/// <summary>The caller sees it but may not change it (403).</summary>
public sealed class CostForbiddenException(string message) : Exception(message);

/// <summary>Already done (409): an anomaly is acknowledged once.</summary>
public sealed class CostConflictException(string message) : Exception(message);
