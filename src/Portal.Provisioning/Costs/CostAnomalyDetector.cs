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
/// The anomaly rule: a day's cost is anomalous when it exceeds the trailing window's mean by more than
/// <see cref="Sigmas"/> (population) standard deviations AND by more than <see cref="MinExcessUsd"/>. Both strictly: a
/// day exactly at either threshold is not flagged. A scope needs <see cref="MinHistoryDays"/> days of history.
/// </summary>
public static class AnomalyRule
{
    public const int WindowDays = 14;
    public const int MinHistoryDays = 7;
    public const decimal Sigmas = 3m;
    public const decimal MinExcessUsd = 20m;

    /// <summary>Null when <paramref name="history"/> has fewer than <see cref="MinHistoryDays"/> days; else the verdict with its figures.</summary>
    public static AnomalyVerdict? Evaluate(decimal amountUsd, IReadOnlyList<decimal> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count < MinHistoryDays)
        {
            return null;
        }

        var mean = history.Average();
        var variance = history.Sum(h => (h - mean) * (h - mean)) / history.Count;
        var stdDev = (decimal)Math.Sqrt((double)variance);
        var excess = amountUsd - mean;
        return new AnomalyVerdict(excess > Sigmas * stdDev && excess > MinExcessUsd, mean, stdDev, history.Count);
    }
}

public sealed record AnomalyVerdict(bool IsAnomaly, decimal MeanUsd, decimal StdDevUsd, int HistoryDays);

/// <summary>
/// Finds anomalous days of each team and each environment (<see cref="AnomalyRule"/>) in ingested cost facts and records
/// them as <see cref="CostAnomaly"/> rows (unique per scope and day, so reruns and other nodes add nothing), each notified
/// to the team's members and every Finance user (and emailed when SMTP is configured).
/// </summary>
/// <remarks>
/// History is the <see cref="AnomalyRule.WindowDays"/> days before the day, counted from the scope's first day with cost
/// facts (days without facts after that count as $0); a scope with fewer than <see cref="AnomalyRule.MinHistoryDays"/>
/// such days is not judged, so a new environment's first days never alert. Unallocated spend has no team and is not judged.
/// </remarks>
public sealed partial class CostAnomalyDetector(
    IDbContextFactory<PortalDbContext> contextFactory,
    PortalMailer mailer,
    TimeProvider timeProvider,
    ILogger<CostAnomalyDetector> logger)
{
    public const string NotificationKind = "cost.anomaly";

    /// <summary>Days re-judged on every run: Cost Explorer restates recent days, and today is not complete.</summary>
    public const int RecentDays = 3;

    /// <summary>Judges the last <see cref="RecentDays"/> complete days (today is still billing).</summary>
    public Task<IReadOnlyList<CostAnomaly>> DetectRecentAsync(CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(timeProvider.GetUtcNow().UtcDateTime);
        return DetectAsync(today.AddDays(-RecentDays), today.AddDays(-1), cancellationToken);
    }

    public async Task<IReadOnlyList<CostAnomaly>> DetectAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var start = from.AddDays(-AnomalyRule.WindowDays);
        List<(Guid TeamId, Guid? EnvironmentId, DateOnly Date, decimal Amount)> rows;
        HashSet<(string, DateOnly)> known;
        Dictionary<Guid, string> teams;
        Dictionary<Guid, string> environments;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            var facts = db.CostFacts.AsNoTracking().Where(f => f.TeamId != null && f.Date >= start && f.Date <= to);
            if (db.Database.IsNpgsql())
            {
                rows = [.. (await facts.GroupBy(f => new { TeamId = f.TeamId!.Value, f.EnvironmentId, f.Date })
                        .Select(g => new { g.Key.TeamId, g.Key.EnvironmentId, g.Key.Date, Amount = g.Sum(f => f.UnblendedUsd) }).ToListAsync(cancellationToken))
                    .Select(r => (r.TeamId, r.EnvironmentId, r.Date, r.Amount))];
            }
            else
            {
                // SQLite cannot SUM a decimal: group in memory.
                rows = [.. (await facts.Select(f => new { TeamId = f.TeamId!.Value, f.EnvironmentId, f.Date, f.UnblendedUsd }).ToListAsync(cancellationToken))
                    .GroupBy(f => (f.TeamId, f.EnvironmentId, f.Date)).Select(g => (g.Key.TeamId, g.Key.EnvironmentId, g.Key.Date, g.Sum(f => f.UnblendedUsd)))];
            }

            known = [.. (await db.CostAnomalies.AsNoTracking().Where(a => a.Date >= from && a.Date <= to).Select(a => new { a.Scope, a.Date }).ToListAsync(cancellationToken))
                .Select(a => (a.Scope, a.Date))];
            teams = await db.Teams.AsNoTracking().ToDictionaryAsync(t => t.Id, t => t.Slug, cancellationToken);
            var environmentIds = rows.Where(r => r.EnvironmentId is not null).Select(r => r.EnvironmentId!.Value).Distinct().ToList();
            environments = await db.Environments.AsNoTracking().Where(e => environmentIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, e => e.Name, cancellationToken);
        }

        var found = new List<(Guid TeamId, Guid? EnvironmentId, DateOnly Date, decimal Amount, AnomalyVerdict Verdict)>();
        foreach (var team in rows.GroupBy(r => r.TeamId))
        {
            Judge(team.Key, null, team.GroupBy(r => r.Date).ToDictionary(g => g.Key, g => g.Sum(r => r.Amount)));
        }

        foreach (var environment in rows.Where(r => r.EnvironmentId is not null).GroupBy(r => r.EnvironmentId!.Value))
        {
            // The environment's team on the day judged (facts carry the team at their date).
            var byDate = environment.GroupBy(r => r.Date).ToDictionary(g => g.Key, g => g.Sum(r => r.Amount));
            var teamOn = environment.GroupBy(r => r.Date).ToDictionary(g => g.Key, g => g.First().TeamId);
            Judge(environment.OrderByDescending(r => r.Date).First().TeamId, environment.Key, byDate, teamOn);
        }

        var recorded = new List<CostAnomaly>();
        foreach (var (teamId, environmentId, date, amount, verdict) in found)
        {
            var scopeName = environmentId is { } id ? $"environment {environments.GetValueOrDefault(id, id.ToString())} ({teams.GetValueOrDefault(teamId, "?")})" : $"team {teams.GetValueOrDefault(teamId, "?")}";
            if (await RecordAsync(teamId, environmentId, date, amount, verdict, scopeName, cancellationToken) is { } anomaly)
            {
                recorded.Add(anomaly);
            }
        }

        return recorded;

        void Judge(Guid teamId, Guid? environmentId, Dictionary<DateOnly, decimal> byDate, Dictionary<DateOnly, Guid>? teamOn = null)
        {
            var firstSeen = byDate.Keys.Min();
            var scope = environmentId is { } id ? CostAnomaly.EnvironmentScope(id) : CostAnomaly.TeamScope(teamId);
            for (var day = from; day <= to; day = day.AddDays(1))
            {
                if (!byDate.TryGetValue(day, out var amount) || known.Contains((scope, day)))
                {
                    continue;
                }

                var history = new List<decimal>();
                for (var past = day.AddDays(-AnomalyRule.WindowDays); past < day; past = past.AddDays(1))
                {
                    if (past >= firstSeen)
                    {
                        history.Add(byDate.GetValueOrDefault(past));
                    }
                }

                if (AnomalyRule.Evaluate(amount, history) is { IsAnomaly: true } verdict)
                {
                    found.Add((teamOn?.GetValueOrDefault(day, teamId) ?? teamId, environmentId, day, amount, verdict));
                }
            }
        }
    }

    private async Task<CostAnomaly?> RecordAsync(Guid teamId, Guid? environmentId, DateOnly date, decimal amount, AnomalyVerdict verdict, string scopeName, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var anomaly = CostAnomaly.Detect(teamId, environmentId, date, amount, verdict.MeanUsd, verdict.StdDevUsd, verdict.HistoryDays, now);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        db.CostAnomalies.Add(anomaly);
        var recipients = await CostRecipients.ForAsync(db, teamId, cancellationToken);
        var title = $"Cost anomaly: {scopeName} on {date:yyyy-MM-dd}";
        var body = string.Create(CultureInfo.InvariantCulture,
            $"${anomaly.AmountUsd:N2} spent on {date:yyyy-MM-dd}, against a {verdict.HistoryDays}-day mean of ${anomaly.MeanUsd:N2} (standard deviation ${anomaly.StdDevUsd:N2}). Acknowledge it with a note on the budgets page.");
        foreach (var (userId, _) in recipients)
        {
            Notifications.Add(db, userId, NotificationKind, title, body, "costs/budgets", $"anomaly:{anomaly.Scope}:{date:yyyy-MM-dd}", now);
        }

        db.Audit(now, AuditActor.System, "cost.anomaly-detected", "cost-anomaly", anomaly.Id.ToString(),
            new { anomaly.Scope, date = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), anomaly.AmountUsd, anomaly.MeanUsd, anomaly.StdDevUsd });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e)
        {
            // Recorded by another node or run first: unique (scope, date).
            LogAlreadyRecorded(e.InnerException?.Message ?? e.Message, anomaly.Scope, date);
            return null;
        }

        await mailer.SendAsync([.. recipients.Select(r => r.Email)], $"[Portal] {title}", body, cancellationToken);
        LogDetected(anomaly.Scope, date, anomaly.AmountUsd, anomaly.MeanUsd);
        return anomaly;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cost anomaly for {Scope} on {Date}: {Amount} USD against a mean of {Mean} USD")]
    private partial void LogDetected(string scope, DateOnly date, decimal amount, decimal mean);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cost anomaly for {Scope} on {Date} was already recorded: {Reason}")]
    private partial void LogAlreadyRecorded(string reason, string scope, DateOnly date);
}
