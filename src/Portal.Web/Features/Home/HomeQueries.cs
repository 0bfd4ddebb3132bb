using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Web.Features.Home;

/// <summary>
/// What the home page shows each role, read-only and small (a handful of rows each). Dates are filtered and ordered in
/// memory or by the time-ordered ids: SQLite cannot compare or sort DateTimeOffset columns.
/// </summary>
public sealed class HomeQueries(IDbContextFactory<PortalDbContext> contextFactory, TimeProvider timeProvider)
{
    private const int Rows = 6;

    private static readonly RequestStatus[] OpenRequest = [RequestStatus.PendingApproval, RequestStatus.Approved];

    /// <summary>A developer's environments (theirs and their teams') with this month's cost, and their open requests.</summary>
    public async Task<DeveloperHome> DeveloperAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var teamIds = await db.TeamMemberships.Where(m => m.UserId == userId).Select(m => m.TeamId).ToListAsync(cancellationToken);
        var teams = await db.Teams.AsNoTracking().ToDictionaryAsync(t => t.Id, t => t.Slug, cancellationToken);
        var environments = await db.Environments.AsNoTracking()
            .Where(e => e.Status != EnvironmentStatus.Destroyed && (e.OwnerId == userId || teamIds.Contains(e.TeamId)))
            .OrderByDescending(e => e.Id)
            .Select(e => new { e.Id, e.Name, e.TeamId, e.Tier, e.Status, e.ExpiresAt, e.OwnerId, e.MonthlyEstimateUsd })
            .ToListAsync(cancellationToken);
        var month = MonthStart();
        var ids = environments.Select(e => e.Id).ToList();
        var costs = (await db.CostEnvironmentMonths.AsNoTracking()
                .Where(c => c.Month == month && ids.Contains(c.EnvironmentId))
                .Select(c => new { c.EnvironmentId, c.UnblendedUsd })
                .ToListAsync(cancellationToken))
            .GroupBy(c => c.EnvironmentId)
            .ToDictionary(g => g.Key, g => g.Sum(c => c.UnblendedUsd));

        // Mine first, then failing, then soonest to expire.
        var rows = environments
            .Select(e => new HomeEnvironment(e.Id, e.Name, teams.GetValueOrDefault(e.TeamId, ""), e.Tier.Slug(), e.Status,
                costs.GetValueOrDefault(e.Id), e.MonthlyEstimateUsd, e.ExpiresAt, e.OwnerId == userId))
            .OrderByDescending(e => e.Mine)
            .ThenByDescending(e => e.Status == EnvironmentStatus.Failed)
            .ThenBy(e => e.ExpiresAt ?? DateTimeOffset.MaxValue)
            .ToList();

        var requests = await db.EnvironmentRequests.AsNoTracking()
            .Where(r => r.RequesterId == userId && OpenRequest.Contains(r.Status))
            .OrderByDescending(r => r.Id)
            .Take(Rows)
            .Select(r => new
            {
                r.Id, r.Kind, r.EnvironmentName, r.TeamId, r.Tier, r.Status, r.ApprovalsRequired, r.CreatedAt, r.EstimateMonthlyUsd,
                // Approvals is computed from the loaded decisions, so a projection counts them itself.
                Approvals = db.RequestDecisions.Count(d => d.RequestId == r.Id && d.Verdict == DecisionVerdict.Approve),
            })
            .ToListAsync(cancellationToken);
        return new DeveloperHome(
            [.. rows.Take(Rows)],
            rows.Count,
            rows.Sum(e => e.MonthToDateUsd),
            [.. requests.Select(r => new HomeRequest(r.Id, Kind(r.Kind), r.EnvironmentName, teams.GetValueOrDefault(r.TeamId, ""), r.Tier.Slug(),
                r.Status, r.Approvals, r.ApprovalsRequired, r.CreatedAt, r.EstimateMonthlyUsd))]);
    }

    /// <summary>What waits for a platform engineer's decision (not their own, not already approved by them) and what is failing.</summary>
    public async Task<EngineerHome> EngineerAsync(Guid userId, CancellationToken cancellationToken) =>
        (await EngineersAsync(cancellationToken)).For(userId);

    /// <summary>
    /// Every engineer's Home at once (each pending request with its requester and deciders): live Home cards share one read per
    /// change for the node (<c>LiveReads</c>) and take their own part with <see cref="EngineersHome.For"/>.
    /// </summary>
    public async Task<EngineersHome> EngineersAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var teams = await db.Teams.AsNoTracking().ToDictionaryAsync(t => t.Id, t => t.Slug, cancellationToken);
        var pending = await db.EnvironmentRequests.AsNoTracking()
            .Where(r => r.Status == RequestStatus.PendingApproval)
            .OrderBy(r => r.Id)
            .Select(r => new
            {
                r.Id, r.Kind, r.EnvironmentName, r.TeamId, r.Tier, r.Status, r.ApprovalsRequired, r.CreatedAt, r.EstimateMonthlyUsd, r.RequesterId,
                // Approvals is computed from the loaded decisions, so a projection counts them itself.
                Approvals = db.RequestDecisions.Count(d => d.RequestId == r.Id && d.Verdict == DecisionVerdict.Approve),
            })
            .ToListAsync(cancellationToken);
        var pendingIds = pending.Select(r => r.Id).ToList();
        var deciders = (await db.RequestDecisions.AsNoTracking().Where(d => pendingIds.Contains(d.RequestId))
                .Select(d => new { d.RequestId, d.DeciderId }).ToListAsync(cancellationToken))
            .ToLookup(d => d.RequestId, d => d.DeciderId);
        var failing = await db.Environments.AsNoTracking()
            .Where(e => e.Status == EnvironmentStatus.Failed)
            .OrderByDescending(e => e.Id)
            .Select(e => new { e.Id, e.Name, e.TeamId, e.Tier, e.FailureReason, e.UpdatedAt })
            .ToListAsync(cancellationToken);
        var failedRequests = await db.EnvironmentRequests.AsNoTracking()
            .Where(r => r.Status == RequestStatus.Failed)
            .CountAsync(cancellationToken);
        return new EngineersHome(
            [.. pending.Select(r => new EngineersHome.Pending(
                new HomeRequest(r.Id, Kind(r.Kind), r.EnvironmentName, teams.GetValueOrDefault(r.TeamId, ""), r.Tier.Slug(), r.Status, r.Approvals,
                    r.ApprovalsRequired, r.CreatedAt, r.EstimateMonthlyUsd),
                r.RequesterId,
                [.. deciders[r.Id]]))],
            [.. failing.Take(Rows).Select(e => new HomeFailure(e.Id, e.Name, teams.GetValueOrDefault(e.TeamId, ""), e.Tier.Slug(), e.FailureReason, e.UpdatedAt))],
            failing.Count,
            failedRequests,
            Rows);
    }

    /// <summary>This month's spend against the organisation's and each team's budget, and anomalies nobody acknowledged yet.</summary>
    public async Task<FinanceHome> FinanceAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var month = MonthStart();
        var teams = await db.Teams.AsNoTracking().Select(t => new { t.Id, t.Slug, t.Name, t.MonthlyBudgetUsd }).ToListAsync(cancellationToken);
        var spend = (await db.CostEnvironmentMonths.AsNoTracking().Where(c => c.Month == month)
                .Select(c => new { c.TeamId, c.UnblendedUsd }).ToListAsync(cancellationToken))
            .GroupBy(c => c.TeamId)
            .ToDictionary(g => g.Key, g => g.Sum(c => c.UnblendedUsd));
        var organisationBudget = await db.OrganisationBudgets.AsNoTracking().Where(b => b.Id == OrganisationBudget.SingletonId).Select(b => (decimal?)b.MonthlyBudgetUsd).FirstOrDefaultAsync(cancellationToken);
        var anomalies = await db.CostAnomalies.AsNoTracking()
            .Where(a => a.AcknowledgedAt == null)
            .Select(a => new { a.Id, a.TeamId, a.EnvironmentId, a.Scope, a.Date, a.AmountUsd, a.MeanUsd })
            .ToListAsync(cancellationToken);
        var environmentIds = anomalies.Where(a => a.EnvironmentId is not null).Select(a => a.EnvironmentId!.Value).Distinct().ToList();
        var environmentNames = await db.Environments.AsNoTracking().Where(e => environmentIds.Contains(e.Id))
            .ToDictionaryAsync(e => e.Id, e => e.Name, cancellationToken);
        var slugs = teams.ToDictionary(t => t.Id, t => t.Slug);
        var lines = teams
            .Select(t => new HomeBudget(t.Slug, t.Name, spend.GetValueOrDefault(t.Id), t.MonthlyBudgetUsd))
            .OrderByDescending(b => b.BudgetUsd > 0 ? b.SpentUsd / b.BudgetUsd : 0)
            .ThenBy(b => b.Slug, StringComparer.Ordinal)
            .ToList();
        var totalBudget = organisationBudget is > 0 ? organisationBudget.Value : teams.Sum(t => t.MonthlyBudgetUsd);
        return new FinanceHome(
            month,
            spend.Values.Sum(),
            totalBudget,
            organisationBudget is > 0,
            lines,
            [.. anomalies.OrderByDescending(a => a.Date).ThenByDescending(a => a.AmountUsd - a.MeanUsd).Take(Rows)
                .Select(a => new HomeAnomaly(a.Id, slugs.GetValueOrDefault(a.TeamId, ""), a.EnvironmentId is { } id ? environmentNames.GetValueOrDefault(id) : null,
                    a.Date, a.AmountUsd, a.MeanUsd))],
            anomalies.Count);
    }

    /// <summary>The system's health in a few figures: failing environments, stuck requests, the last cost ingestion, the newest audit entries.</summary>
    public async Task<AdminHome> AdminAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var statuses = (await db.Environments.AsNoTracking().Select(e => e.Status).ToListAsync(cancellationToken))
            .GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        var lastRun = await db.CostIngestionRuns.AsNoTracking().OrderByDescending(r => r.Id)
            .Select(r => new { r.Status, r.StartedAt, r.FinishedAt, r.Error })
            .FirstOrDefaultAsync(cancellationToken);
        var audit = await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Id).Take(Rows)
            .Select(e => new HomeAudit(e.OccurredAt, e.Actor, e.Action, e.TargetType, e.TargetId))
            .ToListAsync(cancellationToken);
        var pending = await db.EnvironmentRequests.CountAsync(r => r.Status == RequestStatus.PendingApproval, cancellationToken);
        var users = await db.Users.CountAsync(cancellationToken);
        var teams = await db.Teams.CountAsync(cancellationToken);
        int Count(params EnvironmentStatus[] s) => s.Sum(x => statuses.GetValueOrDefault(x));
        return new AdminHome(
            Count(EnvironmentStatus.Ready, EnvironmentStatus.Stopped),
            Count(EnvironmentStatus.Requested, EnvironmentStatus.Provisioning, EnvironmentStatus.Updating, EnvironmentStatus.Stopping,
                EnvironmentStatus.Starting, EnvironmentStatus.Destroying),
            Count(EnvironmentStatus.Failed),
            pending,
            users,
            teams,
            lastRun is null ? null : new HomeIngestion(lastRun.Status, lastRun.StartedAt, lastRun.FinishedAt, lastRun.Error),
            audit);
    }

    private DateOnly MonthStart()
    {
        var today = DateOnly.FromDateTime(timeProvider.GetUtcNow().UtcDateTime);
        return new DateOnly(today.Year, today.Month, 1);
    }

    private static string Kind(RequestKind kind) => kind switch
    {
        RequestKind.Create => "Create",
        RequestKind.Update => "Update",
        RequestKind.Destroy => "Destroy",
        RequestKind.ExtendTtl => "Extend",
        _ => kind.ToString(),
    };
}

public sealed record HomeEnvironment(Guid Id, string Name, string Team, string Tier, EnvironmentStatus Status, decimal MonthToDateUsd,
    decimal MonthlyEstimateUsd, DateTimeOffset? ExpiresAt, bool Mine);

public sealed record HomeRequest(Guid Id, string Kind, string EnvironmentName, string Team, string Tier, RequestStatus Status, int Approvals,
    int ApprovalsRequired, DateTimeOffset CreatedAt, decimal EstimateMonthlyUsd);

public sealed record DeveloperHome(IReadOnlyList<HomeEnvironment> Environments, int EnvironmentCount, decimal MonthToDateUsd, IReadOnlyList<HomeRequest> OpenRequests);

public sealed record HomeFailure(Guid Id, string Name, string Team, string Tier, string? Reason, DateTimeOffset Since);

public sealed record EngineerHome(IReadOnlyList<HomeRequest> Waiting, int WaitingCount, IReadOnlyList<HomeFailure> Failing, int FailingCount, int FailedRequests);

/// <summary>Every engineer's Home in one read: each pending request with who asked and who decided; <see cref="For"/> one engineer's part.</summary>
public sealed record EngineersHome(IReadOnlyList<EngineersHome.Pending> Requests, IReadOnlyList<HomeFailure> Failing, int FailingCount, int FailedRequests, int Rows)
{
    public EngineerHome For(Guid userId)
    {
        var waiting = Requests.Where(p => p.RequesterId != userId && !p.DeciderIds.Contains(userId)).Select(p => p.Request).ToList();
        return new EngineerHome([.. waiting.Take(Rows)], waiting.Count, Failing, FailingCount, FailedRequests);
    }

    public sealed record Pending(HomeRequest Request, Guid RequesterId, IReadOnlyList<Guid> DeciderIds);
}

public sealed record HomeBudget(string Slug, string Name, decimal SpentUsd, decimal BudgetUsd);

public sealed record HomeAnomaly(Guid Id, string Team, string? Environment, DateOnly Date, decimal AmountUsd, decimal MeanUsd);

public sealed record FinanceHome(DateOnly Month, decimal SpentUsd, decimal BudgetUsd, bool OrganisationBudgetSet, IReadOnlyList<HomeBudget> Teams,
    IReadOnlyList<HomeAnomaly> Anomalies, int AnomalyCount);

public sealed record HomeIngestion(CostIngestionStatus Status, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string? Error);

public sealed record HomeAudit(DateTimeOffset OccurredAt, string Actor, string Action, string TargetType, string TargetId);

public sealed record AdminHome(int Running, int InProgress, int Failed, int PendingRequests, int Users, int Teams, HomeIngestion? LastIngestion,
    IReadOnlyList<HomeAudit> RecentAudit);
