using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Features.Costs;

/// <summary>
/// The finance dashboards' figures (unblended USD) for a <see cref="CostFilter"/>, each grouped and summed in the database from
/// the rollups ingestion keeps (ADR 0009): month by month from the monthly rollups, team, tier, service and day from the daily
/// rollups, per environment from the per-environment months and days (a range as whole months ± edge days, <see cref="CostSpan"/>).
/// Developers see only their teams' facts and environments (never unallocated spend); finance, platform engineers and admins
/// see everything. Public and built from a context factory so benchmarks can call it directly.
/// </summary>
public sealed class CostDashboardQueries(IDbContextFactory<PortalDbContext> contextFactory, TimeProvider time)
{
    /// <summary>Months in <see cref="MonthlyByTeamAsync"/>: the filter's last month and the twelve before it.</summary>
    public const int Months = 13;

    public const string Unallocated = CostQueries.Unallocated;

    /// <summary>Approver of environments the policy approved on its own.</summary>
    public const string Policy = "policy";

    /// <summary>Largest page of <see cref="EstimateVsActualPageAsync"/>.</summary>
    public const int MaxEstimatePageSize = 500;

    private readonly TeamSlugs _teamSlugs = new(contextFactory);

    private bool? _isNpgsql;

    public CostDashboardQueries(IDbContextFactory<PortalDbContext> contextFactory)
        : this(contextFactory, TimeProvider.System)
    {
    }

    /// <summary>Spend per month and team for the 13 months ending with the filter's last month (the filter's start is ignored).</summary>
    public async Task<MonthlySpend> MonthlyByTeamAsync(LifecycleActor actor, CostFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var first = new DateOnly(filter.To.Year, filter.To.Month, 1).AddMonths(1 - Months);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var teams = await TeamSlugsAsync(db, cancellationToken);

        // Whole months from the monthly rollups; the last month, when the filter ends it early, from its daily rollups too.
        var rows = await CostSql.SumSlicesByAsync(db, actor, filter, CostSpan.Of(first, filter.To, Today),
            m => new { m.Month.Year, m.Month.Month, m.TeamId }, d => new { d.Date.Year, d.Date.Month, d.TeamId }, cancellationToken);
        var months = Enumerable.Range(0, Months).Select(i => first.AddMonths(i).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var spend = rows
            .Select(r => (Month: $"{r.Key.Year:0000}-{r.Key.Month:00}", Team: TeamName(teams, r.Key.TeamId), r.Amount))
            .GroupBy(r => (r.Month, r.Team))
            .Select(g => new MonthlyTeamSpend(g.Key.Month, g.Key.Team, CostSql.Usd(g.Sum(r => r.Amount))))
            .OrderBy(r => r.Month, StringComparer.Ordinal).ThenBy(r => r.Team == Unallocated).ThenBy(r => r.Team, StringComparer.Ordinal)
            .ToList();
        var teamOrder = spend.GroupBy(r => r.Team).OrderBy(g => g.Key == Unallocated).ThenByDescending(g => g.Sum(r => r.AmountUsd)).Select(g => g.Key).ToList();
        return new MonthlySpend(months, teamOrder, spend, CostSql.Usd(rows.Sum(r => r.Amount)));
    }

    public Task<IReadOnlyList<SpendShare>> ByTierAsync(LifecycleActor actor, CostFilter filter, CancellationToken cancellationToken) =>
        SharesAsync(actor, filter, m => m.Tier, d => d.Tier, t => t?.Slug() ?? Unallocated, cancellationToken);

    public Task<IReadOnlyList<SpendShare>> ByServiceAsync(LifecycleActor actor, CostFilter filter, CancellationToken cancellationToken) =>
        SharesAsync(actor, filter, m => m.Service, d => d.Service, s => s, cancellationToken);

    public async Task<IReadOnlyList<SpendShare>> ByTeamAsync(LifecycleActor actor, CostFilter filter, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var teams = await TeamSlugsAsync(db, cancellationToken);
        return await SharesAsync(actor, filter, m => m.TeamId, d => d.TeamId, id => TeamName(teams, id), cancellationToken);
    }

    /// <summary>The <paramref name="count"/> environments that cost most in the filter's days, largest first.</summary>
    public async Task<IReadOnlyList<EnvironmentSpend>> TopEnvironmentsAsync(LifecycleActor actor, CostFilter filter, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var top = (await CostSql.EnvironmentTotalsAsync(db, actor, filter, Span(filter), Math.Clamp(count, 1, 100), cancellationToken))
            .Select(t => (Key: t.EnvironmentId, t.Amount)).ToList();
        var ids = top.Select(t => t.Key).ToList();
        var teams = await TeamSlugsAsync(db, cancellationToken);
        var environments = await db.Environments.AsNoTracking().Where(e => ids.Contains(e.Id)).ToDictionaryAsync(e => e.Id, cancellationToken);
        return [.. top.Select(t => environments.TryGetValue(t.Key, out var e)
            ? new EnvironmentSpend(e.Id, e.Name, TeamName(teams, e.TeamId), e.TemplateSlug, e.Tier.Slug(), e.Status.ToString(), CostSql.Usd(t.Amount))
            : new EnvironmentSpend(t.Key, t.Key.ToString(), "", "", "", "", CostSql.Usd(t.Amount)))];
    }

    /// <summary>One entry per day of the filter, zero where nothing was spent.</summary>
    public async Task<IReadOnlyList<DailySpend>> DailyTrendAsync(LifecycleActor actor, CostFilter filter, CancellationToken cancellationToken) =>
        (await DailyTrendWithTotalAsync(actor, filter, cancellationToken)).Days;

    /// <summary>The daily trend and the range's total (the dashboards page's "Spend" figure).</summary>
    public async Task<DailyTrend> DailyTrendWithTotalAsync(LifecycleActor actor, CostFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var byDay = (await CostSql.SumByAsync(db, CostSql.FilteredRollups(db, actor, filter, filter.From, filter.To), r => r.Date, cancellationToken))
            .ToDictionary(r => r.Key, r => r.Amount);
        return DailyTrend.Of(filter.From, filter.To, byDay);
    }

    /// <summary>
    /// Per environment that existed in the filter's days: its monthly estimate prorated to those days (× days × 12 / 365) against
    /// what it actually cost, largest actual first.
    /// </summary>
    public async Task<IReadOnlyList<EstimateAccuracy>> EstimateVsActualAsync(LifecycleActor actor, CostFilter filter, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await EstimatesAsync(db, actor, filter, cancellationToken);
    }

    /// <summary>
    /// One page of <see cref="EstimateVsActualAsync"/>'s rows in the <paramref name="sort"/> order (ties by name, then id), with
    /// the number of rows and of billed environments. On PostgreSQL computed, sorted and cut in one statement
    /// (<see cref="CostAccuracySql"/>); on SQLite from the whole list in memory.
    /// </summary>
    public async Task<EstimateAccuracyPage> EstimateVsActualPageAsync(
        LifecycleActor actor, CostFilter filter, EstimateSort sort, bool descending, int page, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(filter);
        page = Math.Max(1, page);
        pageSize = Math.Clamp(pageSize, 1, MaxEstimatePageSize);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsNpgsql())
        {
            return await CostAccuracySql.PageAsync(db, actor, filter, Span(filter), Today, sort, descending, page, pageSize, cancellationToken);
        }

        var rows = await EstimatesAsync(db, actor, filter, cancellationToken);
        return new EstimateAccuracyPage([.. Sorted(rows, sort, descending).Skip((page - 1) * pageSize).Take(pageSize)], rows.Count, rows.Count(r => r.ActualUsd > 0), page, pageSize);
    }

    /// <summary>The in-memory order of <see cref="EstimateVsActualPageAsync"/>: the key, then name (ordinal), then id.</summary>
    public static IEnumerable<EstimateAccuracy> Sorted(IEnumerable<EstimateAccuracy> rows, EstimateSort sort, bool descending)
    {
        IOrderedEnumerable<EstimateAccuracy> By<TKey>(Func<EstimateAccuracy, TKey> key, IComparer<TKey>? comparer = null) =>
            descending ? rows.OrderByDescending(key, comparer) : rows.OrderBy(key, comparer);
        var sorted = sort switch
        {
            EstimateSort.Environment => (descending ? rows.OrderByDescending(r => r.Team, StringComparer.Ordinal).ThenByDescending(r => r.Name, StringComparer.Ordinal)
                : rows.OrderBy(r => r.Team, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)),
            EstimateSort.Name => By(r => r.Name, StringComparer.Ordinal),
            EstimateSort.Template => By(r => r.Template, StringComparer.Ordinal),
            EstimateSort.Tier => By(r => r.Tier, StringComparer.Ordinal),
            EstimateSort.Status => By(r => r.Status, StringComparer.Ordinal),
            EstimateSort.Days => By(r => r.Days),
            EstimateSort.Estimate => By(r => r.EstimateUsd),
            EstimateSort.Variance => By(r => r.VarianceUsd),
            EstimateSort.Accuracy => By(r => r.AccuracyPercent),
            EstimateSort.Actual => By(r => r.ActualUsd),
            _ => throw new ArgumentOutOfRangeException(nameof(sort), sort, "Unknown sort."),
        };
        return sorted.ThenBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.EnvironmentId);
    }

    /// <summary><see cref="EstimateVsActualAsync"/> aggregated per template (on PostgreSQL in SQL, <see cref="CostAccuracySql"/>).</summary>
    public async Task<IReadOnlyList<TemplateAccuracy>> EstimateVsActualByTemplateAsync(LifecycleActor actor, CostFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return db.Database.IsNpgsql()
            ? await CostAccuracySql.TemplatesAsync(db, actor, filter, Span(filter), Today, cancellationToken)
            : ByTemplate(await EstimatesAsync(db, actor, filter, cancellationToken));
    }

    /// <summary>Per-environment accuracy rows aggregated per template.</summary>
    public static IReadOnlyList<TemplateAccuracy> ByTemplate(IReadOnlyList<EstimateAccuracy> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return [.. rows.GroupBy(r => r.Template, StringComparer.Ordinal)
            .Select(g =>
            {
                var (estimate, actual) = (g.Sum(r => r.EstimateUsd), g.Sum(r => r.ActualUsd));
                return new TemplateAccuracy(g.Key, g.Count(), estimate, actual, actual - estimate, Accuracy(estimate, actual));
            })
            .OrderByDescending(t => t.ActualUsd).ThenBy(t => t.Template, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Per approver of create requests: the estimates they approved (each environment's estimate at approval, prorated to its days
    /// in the filter) against what those environments cost. Every approver of a multi-approval request is credited with it;
    /// environments the policy approved on its own count under <see cref="Policy"/>.
    /// </summary>
    public async Task<IReadOnlyList<ApproverSpend>> ApprovedVsRealisedAsync(LifecycleActor actor, CostFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(filter);
        if (IsNpgsql)
        {
            await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
            return await CostAccuracySql.ApproversAsync(db, actor, filter, Span(filter), Today, cancellationToken);
        }

        return await CreditApproversAsync(actor, filter, EnvironmentActualsAsync(actor, filter, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// <see cref="ApprovedVsRealisedAsync(LifecycleActor, CostFilter, CancellationToken)"/> from the
    /// <see cref="EstimateVsActualAsync"/> rows already read for the same caller and filter (the dashboards page shows both).
    /// </summary>
    public Task<IReadOnlyList<ApproverSpend>> ApprovedVsRealisedAsync(
        LifecycleActor actor, CostFilter filter, IReadOnlyList<EstimateAccuracy> estimates, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(estimates);
        IReadOnlyDictionary<Guid, (int Days, decimal ActualUsd)> actuals = estimates.ToDictionary(e => e.EnvironmentId, e => (e.Days, e.ActualUsd));
        return CreditApproversAsync(actor, filter, Task.FromResult(actuals), cancellationToken);
    }

    /// <summary>Each environment's days in the filter and actual cost, read while the requests and decisions are.</summary>
    private async Task<IReadOnlyList<ApproverSpend>> CreditApproversAsync(
        LifecycleActor actor, CostFilter filter, Task<IReadOnlyDictionary<Guid, (int Days, decimal ActualUsd)>> actuals, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);

        // The same environments as a subquery, so thousands of ids are not sent back to the database.
        var inRange = InRange(db, actor, filter).Select(e => e.Id);
        var creates = db.EnvironmentRequests.AsNoTracking()
            .Where(r => r.Kind == RequestKind.Create && r.EnvironmentId != null && inRange.Contains(r.EnvironmentId.Value));
        var requests = await creates
            .Select(r => new { r.Id, EnvironmentId = r.EnvironmentId!.Value, r.PolicyOutcome, r.EstimateMonthlyUsd })
            .ToListAsync(cancellationToken);
        var decisions = await db.RequestDecisions.AsNoTracking()
            .Where(d => d.Verdict == DecisionVerdict.Approve && creates.Select(r => r.Id).Contains(d.RequestId))
            .Select(d => new { d.RequestId, d.DeciderId })
            .ToListAsync(cancellationToken);
        var deciderIds = decisions.Select(d => d.DeciderId).Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(u => deciderIds.Contains(u.Id))
            .ToDictionaryAsync(u => u.Id, u => string.IsNullOrEmpty(u.Email) ? u.DisplayName : u.Email!, cancellationToken);
        var byEnvironment = await actuals;
        var deciders = decisions.ToLookup(d => d.RequestId, d => d.DeciderId);
        var credited = new List<(string Approver, Guid EnvironmentId, decimal Approved, decimal Actual)>();
        foreach (var request in requests)
        {
            // Created between the two reads: counted on the next load.
            if (!byEnvironment.TryGetValue(request.EnvironmentId, out var e))
            {
                continue;
            }

            var approved = Prorate(request.EstimateMonthlyUsd, e.Days);
            var approvers = request.PolicyOutcome == PolicyOutcome.AutoApproved
                ? [Policy]
                : deciders[request.Id].Select(id => names.GetValueOrDefault(id, id.ToString())).Distinct().ToList();
            credited.AddRange(approvers.Select(a => (a, request.EnvironmentId, approved, e.ActualUsd)));
        }

        return [.. credited.GroupBy(c => c.Approver, StringComparer.Ordinal)
            .Select(g =>
            {
                var (approved, actual) = (g.Sum(c => c.Approved), g.Sum(c => c.Actual));
                approved = CostSql.Usd(approved);
                return new ApproverSpend(g.Key, g.Select(c => c.EnvironmentId).Distinct().Count(), approved, actual, actual - approved, Accuracy(approved, actual));
            })
            .OrderByDescending(a => a.ApprovedUsd).ThenBy(a => a.Approver, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Spend nobody should be paying for, in the filter's days: environments still billing on days after they were destroyed,
    /// after they expired, or while stopped (from the day after the stop), and — for those who see every team — unallocated spend
    /// (per account and tag). A day counts once: destroyed before expired before stopped.
    /// </summary>
    public Task<WasteReport> WasteAsync(LifecycleActor actor, CostFilter filter, CancellationToken cancellationToken) =>
        WasteAsync(actor, filter, inMemory: false, cancellationToken);

    /// <summary>
    /// <see cref="WasteAsync(LifecycleActor, CostFilter, CancellationToken)"/>; the environments' waste on PostgreSQL in one
    /// statement (<see cref="CostAccuracySql"/>) unless <paramref name="inMemory"/> (SQLite's way, kept as the tests' reference).
    /// </summary>
    internal async Task<WasteReport> WasteAsync(LifecycleActor actor, CostFilter filter, bool inMemory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var items = !inMemory && db.Database.IsNpgsql()
            ? await CostAccuracySql.WasteItemsAsync(db, actor, filter, cancellationToken)
            : await WasteItemsAsync(db, actor, filter, cancellationToken);

        if (actor.SeesAllTeams)
        {
            var facts = CostSql.Filtered(db, actor, filter, filter.From, filter.To);
            var unallocated = await CostSql.SumByAsync(db, facts.Where(f => f.EnvironmentId == null), f => new { f.AccountId, f.EnvironmentTag }, cancellationToken);
            items.AddRange(unallocated.Where(u => u.Amount != 0).Select(u =>
                new WasteItem(WasteKinds.Unallocated, null, u.Key.EnvironmentTag.Length == 0 ? $"untagged ({u.Key.AccountId})" : $"{u.Key.EnvironmentTag} ({u.Key.AccountId})", "", "", null, CostSql.Usd(u.Amount))));
        }

        items = [.. items.OrderByDescending(i => i.AmountUsd).ThenBy(i => i.Name, StringComparer.Ordinal)];
        var total = items.Sum(i => i.AmountUsd);
        var byKind = WasteKinds.All.Select(k => items.Where(i => i.Kind == k).Sum(i => i.AmountUsd)).ToList();
        return new WasteReport(total, [.. WasteKinds.All.Select((k, i) => new SpendShare(k, byKind[i], Percent(byKind[i], total)))], items);
    }

    private static async Task<List<WasteItem>> WasteItemsAsync(PortalDbContext db, LifecycleActor actor, CostFilter filter, CancellationToken cancellationToken)
    {
        var end = Instant(filter.To.AddDays(1));
        var candidates = await Environments(db, actor, filter)
            .Where(e => (e.DestroyedAt != null && e.DestroyedAt < end) || (e.ExpiresAt != null && e.ExpiresAt < end) || e.Status == EnvironmentStatus.Stopped)
            .Select(e => new { e.Id, e.Name, e.TeamId, e.Status, e.DestroyedAt, e.ExpiresAt, e.StoppedAt, e.UpdatedAt })
            .ToListAsync(cancellationToken);
        var periods = new List<(string Kind, Guid Id, DateOnly After, DateOnly? Until)>();
        foreach (var e in candidates)
        {
            DateOnly? destroyed = e.DestroyedAt is { } d ? Day(d) : null;
            DateOnly? expired = e.ExpiresAt is { } x ? Day(x) : null;
            if (destroyed is { } destroyedDay)
            {
                periods.Add((WasteKinds.Destroyed, e.Id, destroyedDay, null));
            }

            if (expired is { } expiredDay && (destroyed is null || expiredDay < destroyed))
            {
                periods.Add((WasteKinds.Expired, e.Id, expiredDay, destroyed));
            }

            if (e.Status == EnvironmentStatus.Stopped)
            {
                var stoppedDay = Day(e.StoppedAt ?? e.UpdatedAt);
                if (expired is null || stoppedDay < expired)
                {
                    periods.Add((WasteKinds.Stopped, e.Id, stoppedDay, expired));
                }
            }
        }

        // Waste periods differ per environment, so they are read from the per-environment days (a third of the facts).
        var days = CostSql.NarrowEnvironments(db.CostEnvironmentDays.AsNoTracking().Where(d => d.Date >= filter.From && d.Date <= filter.To), actor, filter);
        var amounts = new Dictionary<(string Kind, Guid Id), decimal>();
        foreach (var group in periods.GroupBy(p => (p.Kind, p.After, p.Until)).Chunk(50))
        {
            // One query per kind and chunk: (ids ∋ environment ∧ after < date ≤ until) ∨ ... — day limits differ per environment.
            foreach (var kind in group.GroupBy(g => g.Key.Kind))
            {
                var predicate = kind.Select(g => During([.. g.Select(p => p.Id)], g.Key.After, g.Key.Until)).Aggregate(CostSql.Or);
                foreach (var (id, amount) in await CostSql.SumByAsync(db, days.Where(predicate), d => d.EnvironmentId, cancellationToken))
                {
                    amounts[(kind.Key, id)] = amounts.GetValueOrDefault((kind.Key, id)) + amount;
                }
            }
        }

        var teams = await TeamSlugsAsync(db, cancellationToken);
        var byId = candidates.ToDictionary(c => c.Id);
        var starts = periods.ToDictionary(p => (p.Kind, p.Id), p => p.After);
        var items = amounts.Where(a => a.Value != 0).Select(a =>
        {
            var e = byId[a.Key.Id];
            var since = starts[a.Key].AddDays(1);
            return new WasteItem(a.Key.Kind, e.Id, e.Name, TeamName(teams, e.TeamId), e.Status.ToString(), since, CostSql.Usd(a.Value));
        }).ToList();
        return items;
    }


    /// <summary>An environment's daily cost per service over its last <paramref name="days"/> days (or since it was created), with month to date.</summary>
    public async Task<EnvironmentCosts?> EnvironmentAsync(LifecycleActor actor, Guid environmentId, int days, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var environment = await db.Environments.AsNoTracking().Where(e => e.Id == environmentId)
            .Select(e => new { e.TeamId, e.CreatedAt, e.MonthlyEstimateUsd }).SingleOrDefaultAsync(cancellationToken);
        if (environment is null || !actor.CanSee(environment.TeamId))
        {
            return null;
        }

        var today = Day(time.GetUtcNow());
        var created = Day(environment.CreatedAt);
        var from = today.AddDays(1 - days);
        from = created > from ? created : from;
        var monthStart = new DateOnly(today.Year, today.Month, 1);
        var first = monthStart < from ? monthStart : from;
        var facts = db.CostFacts.AsNoTracking().Where(f => f.EnvironmentId == environmentId && f.Date >= first && f.Date <= today);
        var rows = await CostSql.SumByAsync(db, facts, f => new { f.Date, f.Service }, cancellationToken);
        var daily = rows.Where(r => r.Key.Date >= from)
            .Select(r => new ServiceDay(r.Key.Date, r.Key.Service, CostSql.Usd(r.Amount)))
            .OrderBy(r => r.Date).ThenBy(r => r.Service, StringComparer.Ordinal).ToList();
        var monthToDate = CostSql.Usd(rows.Where(r => r.Key.Date >= monthStart).Sum(r => r.Amount));
        return new EnvironmentCosts(from, today, daily, monthToDate, environment.MonthlyEstimateUsd,
            CostSql.Usd(Prorate(environment.MonthlyEstimateUsd, today.DayNumber - (created > monthStart ? created : monthStart).DayNumber + 1)));
    }

    /// <summary>Whether any cost has been ingested (the dashboards' empty state).</summary>
    public async Task<bool> AnyFactsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.CostFacts.AnyAsync(cancellationToken);
    }

    /// <summary>Whether an ingestion started at or after <paramref name="since"/> has ended and none is still running.</summary>
    public async Task<bool> IngestionEndedSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var runs = await db.CostIngestionRuns.AsNoTracking().Where(r => r.StartedAt >= since).Select(r => r.FinishedAt).ToListAsync(cancellationToken);
        return runs.Count > 0 && runs.All(finished => finished != null);
    }

    /// <summary>Every team's id by slug (a filter naming a team that does not exist is an error; one the caller cannot see, empty).</summary>
    public async Task<IReadOnlyDictionary<string, Guid>> TeamsBySlugAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.Teams.AsNoTracking().ToDictionaryAsync(t => t.Slug, t => t.Id, StringComparer.Ordinal, cancellationToken);
    }

    /// <summary>
    /// <see cref="TeamsBySlugAsync(CancellationToken)"/> from memory (<see cref="TeamSlugs"/>): read again only when one of
    /// <paramref name="wanted"/> is not known yet.
    /// </summary>
    internal async Task<IReadOnlyDictionary<string, Guid>> TeamsBySlugAsync(IEnumerable<string> wanted, CancellationToken cancellationToken) =>
        await _teamSlugs.IdsAsync(wanted, cancellationToken);

    /// <summary>Teams and accounts to filter by: every team for those who see all, else the caller's.</summary>
    public async Task<CostFilterOptions> FilterOptionsAsync(LifecycleActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var teams = await db.Teams.AsNoTracking().OrderBy(t => t.Slug).Select(t => new { t.Id, t.Slug }).ToListAsync(cancellationToken);
        // Ingested accounts from the runs (a handful of rows), not from the facts (millions).
        var accounts = await db.CostIngestionRuns.AsNoTracking().Select(r => r.AccountId)
            .Union(db.Environments.AsNoTracking().Select(e => e.AccountId)).Distinct().ToListAsync(cancellationToken);
        return new CostFilterOptions(
            [.. teams.Where(t => actor.CanSee(t.Id)).Select(t => new TeamOption(t.Id, t.Slug))],
            [.. teams.Select(t => t.Slug)],
            [.. accounts.Order(StringComparer.Ordinal)]);
    }

    private async Task<IReadOnlyList<SpendShare>> SharesAsync<TKey>(
        LifecycleActor actor, CostFilter filter, Expression<Func<CostMonthlyRollup, TKey>> monthKey, Expression<Func<CostDailyRollup, TKey>> dayKey,
        Func<TKey, string> name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var rows = await CostSql.SumSlicesByAsync(db, actor, filter, Span(filter), monthKey, dayKey, cancellationToken);
        var total = CostSql.Usd(rows.Sum(r => r.Amount));
        return [.. rows.GroupBy(r => name(r.Key), StringComparer.Ordinal)
            .Select(g =>
            {
                var amount = CostSql.Usd(g.Sum(r => r.Amount));
                return new SpendShare(g.Key, amount, Percent(amount, total));
            })
            .OrderByDescending(s => s.AmountUsd).ThenBy(s => s.Key, StringComparer.Ordinal)];
    }

    /// <summary>Days in the filter and actual cost of every environment that existed in its days.</summary>
    private async Task<IReadOnlyDictionary<Guid, (int Days, decimal ActualUsd)>> EnvironmentActualsAsync(
        LifecycleActor actor, CostFilter filter, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var environments = await InRange(db, actor, filter).Select(e => new { e.Id, e.CreatedAt, e.DestroyedAt }).ToListAsync(cancellationToken);
        var actuals = (await CostSql.EnvironmentTotalsAsync(db, actor, filter, Span(filter), null, cancellationToken)).ToDictionary(r => r.EnvironmentId, r => r.Amount);
        return environments.ToDictionary(e => e.Id, e => (DaysIn(filter, e.CreatedAt, e.DestroyedAt), CostSql.Usd(actuals.GetValueOrDefault(e.Id))));
    }

    private async Task<List<EstimateAccuracy>> EstimatesAsync(
        PortalDbContext db, LifecycleActor actor, CostFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var environments = await InRange(db, actor, filter)
            .Select(e => new { e.Id, e.Name, e.TeamId, e.TemplateSlug, e.Tier, e.Status, e.MonthlyEstimateUsd, e.CreatedAt, e.DestroyedAt })
            .ToListAsync(cancellationToken);
        var actuals = (await CostSql.EnvironmentTotalsAsync(db, actor, filter, Span(filter), null, cancellationToken)).ToDictionary(r => r.EnvironmentId, r => r.Amount);
        var teams = await TeamSlugsAsync(db, cancellationToken);
        return [.. environments.Select(e =>
            {
                var days = DaysIn(filter, e.CreatedAt, e.DestroyedAt);
                var estimate = CostSql.Usd(Prorate(e.MonthlyEstimateUsd, days));
                var actual = CostSql.Usd(actuals.GetValueOrDefault(e.Id));
                return new EstimateAccuracy(e.Id, e.Name, TeamName(teams, e.TeamId), e.TemplateSlug, e.Tier.Slug(), e.Status.ToString(), days,
                    e.MonthlyEstimateUsd, estimate, actual, actual - estimate, Accuracy(estimate, actual));
            })
            .OrderByDescending(r => r.ActualUsd).ThenBy(r => r.Name, StringComparer.Ordinal)];
    }

    /// <summary>Environments that existed in the filter's days (created before its end, not destroyed before its start).</summary>
    private static IQueryable<PortalEnvironment> InRange(PortalDbContext db, LifecycleActor actor, CostFilter filter)
    {
        var (start, end) = (Instant(filter.From), Instant(filter.To.AddDays(1)));
        return Environments(db, actor, filter)
            .Where(e => e.Status != EnvironmentStatus.Requested && e.CreatedAt < end && (e.DestroyedAt == null || e.DestroyedAt >= start));
    }

    private static IQueryable<PortalEnvironment> Environments(PortalDbContext db, LifecycleActor actor, CostFilter filter) =>
        CostSql.NarrowEnvironments(db.Environments.AsNoTracking(), actor, filter);

    private static Expression<Func<CostEnvironmentDay, bool>> During(List<Guid> ids, DateOnly after, DateOnly? until) => until is { } last
        ? d => ids.Contains(d.EnvironmentId) && d.Date > after && d.Date <= last
        : d => ids.Contains(d.EnvironmentId) && d.Date > after;

    private DateOnly Today => Day(time.GetUtcNow());

    private bool IsNpgsql
    {
        get
        {
            if (_isNpgsql is null)
            {
                using var db = contextFactory.CreateDbContext();
                _isNpgsql = db.Database.IsNpgsql();
            }

            return _isNpgsql.Value;
        }
    }

    /// <summary>An environment's days in the filter up to today: from its creation (or the filter's start) to its destroy day.</summary>
    private int DaysIn(CostFilter filter, DateTimeOffset created, DateTimeOffset? destroyed)
    {
        var lastDay = Min(filter.To, Today);
        var from = Max(filter.From, Day(created));
        var to = destroyed is { } at ? Min(lastDay, Day(at)) : lastDay;
        return Math.Max(0, to.DayNumber - from.DayNumber + 1);
    }

    private CostSpan Span(CostFilter filter) => CostSpan.Of(filter.From, filter.To, Today);

    private static async Task<Dictionary<Guid, string>> TeamSlugsAsync(PortalDbContext db, CancellationToken cancellationToken) =>
        await db.Teams.AsNoTracking().ToDictionaryAsync(t => t.Id, t => t.Slug, cancellationToken);

    private static string TeamName(Dictionary<Guid, string> teams, Guid? id) =>
        id is { } teamId ? teams.GetValueOrDefault(teamId, teamId.ToString()) : Unallocated;

    /// <summary>A monthly figure for some days: × days × 12 / 365.</summary>
    public static decimal Prorate(decimal monthlyUsd, int days) => monthlyUsd * days * 12m / 365m;

    /// <summary>100 % when actual equals estimate, falling by the relative error, never below 0; null without an estimate.</summary>
    public static decimal? Accuracy(decimal estimateUsd, decimal actualUsd) => estimateUsd <= 0
        ? null
        : Math.Max(0m, decimal.Round(100m * (1m - (Math.Abs(actualUsd - estimateUsd) / estimateUsd)), 1, MidpointRounding.AwayFromZero));

    private static decimal Percent(decimal part, decimal total) => total == 0 ? 0 : decimal.Round(100m * part / total, 1, MidpointRounding.AwayFromZero);

    private static DateOnly Day(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    private static DateTimeOffset Instant(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;
}

/// <summary>
/// The dashboards' shared filter: days <see cref="From"/> to <see cref="To"/> (both inclusive), optionally some teams, a tier
/// and an account. A team or tier filter leaves unallocated spend out (it has neither).
/// </summary>
public sealed record CostFilter(DateOnly From, DateOnly To, IReadOnlyList<Guid>? TeamIds = null, EnvironmentTier? Tier = null, string? AccountId = null);

/// <summary>Kinds of waste in <see cref="WasteReport"/>.</summary>
public static class WasteKinds
{
    public const string Destroyed = "destroyed-still-billing";
    public const string Expired = "expired";
    public const string Stopped = "stopped";
    public const string Unallocated = "unallocated";

    public static IReadOnlyList<string> All { get; } = [Destroyed, Expired, Stopped, Unallocated];
}

public sealed record MonthlySpend(IReadOnlyList<string> Months, IReadOnlyList<string> Teams, IReadOnlyList<MonthlyTeamSpend> Rows, decimal TotalUsd)
{
    /// <summary>The series name of the teams <see cref="FoldTeams"/> sums together.</summary>
    public const string OtherTeams = "other teams";

    /// <summary>
    /// Keeps the <paramref name="shown"/> teams that spent most by name and sums the rest per month as
    /// <see cref="OtherTeams"/> (before unallocated spend), so a chart of fifty teams stays readable; the total is unchanged.
    /// </summary>
    public MonthlySpend FoldTeams(int shown)
    {
        var named = Teams.Where(t => t != CostQueries.Unallocated).Take(Math.Max(1, shown)).ToHashSet(StringComparer.Ordinal);
        string Shown(string team) => team == CostQueries.Unallocated || named.Contains(team) ? team : OtherTeams;
        var teams = Teams.Select(Shown).Distinct(StringComparer.Ordinal).OrderBy(t => t == CostQueries.Unallocated).ThenBy(t => t == OtherTeams).ToList();
        var rows = Rows.GroupBy(r => (r.Month, Team: Shown(r.Team)))
            .Select(g => new MonthlyTeamSpend(g.Key.Month, g.Key.Team, g.Sum(r => r.AmountUsd)))
            .OrderBy(r => r.Month, StringComparer.Ordinal).ThenBy(r => teams.IndexOf(r.Team))
            .ToList();
        return this with { Teams = teams, Rows = rows };
    }
}

public sealed record MonthlyTeamSpend(string Month, string Team, decimal AmountUsd);

public sealed record SpendShare(string Key, decimal AmountUsd, decimal Percent);

public sealed record EnvironmentSpend(Guid EnvironmentId, string Name, string Team, string Template, string Tier, string Status, decimal AmountUsd);

public sealed record DailySpend(DateOnly Date, decimal AmountUsd);

/// <summary>
/// Every day of a range with its spend rounded to the cent, and the range's total rounded once, from the exact amounts: the
/// rounded days can add up to a cent or more away from it (three days of $0.004 are $0.00 each and $0.01 together), and the
/// by-team, tier and service shares are of the exact total, so the "Spend" figure is too.
/// </summary>
public sealed record DailyTrend(IReadOnlyList<DailySpend> Days, decimal TotalUsd)
{
    /// <summary>The days <paramref name="from"/>..<paramref name="to"/> from their exact amounts (a missing day spent nothing).</summary>
    public static DailyTrend Of(DateOnly from, DateOnly to, IReadOnlyDictionary<DateOnly, decimal> exactByDay)
    {
        ArgumentNullException.ThrowIfNull(exactByDay);
        var days = new List<DailySpend>(Math.Max(0, to.DayNumber - from.DayNumber + 1));
        var total = 0m;
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            var amount = exactByDay.GetValueOrDefault(day);
            total += amount;
            days.Add(new DailySpend(day, CostSql.Usd(amount)));
        }

        return new DailyTrend(days, CostSql.Usd(total));
    }
}

public sealed record EstimateAccuracy(
    Guid EnvironmentId, string Name, string Team, string Template, string Tier, string Status, int Days,
    decimal MonthlyEstimateUsd, decimal EstimateUsd, decimal ActualUsd, decimal VarianceUsd, decimal? AccuracyPercent);

/// <summary>Orders of <see cref="CostDashboardQueries.EstimateVsActualPageAsync"/> (and of the API's <c>sort</c>).</summary>
public enum EstimateSort
{
    Actual,
    Estimate,
    Variance,
    Accuracy,
    Environment,
    Name,
    Template,
    Tier,
    Status,
    Days,
}

/// <summary>One page of estimate-vs-actual rows: <see cref="Total"/> environments in the view, <see cref="Billed"/> of them with a cost.</summary>
public sealed record EstimateAccuracyPage(IReadOnlyList<EstimateAccuracy> Items, int Total, int Billed, int Page, int PageSize);

public sealed record TemplateAccuracy(string Template, int Environments, decimal EstimateUsd, decimal ActualUsd, decimal VarianceUsd, decimal? AccuracyPercent);

public sealed record ApproverSpend(string Approver, int Environments, decimal ApprovedUsd, decimal ActualUsd, decimal VarianceUsd, decimal? AccuracyPercent);

public sealed record WasteItem(string Kind, Guid? EnvironmentId, string Name, string Team, string Status, DateOnly? Since, decimal AmountUsd);

public sealed record WasteReport(decimal TotalUsd, IReadOnlyList<SpendShare> ByKind, IReadOnlyList<WasteItem> Items);

public sealed record ServiceDay(DateOnly Date, string Service, decimal AmountUsd);

/// <summary>An environment's cost panel: daily cost per service from <see cref="From"/> to <see cref="To"/>, month to date, the estimate.</summary>
public sealed record EnvironmentCosts(
    DateOnly From, DateOnly To, IReadOnlyList<ServiceDay> Daily, decimal MonthToDateUsd, decimal MonthlyEstimateUsd, decimal EstimateToDateUsd);

public sealed record TeamOption(Guid Id, string Slug);

/// <summary>What the filter bar offers: the teams the caller may pick, every team slug (for stable colours), the accounts.</summary>
public sealed record CostFilterOptions(IReadOnlyList<TeamOption> Teams, IReadOnlyList<string> AllTeamSlugs, IReadOnlyList<string> Accounts);
