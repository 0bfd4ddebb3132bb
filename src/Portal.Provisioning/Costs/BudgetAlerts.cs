using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Costs;
using Portal.Provisioning.Lifecycle;
using Portal.Provisioning.Mail;

namespace Portal.Provisioning.Costs;

/// <summary>
/// Evaluates every team's budget and the organisation's against this month's actual spend and forecast
/// (<see cref="CostForecasts"/>) and raises the alerts <see cref="BudgetAlertRules"/> says are due: a
/// <see cref="BudgetAlert"/> row per kind (unique per scope, month and kind, so a rerun or a second node raises nothing
/// twice), in-app notifications to the team's members and every Finance user, and email when SMTP is configured.
/// Crossing several thresholds at once records each but notifies once, for the highest.
/// </summary>
public sealed partial class BudgetAlerts(
    IDbContextFactory<PortalDbContext> contextFactory,
    CostForecasts forecasts,
    PortalMailer mailer,
    TimeProvider timeProvider,
    ILogger<BudgetAlerts> logger)
{
    public const string NotificationKind = "budget.alert";

    public Task<IReadOnlyList<RaisedBudgetAlert>> EvaluateAsync(CancellationToken cancellationToken) => EvaluateAsync(timeProvider.GetUtcNow(), cancellationToken);

    public async Task<IReadOnlyList<RaisedBudgetAlert>> EvaluateAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var month = MonthPosition.At(now).Month;
        var scopes = new List<(string Scope, Guid? TeamId, string Name, decimal Budget)>();
        Dictionary<string, HashSet<BudgetAlertKind>> raised;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            // Filtered in memory: budgets are money (REAL on SQLite) and there are few teams.
            var teams = await db.Teams.AsNoTracking().Select(t => new { t.Id, t.Slug, t.MonthlyBudgetUsd }).ToListAsync(cancellationToken);
            scopes.AddRange(teams.Where(t => t.MonthlyBudgetUsd > 0).Select(t => (BudgetAlert.TeamScope(t.Id), (Guid?)t.Id, t.Slug, t.MonthlyBudgetUsd)));
            if (await db.OrganisationBudgets.AsNoTracking().SingleOrDefaultAsync(cancellationToken) is { MonthlyBudgetUsd: > 0 } organisation)
            {
                scopes.Add((BudgetAlert.OrganisationScope, null, "organisation", organisation.MonthlyBudgetUsd));
            }

            raised = (await db.BudgetAlerts.AsNoTracking().Where(a => a.Month == month).Select(a => new { a.Scope, a.Kind }).ToListAsync(cancellationToken))
                .GroupBy(a => a.Scope).ToDictionary(g => g.Key, g => g.Select(a => a.Kind).ToHashSet());
        }

        var teamForecasts = await forecasts.ForTeamsAsync([.. scopes.Where(s => s.TeamId is not null).Select(s => s.TeamId!.Value)], now, cancellationToken);
        var results = new List<RaisedBudgetAlert>();
        foreach (var scope in scopes)
        {
            var forecast = scope.TeamId is { } teamId ? teamForecasts[teamId] : await forecasts.ForOrganisationAsync(now, cancellationToken);
            var due = BudgetAlertRules.Due(scope.Budget, forecast.MonthToDateUsd, forecast.ForecastUsd, raised.GetValueOrDefault(scope.Scope) ?? []);
            if (due.Count > 0 && await RaiseAsync(scope.Scope, scope.TeamId, scope.Name, scope.Budget, forecast, due, now, cancellationToken) is { } result)
            {
                results.Add(result);
            }
        }

        return results;
    }

    private async Task<RaisedBudgetAlert?> RaiseAsync(
        string scope, Guid? teamId, string name, decimal budget, CostForecast forecast, IReadOnlyList<BudgetAlertKind> due, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var month = forecast.Position.Month;
        Raised? raised;
        try
        {
            // One evaluator per scope and month at a time (every node takes the same lock), so two nodes never insert the same
            // alerts and notifications in different orders (40P01) and the second finds the first's alerts and raises nothing.
            raised = await SerializedWork.RunAsync(
                contextFactory,
                $"budget-alert:{scope}:{month:yyyy-MM}",
                (db, token) => RecordAsync(db, scope, teamId, name, budget, forecast, due, now, token),
                cancellationToken);
        }
        catch (DbUpdateException e)
        {
            // Another node running without the lock raised these first: the unique (scope, month, kind) index holds them once.
            LogAlreadyRaised(e.InnerException?.Message ?? e.Message, scope);
            return null;
        }

        if (raised is null)
        {
            LogAlreadyRaised("found raised under the lock", scope);
            return null;
        }

        var emailed = false;
        foreach (var (_, title, body) in raised.Messages)
        {
            emailed |= await mailer.SendAsync([.. raised.Recipients.Select(r => r.Email)], $"[Portal] {title}", body + "\n\nSee /costs/budgets in the portal.", cancellationToken);
        }

        LogRaised(scope, string.Join(", ", raised.Kinds), raised.Recipients.Count);
        return new RaisedBudgetAlert(scope, name, raised.Kinds, raised.Notified, raised.Recipients.Count, emailed);
    }

    private static async Task<Raised?> RecordAsync(
        PortalDbContext db, string scope, Guid? teamId, string name, decimal budget, CostForecast forecast, IReadOnlyList<BudgetAlertKind> candidates, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var month = forecast.Position.Month;
        var already = await db.BudgetAlerts.Where(a => a.Scope == scope && a.Month == month).Select(a => a.Kind).ToListAsync(cancellationToken);
        var due = candidates.Except(already).ToList();
        if (due.Count == 0)
        {
            return null;
        }

        foreach (var kind in due)
        {
            db.BudgetAlerts.Add(BudgetAlert.Raise(scope, teamId, month, kind, budget, forecast.MonthToDateUsd, forecast.ForecastUsd, now));
        }

        // One notification for the highest actual threshold crossed (50, 80 and 100 at once is one message), one for the forecast.
        var notified = new List<BudgetAlertKind>();
        if (due.Where(k => k != BudgetAlertKind.ForecastOver).DefaultIfEmpty(BudgetAlertKind.ForecastOver).Max() is var highest && highest != BudgetAlertKind.ForecastOver)
        {
            notified.Add(highest);
        }

        if (due.Contains(BudgetAlertKind.ForecastOver))
        {
            notified.Add(BudgetAlertKind.ForecastOver);
        }

        var recipients = await CostRecipients.ForAsync(db, teamId, cancellationToken);
        var messages = notified.Select(kind => (Kind: kind, Title: Title(name, kind), Body: Body(budget, forecast))).ToList();
        foreach (var (kind, title, body) in messages)
        {
            foreach (var (userId, _) in recipients)
            {
                Notifications.Add(db, userId, NotificationKind, title, body, "costs/budgets", DedupeKey(scope, month, kind), now);
            }
        }

        db.Audit(now, AuditActor.System, "budget.alert-raised", "budget", name,
            new { month = month.ToString("yyyy-MM", CultureInfo.InvariantCulture), kinds = due.Select(k => k.ToString()), budget, actual = forecast.MonthToDateUsd, forecast = forecast.ForecastUsd });
        await db.SaveChangesAsync(cancellationToken);
        return new Raised(due, notified, [.. recipients.Select(r => (r.UserId, r.Email))], [.. messages.Select(m => (m.Kind, m.Title, m.Body))]);
    }

    public static string DedupeKey(string scope, DateOnly month, BudgetAlertKind kind) =>
        $"budget:{scope}:{month:yyyy-MM}:{kind}";

    private static string Title(string name, BudgetAlertKind kind) => $"Budget {name}: {BudgetAlertRules.Describe(kind)}";

    private static string Body(decimal budget, CostForecast forecast) => string.Create(CultureInfo.InvariantCulture,
        $"Month-to-date spend ${forecast.MonthToDateUsd:N2} of the ${budget:N2} monthly budget ({(budget == 0 ? 0 : forecast.MonthToDateUsd / budget):P0}); " +
        $"month-end forecast ${forecast.ForecastUsd:N2} (actual plus running environments' estimates for the {forecast.Position.RemainingDays:0.#} days left).");

    private sealed record Raised(
        IReadOnlyList<BudgetAlertKind> Kinds, IReadOnlyList<BudgetAlertKind> Notified, IReadOnlyList<(Guid UserId, string Email)> Recipients,
        IReadOnlyList<(BudgetAlertKind Kind, string Title, string Body)> Messages);

    [LoggerMessage(Level = LogLevel.Information, Message = "Budget alert for {Scope}: {Kinds}; {Recipients} recipient(s) notified")]
    private partial void LogRaised(string scope, string kinds, int recipients);

    [LoggerMessage(Level = LogLevel.Information, Message = "Budget alerts for {Scope} were already raised elsewhere: {Reason}")]
    private partial void LogAlreadyRaised(string reason, string scope);
}

/// <summary>Alerts raised for one scope by one evaluation: every kind recorded, the kinds notified, and to how many users.</summary>
public sealed record RaisedBudgetAlert(string Scope, string Name, IReadOnlyList<BudgetAlertKind> Kinds, IReadOnlyList<BudgetAlertKind> Notified, int Recipients, bool Emailed);
