using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Lifecycle;
using Portal.TestSupport;
using Portal.Web.Features.Costs;
using Portal.Web.Tests.Benchmarks;

namespace Portal.Web.Tests.Costs;

/// <summary>
/// Issue 18: on PostgreSQL the estimate page, the templates and the approvers are computed in one SQL statement each
/// (<c>CostAccuracySql</c>). They must equal the in-memory computation they replaced (<see cref="CostDashboardQueries.EstimateVsActualAsync"/>,
/// which the CSV export and SQLite still use, with <see cref="CostDashboardQueries.ByTemplate"/> and the credit of approvers
/// from those rows) on constructed data: 240 environments in 4 teams and 3 tiers, two accounts, created, destroyed and
/// estimated at scattered times, with random daily costs over 150 days and create requests auto-approved or approved by one
/// or two people (one with no e-mail address, credited under their name), for filters over whole, partial and current
/// months, per team, tier and account, and for a developer. Waste (<c>CostAccuracySql.WasteItemsAsync</c>) likewise against
/// its per-period queries, with environments expiring, stopped (with and without a stop time) and destroyed.
/// </summary>
public sealed class CostAccuracySqlTests(CostAccuracySqlTests.Data data) : IClassFixture<CostAccuracySqlTests.Data>
{
    public static TheoryData<int, int, string> Filters => new()
    {
        { 29, 0, "" },
        { 89, 0, "" },
        { 120, 35, "" },
        { 60, 40, "tier" },
        { 45, 0, "team" },
        { 45, 0, "account" },
        { 29, 0, "developer" },
        { 0, 0, "" },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task EstimatePages_EqualTheInMemoryRows_InEveryOrder(int daysBack, int endBack, string narrow)
    {
        var (actor, filter) = data.Case(daysBack, endBack, narrow);
        var all = await data.Queries.EstimateVsActualAsync(actor, filter, CancellationToken.None);
        all.Count.ShouldBeGreaterThan(0);

        foreach (var sort in Enum.GetValues<EstimateSort>())
        {
            foreach (var descending in new[] { true, false })
            {
                var expected = CostDashboardQueries.Sorted(all, sort, descending).ToList();
                foreach (var (page, size) in new[] { (1, 25), (3, 17), (1, 500) })
                {
                    var actual = await data.Queries.EstimateVsActualPageAsync(actor, filter, sort, descending, page, size, CancellationToken.None);
                    actual.Total.ShouldBe(all.Count);
                    actual.Billed.ShouldBe(all.Count(r => r.ActualUsd > 0));
                    actual.Items.ShouldBe(expected.Skip((page - 1) * size).Take(size).ToList(), $"{sort} {(descending ? "desc" : "asc")} page {page} of {size}");
                }
            }
        }

        var beyond = await data.Queries.EstimateVsActualPageAsync(actor, filter, EstimateSort.Actual, true, 1000, 50, CancellationToken.None);
        (beyond.Items.Count, beyond.Total, beyond.Page).ShouldBe((0, all.Count, 1000));
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task TemplatesAndApprovers_EqualTheInMemoryAggregates(int daysBack, int endBack, string narrow)
    {
        var (actor, filter) = data.Case(daysBack, endBack, narrow);
        var rows = await data.Queries.EstimateVsActualAsync(actor, filter, CancellationToken.None);

        var templates = await data.Queries.EstimateVsActualByTemplateAsync(actor, filter, CancellationToken.None);
        templates.ShouldBe(CostDashboardQueries.ByTemplate(rows));
        templates.Count.ShouldBeGreaterThan(0);

        var approvers = await data.Queries.ApprovedVsRealisedAsync(actor, filter, CancellationToken.None);
        var expected = await data.Queries.ApprovedVsRealisedAsync(actor, filter, rows, CancellationToken.None);
        approvers.ShouldBe(expected);
        approvers.ShouldNotBeEmpty();
        if (narrow == "")
        {
            approvers.Select(a => a.Approver).ShouldBe([CostDashboardQueries.Policy, "No E-mail Reviewer", "reviewer@example.com", "second@example.com"], ignoreOrder: true);
        }
    }

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Waste_EqualsTheInMemoryPeriods(int daysBack, int endBack, string narrow)
    {
        var (actor, filter) = data.Case(daysBack, endBack, narrow);

        var waste = await data.Queries.WasteAsync(actor, filter, inMemory: false, CancellationToken.None);
        var expected = await data.Queries.WasteAsync(actor, filter, inMemory: true, CancellationToken.None);

        waste.Items.ShouldBe(expected.Items);
        waste.ByKind.ShouldBe(expected.ByKind);
        waste.TotalUsd.ShouldBe(expected.TotalUsd);
        if (daysBack >= 29)
        {
            waste.Items.Select(i => i.Kind).Distinct().Count().ShouldBeGreaterThanOrEqualTo(2);
        }
    }

    /// <summary>
    /// The per-environment totals (month rows and month-to-date totals at the edges) equal the facts summed in memory for
    /// ranges on every kind of edge: starting on the 1st, ending on a month's last day, single days (the 1st, a last day,
    /// today), ranges over several months and over a year, ranges ending after today, and wholly in the future.
    /// </summary>
    [Theory]
    [InlineData("")]
    [InlineData("developer")]
    [InlineData("account")]
    [InlineData("tier")]
    public async Task EnvironmentTotals_EqualTheFacts_OnEveryKindOfEdge(string narrow)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var month = new DateOnly(today.Year, today.Month, 1);
        var previous = month.AddMonths(-1);
        var ranges = new (DateOnly From, DateOnly To)[]
        {
            (today.AddDays(-29), today), (previous, today), (previous, previous.AddMonths(1).AddDays(-1)), (previous.AddDays(5), previous.AddDays(5)),
            (previous, previous), (month.AddDays(-1), month.AddDays(-1)), (month.AddDays(-1), month), (today, today), (previous.AddDays(3), previous.AddDays(19)),
            (previous.AddMonths(-2).AddDays(7), month.AddDays(-2)), (today.AddDays(-400), today), (today.AddDays(-120), today.AddDays(20)),
            (today.AddDays(1), today.AddDays(30)), (previous.AddDays(-1), previous.AddDays(1)), (month.AddMonths(-3), month.AddMonths(-2).AddDays(-1)),
        };
        await using var db = data.CreateContext();
        foreach (var (from, to) in ranges)
        {
            var (actor, filter) = data.Case(0, 0, narrow);
            filter = filter with { From = from, To = to };
            var facts = CostSql.Narrow(db.CostFacts.AsNoTracking().Where(f => f.Date >= from && f.Date <= to && f.EnvironmentId != null), actor, filter);
            var expected = (await facts.GroupBy(f => f.EnvironmentId!.Value).Select(g => new { g.Key, Amount = g.Sum(f => f.UnblendedUsd) }).ToListAsync())
                .Where(g => g.Amount != 0).OrderBy(g => g.Key).Select(g => (g.Key, g.Amount)).ToList();
            var actual = (await CostSql.EnvironmentTotalsAsync(db, actor, filter, CostSpan.Of(from, to, today), null, CancellationToken.None))
                .OrderBy(g => g.EnvironmentId).ToList();
            actual.ShouldBe(expected, $"{from:yyyy-MM-dd}..{to:yyyy-MM-dd} {narrow}");
            if (to <= today && from >= today.AddDays(-150))
            {
                var top = await CostSql.EnvironmentTotalsAsync(db, actor, filter, CostSpan.Of(from, to, today), 7, CancellationToken.None);
                top.Select(t => t.Amount).ShouldBe(expected.Select(e => e.Amount).OrderByDescending(a => a).Take(7).ToList(), $"top 7 {from:yyyy-MM-dd}..{to:yyyy-MM-dd}");
            }
        }
    }

    public sealed class Data : IAsyncLifetime
    {
        private const string Account1 = "123456789012";
        private const string Account2 = "210987654321";

        private TestDatabase _database = default!;

        public CostDashboardQueries Queries { get; private set; } = default!;

        private LifecycleActor _finance = default!;

        private LifecycleActor _developer = default!;

        private List<Guid> _teams = [];

        private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

        public (LifecycleActor Actor, CostFilter Filter) Case(int daysBack, int endBack, string narrow)
        {
            var (from, to) = (Today.AddDays(-daysBack), Today.AddDays(-endBack));
            return narrow switch
            {
                "tier" => (_finance, new CostFilter(from, to, Tier: EnvironmentTier.Staging)),
                "team" => (_finance, new CostFilter(from, to, [_teams[1], _teams[2]])),
                "account" => (_finance, new CostFilter(from, to, AccountId: Account2)),
                "developer" => (_developer, new CostFilter(from, to)),
                _ => (_finance, new CostFilter(from, to)),
            };
        }

        public async Task InitializeAsync()
        {
            _database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
            await new DatabaseMigrator(_database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
            await using var db = _database.CreateContext();
            var now = DateTimeOffset.UtcNow.AddDays(-400);
            var teams = Enumerable.Range(1, 4).Select(i => Team.Create($"team-{i}", $"Team {i}", $"CC-{i}", 1000m, now)).ToList();
            db.Teams.AddRange(teams);
            var owner = User("dev@example.com", "Dev");
            var reviewer = User("reviewer@example.com", "Reviewer");
            var second = User("second@example.com", "Second");
            var noEmail = User("", "No E-mail Reviewer");
            var namesake = User("", "No E-mail Reviewer", "namesake");
            db.Users.AddRange(owner, reviewer, second, noEmail, namesake);
            await db.SaveChangesAsync();
            _teams = [.. teams.Select(t => t.Id)];

            // Created 10–160 days ago at any hour, a fifth destroyed since (some on the day they were created), a twentieth still
            // requested (never billed); estimates with cents; names unique. Requests: dev auto-approved; staging by one reviewer
            // (about a quarter by the reviewer without an e-mail address); prod by two (on about an eighth both without an
            // e-mail address and with the same name: credited once).
            await CostBenchmarkData.ExecAsync(db, $"""
                SELECT setseed(0.18);
                INSERT INTO "Environments" ("Id", "Name", "TeamId", "OwnerId", "TemplateSlug", "TemplateVersion", "Tier", "AccountId", "Region",
                    "StackName", "Status", "OutputsJson", "ParametersJson", "OffHoursSchedule", "HoursSavedBySchedule", "CreatedAt", "UpdatedAt",
                    "Version", "MonthlyEstimateUsd", "DestroyedAt", "ExpiresAt", "StoppedAt")
                SELECT gen_random_uuid(), 'env-' || lpad(i::text, 3, '0'), (ARRAY['{_teams[0]}', '{_teams[1]}', '{_teams[2]}', '{_teams[3]}']::uuid[])[1 + i % 4], '{owner.Id}',
                    (ARRAY['network-vpc', 'static-site', 'ecs-web-service', 'rds-postgres'])[1 + (i / 3) % 4], '1.0.0',
                    (ARRAY['dev', 'staging', 'prod'])[1 + i % 3], CASE WHEN i % 7 = 0 THEN '{Account2}' ELSE '{Account1}' END, 'us-east-1', 'env-' || i,
                    CASE WHEN i % 20 = 0 THEN 'Requested' WHEN i % 5 = 1 THEN 'Destroyed' WHEN i % 5 = 2 THEN 'Stopped' ELSE 'Ready' END, '{"{}"}', '{"{}"}', false, 0,
                    created, now(), 1, round((10 + random() * 900)::numeric, 2),
                    CASE WHEN i % 5 = 1 THEN least(now(), created + (random() * 120) * interval '1 day') END,
                    CASE WHEN i % 4 = 3 THEN created + (random() * 100) * interval '1 day' END,
                    CASE WHEN i % 5 = 2 AND i % 3 <> 0 THEN least(now(), created + (random() * 90) * interval '1 day') END
                FROM (SELECT i, now() - (10 + random() * 150) * interval '1 day' AS created FROM generate_series(1, 240) i) g;

                INSERT INTO "EnvironmentRequests" ("Id", "Kind", "RequesterId", "TeamId", "EnvironmentId", "EnvironmentName", "TemplateSlug", "TemplateVersion",
                    "Tier", "AccountId", "Region", "ParametersJson", "Justification", "TtlDays", "EstimateLineItemsJson", "EstimateMonthlyUsd", "Status",
                    "PolicyOutcome", "ApprovalsRequired", "PolicyReason", "CreatedAt", "UpdatedAt", "DecidedAt", "CompletedAt", "Version")
                SELECT gen_random_uuid(), 'Create', '{owner.Id}', e."TeamId", e."Id", e."Name", e."TemplateSlug", '1.0.0', e."Tier", e."AccountId", e."Region",
                    '{"{}"}', 'Test.', NULL, '[]', round(e."MonthlyEstimateUsd" * (0.5 + random())::numeric, 2), 'Completed',
                    CASE e."Tier" WHEN 'dev' THEN 'AutoApproved' ELSE 'NeedsApproval' END, CASE e."Tier" WHEN 'dev' THEN 0 WHEN 'staging' THEN 1 ELSE 2 END,
                    'Test.', e."CreatedAt", e."CreatedAt", e."CreatedAt", e."CreatedAt", 1
                FROM "Environments" e;

                INSERT INTO "RequestDecisions" ("Id", "RequestId", "DeciderId", "Verdict", "Comment", "DecidedAt")
                SELECT gen_random_uuid(), r."Id", CASE WHEN (hashtext(r."EnvironmentName") & 3) = 0 THEN '{noEmail.Id}'::uuid ELSE '{reviewer.Id}'::uuid END, 'Approve', NULL, r."CreatedAt"
                FROM "EnvironmentRequests" r WHERE r."PolicyOutcome" = 'NeedsApproval'
                UNION ALL
                SELECT gen_random_uuid(), r."Id", CASE WHEN (hashtext(r."EnvironmentName") & 7) = 0 THEN '{namesake.Id}'::uuid ELSE '{second.Id}'::uuid END, 'Approve', NULL, r."CreatedAt"
                FROM "EnvironmentRequests" r WHERE r."Tier" = 'prod';

                INSERT INTO "CostFacts" ("Id", "Date", "AccountId", "EnvironmentTag", "EnvironmentId", "TeamId", "Tier", "Service",
                    "UnblendedUsd", "AmortizedUsd", "Estimated", "IngestedAt")
                SELECT gen_random_uuid(), d::date, e."AccountId", e."Id"::text, e."Id", e."TeamId", e."Tier", s.name,
                    round((random() * 40)::numeric, 6), 1, false, now()
                FROM "Environments" e
                CROSS JOIN generate_series(current_date - 150, current_date, interval '1 day') d
                CROSS JOIN (VALUES ('AmazonEC2'), ('AmazonS3')) s(name)
                WHERE e."Status" <> 'Requested' AND d::date >= (e."CreatedAt" AT TIME ZONE 'UTC')::date - 3 AND random() < 0.8;
                """);
            foreach (var account in new[] { Account1, Account2 })
            {
                await CostRollups.RebuildAsync(db, account, Today.AddDays(-160), Today.AddDays(1), CancellationToken.None);
            }

            Queries = new CostDashboardQueries(_database.CreateFactory());
            _finance = new LifecycleActor(Guid.NewGuid(), "finance@example.com", false, true, new HashSet<Guid>());
            _developer = new LifecycleActor(owner.Id, "dev@example.com", false, false, new HashSet<Guid> { _teams[0], _teams[3] });
            (await db.CostEnvironmentDays.CountAsync()).ShouldBeGreaterThan(1000);
        }

        public PortalDbContext CreateContext() => _database.CreateContext();

        public async Task DisposeAsync() => await _database.DisposeAsync();

        private static PortalUser User(string email, string name, string? userName = null) => new()
        {
            Id = Guid.NewGuid(),
            UserName = userName ?? name.Replace(' ', '-'),
            NormalizedUserName = (userName ?? name.Replace(' ', '-')).ToUpperInvariant(),
            Email = email,
            NormalizedEmail = email.ToUpperInvariant(),
            DisplayName = name,
        };
    }
}
