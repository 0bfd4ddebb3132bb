using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Features.Requests;

/// <summary>
/// What the request and approval pages and the API read: lists (developers see their teams' requests, platform engineers,
/// finance and admins every team's), one request in full, the approval queue with budget impact, a requester's history.
/// Requests another team owns are "not found", never "forbidden", so their existence does not leak.
/// </summary>
public sealed class RequestQueries(IDbContextFactory<PortalDbContext> contextFactory, IBudgetLedger budgets, TimeProvider timeProvider)
{
    public const int MaxPageSize = 100;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<RequestList> ListAsync(LifecycleActor actor, RequestFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var query = Visible(db, actor);
        if (filter.Status is { } status)
        {
            query = query.Where(r => r.Status == status);
        }

        if (filter.Kind is { } kind)
        {
            query = query.Where(r => r.Kind == kind);
        }

        if (!string.IsNullOrWhiteSpace(filter.Team))
        {
            var teamId = await db.Teams.Where(t => t.Slug == filter.Team).Select(t => (Guid?)t.Id).SingleOrDefaultAsync(cancellationToken);
            query = query.Where(r => r.TeamId == teamId);
        }

        if (filter.RequesterId is { } requesterId)
        {
            query = query.Where(r => r.RequesterId == requesterId);
        }

        var total = await query.CountAsync(cancellationToken);
        var pageSize = Math.Clamp(filter.PageSize, 1, MaxPageSize);
        var skip = Math.Max(0, filter.Page - 1) * pageSize;

        var ordered = Order(query, filter);

        // The decisions come along: a request's approval count is its approving decisions (without them every count read 0).
        var rows = await ordered.Skip(skip).Take(pageSize).Include(r => r.Decisions).AsSplitQuery().ToListAsync(cancellationToken);
        return new RequestList(await SummariesAsync(db, rows, cancellationToken), total);
    }

    // Oldest first in the approval queue (who has waited longest), newest first elsewhere, unless the caller sorts; ties by id.
    // Ids are time-ordered (v7) and sort on SQLite, where DateTimeOffset columns do not.
    private static IQueryable<EnvironmentRequest> Order(IQueryable<EnvironmentRequest> query, RequestFilter filter)
    {
        var descending = filter.Descending ?? filter.Status != RequestStatus.PendingApproval;
        return (filter.SortBy, descending) switch
        {
            (RequestSort.Environment, false) => query.OrderBy(r => r.EnvironmentName).ThenByDescending(r => r.Id),
            (RequestSort.Environment, true) => query.OrderByDescending(r => r.EnvironmentName).ThenByDescending(r => r.Id),
            (RequestSort.Status, false) => query.OrderBy(r => r.Status).ThenByDescending(r => r.Id),
            (RequestSort.Status, true) => query.OrderByDescending(r => r.Status).ThenByDescending(r => r.Id),
            (RequestSort.Tier, false) => query.OrderBy(r => r.Tier).ThenByDescending(r => r.Id),
            (RequestSort.Tier, true) => query.OrderByDescending(r => r.Tier).ThenByDescending(r => r.Id),
            (_, false) => query.OrderBy(r => r.Id),
            (_, true) => query.OrderByDescending(r => r.Id),
        };
    }

    /// <summary>One request in full; <see cref="LifecycleNotFoundException"/> when it does not exist or belongs to a team the actor cannot see.</summary>
    public async Task<RequestView> GetAsync(LifecycleActor actor, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var request = await db.EnvironmentRequests.AsNoTracking().Include(r => r.Decisions).SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (request is null || !actor.CanSee(request.TeamId))
        {
            throw new LifecycleNotFoundException("request", id);
        }

        var userIds = request.Decisions.Select(d => d.DeciderId).Append(request.RequesterId).Distinct().ToList();
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, u => new PersonRef(u.Id, u.Email ?? "", u.DisplayName), cancellationToken);
        var team = await db.Teams.AsNoTracking().Where(t => t.Id == request.TeamId).Select(t => new TeamRef(t.Slug, t.Name)).SingleAsync(cancellationToken);
        // A pending request's environment whole, for the hold approving it would meet (changed or deleted outside the portal:
        // RequestWorkflow refuses the approval); any other request's, its status only.
        EnvironmentRef? environment = null;
        string? approvalHold = null;
        if (request.EnvironmentId is { } environmentId && request.Status == RequestStatus.PendingApproval)
        {
            var row = await db.Environments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == environmentId, cancellationToken);
            (environment, approvalHold) = row is null ? (null, null) : (new EnvironmentRef(row.Id, row.Name, row.Status), row.OutOfBandConflict(request.Kind));
        }
        else if (request.EnvironmentId is { } otherId)
        {
            environment = await db.Environments.AsNoTracking().Where(e => e.Id == otherId).Select(e => new EnvironmentRef(e.Id, e.Name, e.Status)).SingleOrDefaultAsync(cancellationToken);
        }

        var changes = request.ChangesJson is { } changesJson ? JsonSerializer.Deserialize<List<ChangeRow>>(changesJson, Json) ?? [] : null;
        return new RequestView(
            request.Id,
            KindName(request.Kind),
            request.Status,
            Person(users, request.RequesterId),
            team,
            request.EnvironmentName,
            request.TemplateSlug,
            request.TemplateVersion,
            request.Tier.Slug(),
            request.AccountId,
            request.Region,
            JsonSerializer.Deserialize<Dictionary<string, string>>(request.ParametersJson, Json) ?? [],
            request.Justification,
            request.TtlHours,
            request.EstimateMonthlyUsd,
            request.EstimateMonthlyMaxUsd ?? request.EstimateMonthlyUsd,
            JsonSerializer.Deserialize<List<EstimateLineView>>(request.EstimateLineItemsJson, Json) ?? [],
            new DecisionSummary(request.PolicyOutcome, request.PolicyReason),
            [.. request.Decisions.OrderBy(d => d.DecidedAt).Select(d => new DecisionView(Person(users, d.DeciderId), d.Verdict, d.Comment, d.DecidedAt))],
            request.Approvals,
            request.ApprovalsRequired,
            changes,
            request.PreviousEstimateMonthlyUsd,
            request.PreviousEstimateMonthlyUsd is { } previous ? request.EstimateMonthlyUsd - previous : null,
            request.EnvironmentId,
            environment?.Status,
            request.FailureReason,
            request.CreatedAt,
            request.DecidedAt,
            request.CompletedAt)
        {
            ApprovalHold = approvalHold,
        };
    }

    /// <summary>Pending requests, oldest first, each with its team's budget position (what approving would leave).</summary>
    public async Task<IReadOnlyList<QueueItem>> QueueAsync(LifecycleActor actor, CancellationToken cancellationToken) =>
        (await QueuePageAsync(actor, 1, MaxPageSize, RequestSort.Created, null, cancellationToken)).Items;

    /// <summary>One page of the approval queue (oldest first unless sorted otherwise), with how many wait in all.</summary>
    public async Task<QueuePage> QueuePageAsync(
        LifecycleActor actor, int page, int pageSize, RequestSort sortBy, bool? descending, CancellationToken cancellationToken)
    {
        var list = await ListAsync(
            actor, new RequestFilter(Status: RequestStatus.PendingApproval, Page: page, PageSize: pageSize, SortBy: sortBy, Descending: descending), cancellationToken);
        return new QueuePage(await WithBudgetsAsync(list.Items, cancellationToken), list.Total);
    }

    /// <summary>The environment's parameters as they are now (what an update request would change), or none when it is not visible.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> CurrentParametersAsync(LifecycleActor actor, Guid environmentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var environment = await db.Environments.AsNoTracking().Where(e => e.Id == environmentId).Select(e => new { e.TeamId, e.ParametersJson }).SingleOrDefaultAsync(cancellationToken);
        return environment is null || !actor.CanSee(environment.TeamId)
            ? null
            : JsonSerializer.Deserialize<Dictionary<string, string>>(environment.ParametersJson, Json) ?? [];
    }

    private async Task<IReadOnlyList<QueueItem>> WithBudgetsAsync(IReadOnlyList<RequestSummary> items, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var budgetOf = new Dictionary<Guid, TeamBudget>();
        foreach (var teamId in items.Select(i => i.TeamId).Distinct())
        {
            budgetOf[teamId] = await budgets.GetBudgetAsync(teamId, now, cancellationToken);
        }

        return [.. items.Select(i => new QueueItem(
            i, now - i.CreatedAt, budgetOf[i.TeamId].RemainingUsd, budgetOf[i.TeamId].RemainingUsd - i.CostDeltaMonthlyUsd, budgetOf[i.TeamId].MonthlyBudgetUsd,
            budgetOf[i.TeamId].RemainingUsd - i.CostDeltaMaxMonthlyUsd))];
    }

    /// <summary>The teams a user may request environments for: their own, or every team for platform engineers.</summary>
    public async Task<IReadOnlyList<TeamRef>> RequestableTeamsAsync(LifecycleActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var all = actor.IsPlatformEngineer;
        var teamIds = actor.TeamIds.ToList();
        return await db.Teams.AsNoTracking()
            .Where(t => all || teamIds.Contains(t.Id))
            .OrderBy(t => t.Slug)
            .Select(t => new TeamRef(t.Slug, t.Name))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// The list rows of these requests, whatever team, with who decided each (3 statements however many): for the live hub
    /// (<see cref="Live.LiveRequestRows"/>), which reads a changed request once per node for every page showing it.
    /// </summary>
    public async Task<IReadOnlyList<Live.LiveRequestRow>> LiveRowsAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var list = ids.ToList();
        var rows = await db.EnvironmentRequests.AsNoTracking().Where(r => list.Contains(r.Id)).Include(r => r.Decisions).ToListAsync(cancellationToken);
        var summaries = await SummariesAsync(db, rows, cancellationToken);
        return [.. rows.Zip(summaries, (r, s) => new Live.LiveRequestRow(s, [.. r.Decisions.Select(d => d.DeciderId)]))];
    }

    public static string KindName(RequestKind kind) => kind switch
    {
        RequestKind.Create => "create",
        RequestKind.Update => "update",
        RequestKind.Destroy => "destroy",
        RequestKind.ExtendTtl => "extend",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown request kind."),
    };

    public static bool TryParseKind(string? value, out RequestKind kind)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "create":
                kind = RequestKind.Create;
                return true;
            case "update":
                kind = RequestKind.Update;
                return true;
            case "destroy":
                kind = RequestKind.Destroy;
                return true;
            case "extend" or "extendttl" or "extend-ttl":
                kind = RequestKind.ExtendTtl;
                return true;
            default:
                kind = default;
                return false;
        }
    }

    private static IQueryable<EnvironmentRequest> Visible(PortalDbContext db, LifecycleActor actor)
    {
        if (actor.SeesAllTeams)
        {
            return db.EnvironmentRequests.AsNoTracking();
        }

        var teamIds = actor.TeamIds.ToList();
        return db.EnvironmentRequests.AsNoTracking().Where(r => teamIds.Contains(r.TeamId));
    }

    private static async Task<IReadOnlyList<RequestSummary>> SummariesAsync(PortalDbContext db, List<EnvironmentRequest> rows, CancellationToken cancellationToken)
    {
        var userIds = rows.Select(r => r.RequesterId).Distinct().ToList();
        var teamIds = rows.Select(r => r.TeamId).Distinct().ToList();
        var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, u => new PersonRef(u.Id, u.Email ?? "", u.DisplayName), cancellationToken);
        var teams = await db.Teams.AsNoTracking().Where(t => teamIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Slug, cancellationToken);
        return [.. rows.Select(r => new RequestSummary(
            r.Id,
            KindName(r.Kind),
            r.Status,
            Person(users, r.RequesterId),
            r.TeamId,
            teams.GetValueOrDefault(r.TeamId, ""),
            r.EnvironmentName,
            r.TemplateSlug,
            r.Tier.Slug(),
            r.EstimateMonthlyUsd,
            r.EstimateMonthlyMaxUsd ?? r.EstimateMonthlyUsd,
            CostDelta(r),
            CostDelta(r) + ScaleHeadroom(r),
            r.PolicyReason,
            r.Approvals,
            r.ApprovalsRequired,
            r.EnvironmentId,
            r.CreatedAt,
            r.DecidedAt))];
    }

    // What approving adds to the team's monthly cost: a create its estimate, an update the difference, a destroy frees the
    // environment's estimate, an extension changes nothing.
    private static decimal CostDelta(EnvironmentRequest r) => r.Kind switch
    {
        RequestKind.Create => r.EstimateMonthlyUsd,
        RequestKind.Update => r.EstimateMonthlyUsd - (r.PreviousEstimateMonthlyUsd ?? r.EstimateMonthlyUsd),
        RequestKind.Destroy => -r.EstimateMonthlyUsd,
        RequestKind.ExtendTtl => 0,
        _ => 0,
    };

    // How much more than expected the request's estimate can cost at maximum scale (0 for a destroy or an extension).
    private static decimal ScaleHeadroom(EnvironmentRequest r) =>
        r.Kind is RequestKind.Create or RequestKind.Update && r.EstimateMonthlyMaxUsd is { } max ? max - r.EstimateMonthlyUsd : 0;

    private static PersonRef Person(Dictionary<Guid, PersonRef> users, Guid id) =>
        users.GetValueOrDefault(id) ?? new PersonRef(id, id == Guid.Empty ? "portal" : id.ToString(), id == Guid.Empty ? "Portal" : "(removed user)");

    private sealed record EnvironmentRef(Guid Id, string Name, EnvironmentStatus Status);
}

/// <summary>List filters; <see cref="Page"/> counts from 1. <see cref="Descending"/> null: the list's natural order.</summary>
public sealed record RequestFilter(
    RequestStatus? Status = null,
    string? Team = null,
    RequestKind? Kind = null,
    Guid? RequesterId = null,
    int Page = 1,
    int PageSize = 20,
    RequestSort SortBy = RequestSort.Created,
    bool? Descending = null);

/// <summary>What a request list is sorted by (ids are time-ordered, so <see cref="Created"/> sorts by id).</summary>
public enum RequestSort
{
    Created,
    Environment,
    Status,
    Tier,
}

public sealed record RequestList(IReadOnlyList<RequestSummary> Items, int Total);

/// <summary>
/// One row of a list. <see cref="CostDeltaMonthlyUsd"/> is what approving adds to the team's monthly cost (expected);
/// <see cref="CostDeltaMaxMonthlyUsd"/> the same with every scaling resource at its maximum.
/// </summary>
public sealed record RequestSummary(
    Guid Id,
    string Kind,
    RequestStatus Status,
    PersonRef Requester,
    Guid TeamId,
    string Team,
    string EnvironmentName,
    string Template,
    string Tier,
    decimal EstimateMonthlyUsd,
    decimal EstimateMonthlyMaxUsd,
    decimal CostDeltaMonthlyUsd,
    decimal CostDeltaMaxMonthlyUsd,
    string PolicyReason,
    int Approvals,
    int ApprovalsRequired,
    Guid? EnvironmentId,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DecidedAt);

/// <summary>A page of the approval queue and how many requests wait in all.</summary>
public sealed record QueuePage(IReadOnlyList<QueueItem> Items, int Total);

/// <summary>A pending request in the approval queue, with how long it has waited and the team's budget before and after.</summary>
public sealed record QueueItem(RequestSummary Request, TimeSpan Age, decimal BudgetRemainingUsd, decimal BudgetAfterUsd, decimal MonthlyBudgetUsd, decimal BudgetAfterMaxUsd);

public sealed record PersonRef(Guid Id, string Email, string Name);

public sealed record TeamRef(string Slug, string Name);

public sealed record DecisionSummary(PolicyOutcome Outcome, string Reason);

public sealed record DecisionView(PersonRef Decider, DecisionVerdict Verdict, string? Comment, DateTimeOffset DecidedAt);

/// <summary>A line of the estimate stored with a request; <see cref="MonthlyMaxUsd"/> is null for requests made before ranges.</summary>
public sealed record EstimateLineView(string LogicalId, string ResourceType, string Description, decimal MonthlyUsd, decimal? MonthlyMaxUsd = null);

public sealed record ChangeRow(string Action, string LogicalResourceId, string ResourceType, string? Replacement);

/// <summary>A request in full, as <c>GET /api/v1/requests/{id}</c> and the request and approval pages show it.</summary>
public sealed record RequestView(
    Guid Id,
    string Kind,
    RequestStatus Status,
    PersonRef Requester,
    TeamRef Team,
    string EnvironmentName,
    string Template,
    string TemplateVersion,
    string Tier,
    string AccountId,
    string Region,
    IReadOnlyDictionary<string, string> Parameters,
    string Justification,
    int? TtlHours,
    decimal EstimateMonthlyUsd,
    decimal EstimateMonthlyMaxUsd,
    IReadOnlyList<EstimateLineView> EstimateLineItems,
    DecisionSummary Decision,
    IReadOnlyList<DecisionView> Decisions,
    int Approvals,
    int ApprovalsRequired,
    IReadOnlyList<ChangeRow>? Changes,
    decimal? PreviousEstimateMonthlyUsd,
    decimal? CostDeltaMonthlyUsd,
    Guid? EnvironmentId,
    EnvironmentStatus? EnvironmentStatus,
    string? FailureReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DecidedAt,
    DateTimeOffset? CompletedAt)
{
    /// <summary>
    /// Why approving this pending request would be refused now (its environment changed or deleted outside the portal), or
    /// null; rejecting it is still possible.
    /// </summary>
    public string? ApprovalHold { get; init; }
}
