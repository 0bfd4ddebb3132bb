using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Features.Environments;

/// <summary>
/// What the environment pages and API read: the environments an actor may see (server-side paged and filtered), one
/// environment's detail with its stored stack events, and a long-poll that waits for a status. Never calls AWS.
/// </summary>
public sealed class EnvironmentQueries(
    IDbContextFactory<PortalDbContext> contextFactory,
    CatalogProvider catalog,
    LifecycleSignals signals,
    TimeProvider timeProvider)
{
    public const int MaxPageSize = 100;
    public const int MaxEventLimit = 500;
    public const string Masked = "****";

    /// <summary>How often a wait re-reads the row even without a signal (a lost signal costs at most this much).</summary>
    public static readonly TimeSpan WaitRecheckInterval = TimeSpan.FromSeconds(5);

    /// <summary>Statuses an environment does not leave by itself: waiting for another one from here is pointless.</summary>
    public static readonly IReadOnlySet<EnvironmentStatus> Terminal = new HashSet<EnvironmentStatus> { EnvironmentStatus.Failed, EnvironmentStatus.Destroyed };

    public Task<EnvironmentPage> ListAsync(LifecycleActor actor, EnvironmentFilter filter, int skip, int take, CancellationToken cancellationToken) =>
        ListAsync(actor, filter, EnvironmentOrder.Newest, skip, take, cancellationToken);

    /// <summary>One page of the environments the actor may see, filtered, searched by name and ordered (ties: newest first).</summary>
    public async Task<EnvironmentPage> ListAsync(LifecycleActor actor, EnvironmentFilter filter, EnvironmentOrder order, int skip, int take, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(order);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken); // one connection for the page and the count
        var size = Math.Clamp(take, 1, MaxPageSize);
        var offset = Math.Max(0, skip);
        if (order == EnvironmentOrder.Newest && string.IsNullOrWhiteSpace(filter.Search) && !filter.HideDestroyed)
        {
            return await NewestAsync(db, actor, filter, offset, size, cancellationToken);
        }

        var query = Visible(db, actor);
        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            // Names are lower-case by rule, so a lower-cased search matches on every provider without a collation.
            var search = filter.Search.Trim().ToLowerInvariant();
            query = query.Where(e => e.Name.Contains(search));
        }

        if (!string.IsNullOrWhiteSpace(filter.Team))
        {
            var slug = filter.Team.Trim().ToLowerInvariant();
            query = query.Where(e => db.Teams.Any(t => t.Id == e.TeamId && t.Slug == slug));
        }

        if (filter.Tier is { } tier)
        {
            query = query.Where(e => e.Tier == tier);
        }

        if (filter.Status is { } status)
        {
            query = query.Where(e => e.Status == status);
        }
        else if (filter.HideDestroyed)
        {
            query = query.Where(e => e.Status != EnvironmentStatus.Destroyed);
        }

        // The page first, from the order's index and only the columns a row shows (no JSON); the count only when the page
        // does not already say it (a short page is the last one).
        var rows = await Ordered(db, query, order)
            .Skip(offset).Take(size)
            .Select(e => new
            {
                e.Id,
                e.Name,
                Team = db.Teams.Where(t => t.Id == e.TeamId).Select(t => t.Slug).FirstOrDefault(),
                Owner = db.Users.Where(u => u.Id == e.OwnerId).Select(u => u.Email).FirstOrDefault(),
                e.TemplateSlug,
                e.TemplateVersion,
                e.Tier,
                e.Region,
                e.Status,
                e.ExpiresAt,
                e.MonthlyEstimateUsd,
                e.CreatedAt,
            })
            .ToListAsync(cancellationToken);
        var total = rows.Count < size && (rows.Count > 0 || offset == 0) ? offset + rows.Count : await query.CountAsync(cancellationToken);
        return new EnvironmentPage(
            [.. rows.Select(r => new EnvironmentSummary(
                r.Id, r.Name, r.Team ?? "", r.Owner ?? "", r.TemplateSlug, r.TemplateVersion, r.Tier.Slug(), r.Region, r.Status, r.ExpiresAt, r.MonthlyEstimateUsd, r.CreatedAt))],
            total);
    }

    /// <summary>
    /// The API's list (newest first, filtered by team, tier and status, no search) in hand-written SQL (issue 18): the page
    /// from the (<c>CreatedAt</c>, <c>Id</c>) index with only the columns a row shows, then the count when the page is full.
    /// A team slug is resolved to its id inside the statement, so PostgreSQL reads that team's rows by the team index rather
    /// than testing every row against the teams table. The same SQL on both providers (<see cref="HandWrittenSql"/>).
    /// </summary>
    private static async Task<EnvironmentPage> NewestAsync(PortalDbContext db, LifecycleActor actor, EnvironmentFilter filter, int offset, int size, CancellationToken cancellationToken)
    {
        var arguments = new List<SqlArgument>(6);
        var where = new List<string>(4);
        if (!actor.SeesAllTeams)
        {
            var names = new List<string>(actor.TeamIds.Count);
            foreach (var teamId in actor.TeamIds.Order())
            {
                names.Add("@t" + names.Count.ToString(CultureInfo.InvariantCulture));
                arguments.Add(SqlArgument.Of(names[^1][1..], teamId));
            }

            where.Add(names.Count == 0 ? "1 = 0" : $"""e."TeamId" IN ({string.Join(", ", names)})""");
        }

        if (!string.IsNullOrWhiteSpace(filter.Team))
        {
            where.Add("""e."TeamId" = (SELECT t."Id" FROM "Teams" AS t WHERE t."Slug" = @slug)""");
            arguments.Add(SqlArgument.Of("slug", filter.Team.Trim().ToLowerInvariant()));
        }

        if (filter.Tier is { } tier)
        {
            where.Add("""e."Tier" = @tier""");
            arguments.Add(SqlArgument.Of("tier", tier.Slug()));
        }

        if (filter.Status is { } status)
        {
            where.Add("""e."Status" = @status""");
            arguments.Add(SqlArgument.Of("status", status.ToString()));
        }

        var condition = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
        var filters = arguments.ToArray();
        arguments.Add(SqlArgument.Of("take", size));
        arguments.Add(SqlArgument.Of("skip", offset));
        var sqlite = HandWrittenSql.IsSqlite(db);
        // The page and the count retried together on a transient failure, on one connection.
        return await db.Database.CreateExecutionStrategy().ExecuteAsync((db, condition, arguments, filters, sqlite, offset, size), static async (state, ct) =>
        {
            var (db, condition, arguments, filters, sqlite, offset, size) = state;
            await db.Database.OpenConnectionAsync(ct);
            var items = new List<EnvironmentSummary>(size);
            await using (var reader = await HandWrittenSql.ReadAsync(db, PageSql(condition), arguments, ct))
            {
                var rows = reader.DbDataReader;
                while (await rows.ReadAsync(ct))
                {
                    items.Add(new EnvironmentSummary(
                        rows.GetGuid(0), rows.GetString(1), HandWrittenSql.NullableString(rows, 2) ?? "", HandWrittenSql.NullableString(rows, 3) ?? "",
                        rows.GetString(4), rows.GetString(5), EnvironmentTiers.Parse(rows.GetString(6)).Slug(), rows.GetString(7),
                        Enum.Parse<EnvironmentStatus>(rows.GetString(8)), HandWrittenSql.NullableInstant(rows, 9, sqlite), HandWrittenSql.Money(rows, 10, sqlite),
                        HandWrittenSql.Instant(rows, 11, sqlite)));
                }
            }

            if (items.Count < size && (items.Count > 0 || offset == 0))
            {
                return new EnvironmentPage(items, offset + items.Count);
            }

            await using var count = await HandWrittenSql.ReadAsync(db, CountSql(condition), filters, ct);
            await count.DbDataReader.ReadAsync(ct);
            return new EnvironmentPage(items, (int)count.DbDataReader.GetInt64(0));
        }, cancellationToken);
    }

    // One text per filter shape (which filters are set, how many teams), built once; never a value: those are parameters.
    private static readonly ConcurrentDictionary<string, string> PageSqls = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string> CountSqls = new(StringComparer.Ordinal);

    private static string PageSql(string condition) => PageSqls.GetOrAdd(condition, static c => $"""
        SELECT e."Id", e."Name", (SELECT t."Slug" FROM "Teams" AS t WHERE t."Id" = e."TeamId"), (SELECT u."Email" FROM "Users" AS u WHERE u."Id" = e."OwnerId"),
            e."TemplateSlug", e."TemplateVersion", e."Tier", e."Region", e."Status", e."ExpiresAt", e."MonthlyEstimateUsd", e."CreatedAt"
        FROM "Environments" AS e
        {c}
        ORDER BY e."CreatedAt" DESC, e."Id" DESC
        LIMIT @take OFFSET @skip
        """);

    private static string CountSql(string condition) => CountSqls.GetOrAdd(condition, static c => $"""SELECT count(*) FROM "Environments" AS e {c}""");

    private static IQueryable<PortalEnvironment> Ordered(PortalDbContext db, IQueryable<PortalEnvironment> query, EnvironmentOrder order)
    {
        var d = order.Descending;
        IOrderedQueryable<PortalEnvironment> sorted = order.By switch
        {
            EnvironmentSortBy.Name => d ? query.OrderByDescending(e => e.Name) : query.OrderBy(e => e.Name),
            EnvironmentSortBy.Team => d
                ? query.OrderByDescending(e => db.Teams.Where(t => t.Id == e.TeamId).Select(t => t.Slug).FirstOrDefault())
                : query.OrderBy(e => db.Teams.Where(t => t.Id == e.TeamId).Select(t => t.Slug).FirstOrDefault()),
            EnvironmentSortBy.Tier => d ? query.OrderByDescending(e => e.Tier) : query.OrderBy(e => e.Tier),
            EnvironmentSortBy.Status => d ? query.OrderByDescending(e => e.Status) : query.OrderBy(e => e.Status),
            EnvironmentSortBy.Template => d ? query.OrderByDescending(e => e.TemplateSlug) : query.OrderBy(e => e.TemplateSlug),
            EnvironmentSortBy.Estimate => d ? query.OrderByDescending(e => e.MonthlyEstimateUsd) : query.OrderBy(e => e.MonthlyEstimateUsd),
            // Environments that never expire sort after every date, either way round.
            EnvironmentSortBy.Expires => d
                ? query.OrderBy(e => e.ExpiresAt == null).ThenByDescending(e => e.ExpiresAt)
                : query.OrderBy(e => e.ExpiresAt == null).ThenBy(e => e.ExpiresAt),
            EnvironmentSortBy.Created => d ? query.OrderByDescending(e => e.CreatedAt) : query.OrderBy(e => e.CreatedAt),
            _ => throw new ArgumentOutOfRangeException(nameof(order), order.By, "Unknown sort."),
        };
        return sorted.ThenByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id);
    }

    /// <summary>
    /// What outlives the stack: before a destroy, the template's resources with <c>DeletionPolicy: Retain</c> (or
    /// <c>Snapshot</c>, which keeps a final snapshot) that the stack has; after it, those CloudFormation skipped
    /// (<c>DELETE_SKIPPED</c>). Monthly costs come from the environment's latest estimate lines (null when unpriced).
    /// </summary>
    public async Task<RetainedResources> RetainedAsync(LifecycleActor actor, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var environment = await FindAsync(db, actor, id, cancellationToken);
        var events = await db.StackEvents.AsNoTracking().Where(e => e.EnvironmentId == id && e.ResourceType != "AWS::CloudFormation::Stack").ToListAsync(cancellationToken);
        var latest = events.GroupBy(e => e.LogicalResourceId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(e => e.Timestamp).ThenBy(e => e.Id).Last(), StringComparer.Ordinal);
        var estimates = (await db.EnvironmentRequests.AsNoTracking().Where(r => r.EnvironmentId == id)
                .Select(r => new { r.CreatedAt, r.Status, r.EstimateLineItemsJson }).ToListAsync(cancellationToken))
            .Where(r => r.Status is RequestStatus.Completed or RequestStatus.Approved && r.EstimateLineItemsJson.Length > 2)
            .OrderByDescending(r => r.CreatedAt).Select(r => r.EstimateLineItemsJson).FirstOrDefault();
        var costs = (estimates is null ? [] : JsonSerializer.Deserialize<List<EstimateLine>>(estimates, WebJson) ?? [])
            .GroupBy(l => l.LogicalId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(l => l.MonthlyUsd), StringComparer.Ordinal);

        var items = new List<RetainedResource>();
        var template = catalog.Current.Find(environment.TemplateSlug)?.Template;
        foreach (var resource in template?.Resources.Values ?? [])
        {
            if (resource.DeletionPolicy is not ("Retain" or "RetainExceptOnCreate" or "Snapshot")
                || (latest.Count > 0 && !latest.ContainsKey(resource.LogicalId)))
            {
                continue;
            }

            var skipped = latest.TryGetValue(resource.LogicalId, out var last) && last.ResourceStatus == "DELETE_SKIPPED";
            var physical = latest.GetValueOrDefault(resource.LogicalId)?.PhysicalResourceId;
            items.Add(new RetainedResource(resource.LogicalId, resource.Type, physical, resource.DeletionPolicy == "Snapshot" ? RetainedKind.FinalSnapshot : RetainedKind.Resource,
                resource.DeletionPolicy == "Snapshot" ? null : costs.TryGetValue(resource.LogicalId, out var usd) ? usd : null, skipped));
        }

        // Skipped deletions the current template no longer explains (a retained resource from an older version) still bill.
        foreach (var (logicalId, last) in latest.Where(l => l.Value.ResourceStatus == "DELETE_SKIPPED" && items.All(i => i.LogicalId != l.Key)))
        {
            items.Add(new RetainedResource(logicalId, last.ResourceType, last.PhysicalResourceId, RetainedKind.Resource, costs.TryGetValue(logicalId, out var usd) ? usd : null, true));
        }

        return new RetainedResources([.. items.OrderBy(i => i.Kind).ThenBy(i => i.LogicalId, StringComparer.Ordinal)], environment.Status == EnvironmentStatus.Destroyed);
    }

    /// <summary>What happened to an environment: its requests and its audit trail, newest first.</summary>
    public async Task<EnvironmentHistory> HistoryAsync(LifecycleActor actor, Guid id, int take, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        _ = await FindAsync(db, actor, id, cancellationToken);
        var limit = Math.Clamp(take, 1, MaxEventLimit);
        var requests = await db.EnvironmentRequests.AsNoTracking().Where(r => r.EnvironmentId == id)
            .OrderByDescending(r => r.CreatedAt).Take(limit)
            .Select(r => new EnvironmentHistoryRequest(r.Id, r.Kind, r.Status, db.Users.Where(u => u.Id == r.RequesterId).Select(u => u.Email).FirstOrDefault() ?? "", r.CreatedAt, r.DecidedAt))
            .ToListAsync(cancellationToken);
        var target = id.ToString();
        var audit = await db.AuditEvents.AsNoTracking().Where(a => a.TargetType == PortalEnvironment.AuditTargetType && a.TargetId == target)
            .OrderByDescending(a => a.OccurredAt).ThenByDescending(a => a.Id).Take(limit)
            .Select(a => new EnvironmentHistoryEntry(a.OccurredAt, a.Actor, a.Action, a.Detail))
            .ToListAsync(cancellationToken);
        return new EnvironmentHistory(requests, audit);
    }

    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    private sealed record EstimateLine(string LogicalId, decimal MonthlyUsd);

    /// <summary>The team slugs an actor may filter by (their own teams, or every team).</summary>
    public async Task<IReadOnlyList<string>> TeamSlugsAsync(LifecycleActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var teamIds = actor.TeamIds.ToList();
        var teams = actor.SeesAllTeams ? db.Teams : db.Teams.Where(t => teamIds.Contains(t.Id));
        return await teams.OrderBy(t => t.Slug).Select(t => t.Slug).ToListAsync(cancellationToken);
    }

    /// <summary>One environment, or <see cref="LifecycleNotFoundException"/> when it does not exist or the actor may not see it.</summary>
    public async Task<EnvironmentDetail> GetAsync(LifecycleActor actor, Guid id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        // One connection, two hand-written statements (the row with team and owner, its events), retried together on a
        // transient failure (issue 18: no LINQ pipeline, no entity materialized, only the columns the detail shows).
        var sqlite = HandWrittenSql.IsSqlite(db);
        var (row, events) = await db.Database.CreateExecutionStrategy().ExecuteAsync((db, id, sqlite), static async (state, ct) =>
        {
            var (db, id, sqlite) = state;
            await db.Database.OpenConnectionAsync(ct);
            SqlArgument[] byId = [SqlArgument.Of("id", id)];
            DetailRow? row = null;
            await using (var reader = await HandWrittenSql.ReadAsync(db, DetailSql, byId, ct))
            {
                if (await reader.DbDataReader.ReadAsync(ct))
                {
                    row = DetailRow.Read(reader.DbDataReader, sqlite);
                }
            }

            var events = new List<StackEventRow>();
            if (row is not null)
            {
                await using var reader = await HandWrittenSql.ReadAsync(db, EventsSql, byId, ct);
                var rows = reader.DbDataReader;
                while (await rows.ReadAsync(ct))
                {
                    events.Add(new StackEventRow(
                        rows.GetGuid(0), rows.GetString(1), HandWrittenSql.Instant(rows, 2, sqlite), rows.GetString(3), HandWrittenSql.NullableString(rows, 4),
                        rows.GetString(5), rows.GetString(6), HandWrittenSql.NullableString(rows, 7)));
                }
            }

            return (row, events);
        }, cancellationToken);
        if (row is null || !actor.CanSee(row.TeamId))
        {
            throw new LifecycleNotFoundException("environment", id);
        }

        return Detail(row, events);
    }

    internal const string DetailSql = """
        SELECT e."Id", e."Name", e."TeamId", (SELECT t."Slug" FROM "Teams" AS t WHERE t."Id" = e."TeamId"), (SELECT u."Email" FROM "Users" AS u WHERE u."Id" = e."OwnerId"),
            e."TemplateSlug", e."TemplateVersion", e."Tier", e."AccountId", e."Region", e."Status", e."StackName", e."StackId", e."LastStackStatus",
            e."OutputsJson", e."ParametersJson", e."ExpiresAt", e."OffHoursSchedule", e."HoursSavedBySchedule", e."VpcCidr", e."MonthlyEstimateUsd",
            e."FailureReason", e."FailedFrom", e."CreatedAt", e."UpdatedAt", e."DestroyedAt", e."StoppedAt", e."MonthlyEstimateMaxUsd"
        FROM "Environments" AS e
        WHERE e."Id" = @id
        LIMIT 1
        """;

    internal const string EventsSql = """
        SELECT s."Id", s."EventId", s."Timestamp", s."LogicalResourceId", s."PhysicalResourceId", s."ResourceType", s."ResourceStatus", s."ResourceStatusReason"
        FROM "StackEvents" AS s
        WHERE s."EnvironmentId" = @id
        """;

    /// <summary>The columns of one environment its detail shows, as <see cref="DetailSql"/> reads them.</summary>
    private sealed record DetailRow(
        Guid Id, string Name, Guid TeamId, string? Team, string? Owner, string TemplateSlug, string TemplateVersion, EnvironmentTier Tier, string AccountId,
        string Region, EnvironmentStatus Status, string StackName, string? StackId, string? LastStackStatus, string OutputsJson, string ParametersJson,
        DateTimeOffset? ExpiresAt, bool OffHoursSchedule, decimal HoursSavedBySchedule, string? VpcCidr, decimal MonthlyEstimateUsd, string? FailureReason,
        EnvironmentStatus? FailedFrom, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? DestroyedAt, DateTimeOffset? StoppedAt,
        decimal? MonthlyEstimateMaxUsd)
    {
        public static DetailRow Read(System.Data.Common.DbDataReader r, bool sqlite) => new(
            r.GetGuid(0), r.GetString(1), r.GetGuid(2), HandWrittenSql.NullableString(r, 3), HandWrittenSql.NullableString(r, 4), r.GetString(5), r.GetString(6),
            EnvironmentTiers.Parse(r.GetString(7)), r.GetString(8), r.GetString(9), Enum.Parse<EnvironmentStatus>(r.GetString(10)), r.GetString(11),
            HandWrittenSql.NullableString(r, 12), HandWrittenSql.NullableString(r, 13), r.GetString(14), r.GetString(15), HandWrittenSql.NullableInstant(r, 16, sqlite),
            r.GetBoolean(17), HandWrittenSql.Money(r, 18, sqlite), HandWrittenSql.NullableString(r, 19), HandWrittenSql.Money(r, 20, sqlite),
            HandWrittenSql.NullableString(r, 21), r.IsDBNull(22) ? null : Enum.Parse<EnvironmentStatus>(r.GetString(22)), HandWrittenSql.Instant(r, 23, sqlite),
            HandWrittenSql.Instant(r, 24, sqlite), HandWrittenSql.NullableInstant(r, 25, sqlite), HandWrittenSql.NullableInstant(r, 26, sqlite),
            HandWrittenSql.NullableMoney(r, 27, sqlite));
    }

    /// <summary>
    /// Stored stack events, oldest first. <paramref name="after"/> is the <c>id</c> of the last event the caller has seen
    /// (only later ones are returned); without it the list starts at the first event.
    /// </summary>
    public async Task<StackEventPage> EventsAsync(LifecycleActor actor, Guid id, Guid? after, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        _ = await FindAsync(db, actor, id, cancellationToken);
        var query = db.StackEvents.AsNoTracking().Where(e => e.EnvironmentId == id);
        StackEventRecord? cursor = null;
        if (after is { } afterId)
        {
            cursor = await query.SingleOrDefaultAsync(e => e.Id == afterId, cancellationToken)
                ?? throw new DomainValidationException("after", $"Environment {id} has no stack event {afterId}.");
            var from = cursor.Timestamp;
            query = query.Where(e => e.Timestamp >= from);
        }

        // Few events share a timestamp: order ties (and the cursor) in memory by id, the same on every provider.
        var events = (await query.ToListAsync(cancellationToken)).OrderBy(e => e.Timestamp).ThenBy(e => e.Id).ToList();
        if (cursor is not null)
        {
            events = [.. events.SkipWhile(e => e.Id != cursor.Id).Skip(1)];
        }

        var page = events.Take(Math.Clamp(limit, 1, MaxEventLimit)).Select(Row).ToList();
        return new StackEventPage(page, page.Count > 0 ? page[^1].Id : after, events.Count > page.Count);
    }

    /// <summary>The newest <paramref name="take"/> stored stack events, newest first (the environment page's live list).</summary>
    public async Task<IReadOnlyList<StackEventRow>> RecentEventsAsync(LifecycleActor actor, Guid id, int take, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        _ = await FindAsync(db, actor, id, cancellationToken);
        var events = await db.StackEvents.AsNoTracking().Where(e => e.EnvironmentId == id)
            .OrderByDescending(e => e.Timestamp).Take(Math.Clamp(take, 1, MaxEventLimit)).ToListAsync(cancellationToken);
        return [.. events.OrderByDescending(e => e.Timestamp).ThenByDescending(e => e.Id).Select(Row)];
    }

    /// <summary>
    /// Waits until the environment reaches <paramref name="wanted"/> or a terminal status (Failed, Destroyed), or the time is
    /// up. Wakes on <see cref="LifecycleSignals"/> (in-process and, through the change feed, other nodes) and re-reads the row
    /// then, and every <see cref="WaitRecheckInterval"/> in case a signal was missed.
    /// </summary>
    public async Task<WaitOutcome> WaitAsync(LifecycleActor actor, Guid id, EnvironmentStatus wanted, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var wake = new SemaphoreSlim(0);
        using var subscription = signals.Subscribe(change =>
        {
            if (change.EnvironmentId == id || (change.Kind == LifecycleChangeKind.Environment && change.Id == Guid.Empty))
            {
                // At most one pending wake-up: a burst of signals is one re-read.
                if (wake.CurrentCount == 0)
                {
                    wake.Release();
                }
            }

            return Task.CompletedTask;
        });

        var deadline = timeProvider.GetUtcNow() + timeout;
        while (true)
        {
            var detail = await GetAsync(actor, id, cancellationToken);
            if (detail.Status == wanted)
            {
                return new WaitOutcome(WaitResult.Reached, detail);
            }

            if (Terminal.Contains(detail.Status))
            {
                return new WaitOutcome(WaitResult.Unreachable, detail);
            }

            var left = deadline - timeProvider.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return new WaitOutcome(WaitResult.TimedOut, detail);
            }

            await wake.WaitAsync(left < WaitRecheckInterval ? left : WaitRecheckInterval, cancellationToken);
        }
    }

    /// <summary>
    /// The list rows of these environments, whatever team (one statement): for the live hub (<see cref="LiveEnvironmentRows"/>),
    /// which reads a changed row once per node; each page checks the row's team against its actor.
    /// </summary>
    public async Task<IReadOnlyList<EnvironmentSummary>> SummariesAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var wanted = ids.ToList();
        return await db.Environments.AsNoTracking().Where(e => wanted.Contains(e.Id))
            .Select(e => new EnvironmentSummary(
                e.Id,
                e.Name,
                db.Teams.Where(t => t.Id == e.TeamId).Select(t => t.Slug).FirstOrDefault() ?? "",
                db.Users.Where(u => u.Id == e.OwnerId).Select(u => u.Email).FirstOrDefault() ?? "",
                e.TemplateSlug,
                e.TemplateVersion,
                e.Tier.Slug(),
                e.Region,
                e.Status,
                e.ExpiresAt,
                e.MonthlyEstimateUsd,
                e.CreatedAt))
            .ToListAsync(cancellationToken);
    }

    private static IQueryable<PortalEnvironment> Visible(PortalDbContext db, LifecycleActor actor)
    {
        var teamIds = actor.TeamIds.ToList();
        return actor.SeesAllTeams ? db.Environments.AsNoTracking() : db.Environments.AsNoTracking().Where(e => teamIds.Contains(e.TeamId));
    }

    private static async Task<PortalEnvironment> FindAsync(PortalDbContext db, LifecycleActor actor, Guid id, CancellationToken cancellationToken)
    {
        var environment = await db.Environments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, cancellationToken);
        return environment is not null && actor.CanSee(environment.TeamId) ? environment : throw new LifecycleNotFoundException("environment", id);
    }

    private EnvironmentDetail Detail(DetailRow e, IReadOnlyList<StackEventRow> events)
    {
        var template = catalog.Current.Find(e.TemplateSlug)?.Template;
        var parameters = ReadObject(e.ParametersJson).ToDictionary(
            p => p.Key,
            p => template?.Parameters.GetValueOrDefault(p.Key) is { NoEcho: true } ? Masked : p.Value,
            StringComparer.Ordinal);

        // The newest event of each resource says where it stands; the stack's own events are the stack, not a resource.
        var resources = events
            .Where(ev => ev.ResourceType != "AWS::CloudFormation::Stack")
            .GroupBy(ev => ev.LogicalResourceId, StringComparer.Ordinal)
            .Select(g => g.OrderBy(ev => ev.Timestamp).ThenBy(ev => ev.Id).Last())
            .OrderBy(ev => ev.LogicalResourceId, StringComparer.Ordinal)
            .Select(ev => new EnvironmentResource(ev.LogicalResourceId, ev.ResourceType, ev.PhysicalResourceId, ev.ResourceStatus, ev.StatusReason))
            .ToList();
        var failing = e.Status == EnvironmentStatus.Failed
            ? events.Where(ev => ev.ResourceStatus.EndsWith("_FAILED", StringComparison.Ordinal)) // as StackEventRecord.IsFailure
                .OrderBy(ev => ev.StatusReason?.Contains("cancelled", StringComparison.OrdinalIgnoreCase) == true) // the cause before its knock-on cancellations
                .ThenByDescending(ev => ev.Timestamp).ThenByDescending(ev => ev.Id).ToList()
            : [];
        return new EnvironmentDetail(
            e.Id, e.Name, e.Team ?? "", e.TeamId, e.Owner ?? "", e.TemplateSlug, e.TemplateVersion, e.Tier.Slug(), e.AccountId, e.Region, e.Status, e.StackName, e.StackId,
            e.LastStackStatus, ReadObject(e.OutputsJson), parameters, e.ExpiresAt, e.OffHoursSchedule, e.HoursSavedBySchedule, e.VpcCidr,
            e.MonthlyEstimateUsd, e.FailureReason, e.FailedFrom, e.CreatedAt, e.UpdatedAt, e.DestroyedAt, events.Count, resources, failing, e.StoppedAt,
            e.MonthlyEstimateMaxUsd ?? e.MonthlyEstimateUsd);
    }

    private static StackEventRow Row(StackEventRecord e) =>
        new(e.Id, e.EventId, e.Timestamp, e.LogicalResourceId, e.PhysicalResourceId, e.ResourceType, e.ResourceStatus, e.ResourceStatusReason);

    /// <summary>A stored JSON object as strings (numbers and booleans in their JSON spelling).</summary>
    private static IReadOnlyDictionary<string, string> ReadObject(string json)
    {
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
        return document.RootElement.ValueKind != JsonValueKind.Object
            ? new Dictionary<string, string>()
            : document.RootElement.EnumerateObject().ToDictionary(
                p => p.Name,
                p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? "" : p.Value.GetRawText(),
                StringComparer.Ordinal);
    }
}

/// <summary>
/// List filters; a null filter matches everything. Without a status filter, <see cref="HideDestroyed"/> leaves out destroyed
/// environments. <see cref="Search"/> matches part of the name.
/// </summary>
public sealed record EnvironmentFilter(string? Team = null, EnvironmentTier? Tier = null, EnvironmentStatus? Status = null, bool HideDestroyed = false, string? Search = null);

public enum EnvironmentSortBy
{
    Created,
    Name,
    Team,
    Tier,
    Status,
    Template,
    Estimate,
    Expires,
}

/// <summary>How a list is ordered; ties fall back to newest first.</summary>
public sealed record EnvironmentOrder(EnvironmentSortBy By, bool Descending)
{
    public static readonly EnvironmentOrder Newest = new(EnvironmentSortBy.Created, true);
}

public enum RetainedKind
{
    /// <summary>The resource itself stays (<c>DeletionPolicy: Retain</c>) and keeps billing.</summary>
    Resource,

    /// <summary>The resource goes, a final snapshot of it stays (<c>DeletionPolicy: Snapshot</c>) and bills for its storage.</summary>
    FinalSnapshot,
}

/// <summary>A resource that outlives its stack; <see cref="MonthlyUsd"/> from the estimate (null when unpriced); <see cref="Skipped"/> once CloudFormation left it.</summary>
public sealed record RetainedResource(string LogicalId, string Type, string? PhysicalId, RetainedKind Kind, decimal? MonthlyUsd, bool Skipped);

public sealed record RetainedResources(IReadOnlyList<RetainedResource> Items, bool Destroyed)
{
    /// <summary>What the retained resources (not snapshots) cost a month, as far as they are priced.</summary>
    public decimal MonthlyUsd => Items.Where(i => i.Kind == RetainedKind.Resource && (!Destroyed || i.Skipped)).Sum(i => i.MonthlyUsd ?? 0m);
}

public sealed record EnvironmentHistory(IReadOnlyList<EnvironmentHistoryRequest> Requests, IReadOnlyList<EnvironmentHistoryEntry> Audit);

public sealed record EnvironmentHistoryRequest(Guid Id, RequestKind Kind, RequestStatus Status, string Requester, DateTimeOffset CreatedAt, DateTimeOffset? DecidedAt);

public sealed record EnvironmentHistoryEntry(DateTimeOffset OccurredAt, string Actor, string Action, string Detail);

public sealed record EnvironmentPage(IReadOnlyList<EnvironmentSummary> Items, int Total);

public sealed record EnvironmentSummary(
    Guid Id, string Name, string Team, string Owner, string Template, string TemplateVersion, string Tier, string Region,
    EnvironmentStatus Status, DateTimeOffset? ExpiresAt, decimal MonthlyEstimateUsd, DateTimeOffset CreatedAt);

public sealed record EnvironmentDetail(
    Guid Id,
    string Name,
    string Team,
    Guid TeamId,
    string Owner,
    string Template,
    string TemplateVersion,
    string Tier,
    string Account,
    string Region,
    EnvironmentStatus Status,
    string StackName,
    string? StackId,
    string? StackStatus,
    IReadOnlyDictionary<string, string> Outputs,
    IReadOnlyDictionary<string, string> Parameters,
    DateTimeOffset? ExpiresAt,
    bool OffHoursSchedule,
    decimal HoursSavedBySchedule,
    string? VpcCidr,
    decimal MonthlyEstimateUsd,
    string? FailureReason,
    EnvironmentStatus? FailedFrom,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? DestroyedAt,
    int EventCount,
    IReadOnlyList<EnvironmentResource> Resources,
    IReadOnlyList<StackEventRow> FailureEvents,
    DateTimeOffset? StoppedAt = null,
    decimal MonthlyEstimateMaxUsd = 0);

/// <summary>A stack resource as its newest stored event describes it.</summary>
public sealed record EnvironmentResource(string LogicalId, string Type, string? PhysicalId, string Status, string? StatusReason);

public sealed record StackEventRow(
    Guid Id, string EventId, DateTimeOffset Timestamp, string LogicalResourceId, string? PhysicalResourceId, string ResourceType, string ResourceStatus, string? StatusReason);

/// <summary>A page of stack events, oldest first; pass <see cref="Next"/> as <c>after</c> to read what came since.</summary>
public sealed record StackEventPage(IReadOnlyList<StackEventRow> Items, Guid? Next, bool More);

public enum WaitResult
{
    Reached,
    Unreachable,
    TimedOut,
}

public sealed record WaitOutcome(WaitResult Result, EnvironmentDetail Environment);
