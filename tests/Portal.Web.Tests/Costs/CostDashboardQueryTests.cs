using Microsoft.Extensions.Logging.Abstractions;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.TestSupport;
using Portal.Web.Features.Costs;

namespace Portal.Web.Tests.Costs;

/// <summary>
/// Constructed environments, approvals and cost facts for October 2026, in a freshly migrated database:
/// <list type="bullet">
/// <item>checkout (payments, ecs-web-service, dev, acct 1): created 20 Sep, estimate $73/month ($2.40 a day), approved by
/// platform@ at an estimate of $36.50; facts 1 Oct RDS 10.50, 15 Oct RDS 20.00 + ECS 5.25 (and 30 Sep RDS 99).</item>
/// <item>ledger (payments, static-site, prod, acct 1): created 11 Oct, $36.50/month ($1.20 a day), auto-approved, stopped
/// 20 Oct; facts 12 Oct S3 1.125, 21 Oct S3 3.00.</item>
/// <item>crawler (search, ecs-web-service, dev, acct 2): created 1 Sep, expired 5 Oct, destroyed 10 Oct, $73/month,
/// approved by platform2@; facts 1 Oct EC2 4.00, 7 Oct EC2 6.00, 12 Oct EC2 2.00.</item>
/// <item>unallocated (acct 1): 1 Oct CloudWatch 1.25 untagged, 2 Oct S3 0.75 tagged "demo-x".</item>
/// </list>
/// </summary>
public abstract class CostDashboardQueryTests(CostDashboardData data)
{
    private static readonly CostFilter October = new(new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 31));

    protected CostDashboardData Data => data;

    private CostDashboardQueries Queries => data.Queries;

    [Fact]
    public async Task MonthlyByTeam_StacksThirteenMonthsEndingWithTheFiltersMonth()
    {
        var monthly = await Queries.MonthlyByTeamAsync(data.Finance, October, CancellationToken.None);

        monthly.Months.Count.ShouldBe(13);
        monthly.Months[0].ShouldBe("2025-10");
        monthly.Months[^1].ShouldBe("2026-10");
        monthly.Rows.ShouldBe(
        [
            new MonthlyTeamSpend("2026-09", "payments", 99m),
            new MonthlyTeamSpend("2026-10", "payments", 39.88m),
            new MonthlyTeamSpend("2026-10", "search", 12m),
            new MonthlyTeamSpend("2026-10", "unallocated", 2m),
        ]);
        monthly.Teams.ShouldBe(["payments", "search", "unallocated"]);
        monthly.TotalUsd.ShouldBe(152.88m, "99 + 53.875");
    }

    [Theory]
    [InlineData(10, 14, "2026-10", 11.63, 12)]
    [InlineData(10, 20, "2026-10", 36.88, 12)]
    public async Task MonthlyByTeam_ALastMonthCutShort_CountsOnlyItsDays(int month, int day, string last, decimal payments, decimal search)
    {
        var monthly = await Queries.MonthlyByTeamAsync(data.Finance, new CostFilter(new DateOnly(2026, month, 1), new DateOnly(2026, month, day)), CancellationToken.None);

        monthly.Rows.ShouldBe(
        [
            new MonthlyTeamSpend("2026-09", "payments", 99m),
            new MonthlyTeamSpend(last, "payments", payments),
            new MonthlyTeamSpend(last, "search", search),
            new MonthlyTeamSpend(last, "unallocated", 2m),
        ]);
    }

    [Theory]
    [InlineData("2026-09-30", "2026-10-31")]
    [InlineData("2026-10-02", "2026-10-30")]
    [InlineData("2026-10-12", "2026-10-12")]
    [InlineData("2026-10-13", "2026-10-14")]
    [InlineData("2026-10-15", "2026-12-31")]
    [InlineData("2026-09-01", "2026-09-30")]
    [InlineData("2026-08-01", "2026-11-15")]
    public async Task PerEnvironmentTotals_OverAnyRange_AreTheirFactsSums(string from, string to)
    {
        var filter = new CostFilter(DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), DateOnly.Parse(to, System.Globalization.CultureInfo.InvariantCulture));
        Dictionary<Guid, decimal> Expected(Func<CostFact, bool> visible) => data.Facts
            .Where(f => f.EnvironmentId != null && f.Date >= filter.From && f.Date <= filter.To && visible(f))
            .GroupBy(f => f.EnvironmentId!.Value).ToDictionary(g => g.Key, g => decimal.Round(g.Sum(f => f.UnblendedUsd), 2, MidpointRounding.AwayFromZero));

        var top = await Queries.TopEnvironmentsAsync(data.Finance, filter, 100, CancellationToken.None);
        var estimates = await Queries.EstimateVsActualAsync(data.Finance, filter, CancellationToken.None);
        var developers = await Queries.TopEnvironmentsAsync(data.PaymentsDeveloper, filter, 100, CancellationToken.None);

        top.ToDictionary(t => t.EnvironmentId, t => t.AmountUsd).ShouldBe(Expected(_ => true).Where(e => e.Value != 0), ignoreOrder: true);
        top.Select(t => t.AmountUsd).ShouldBeInOrder(SortDirection.Descending);
        var all = Expected(_ => true);
        foreach (var estimate in estimates)
        {
            estimate.ActualUsd.ShouldBe(all.GetValueOrDefault(estimate.EnvironmentId), estimate.Name);
        }

        developers.ToDictionary(t => t.EnvironmentId, t => t.AmountUsd).ShouldBe(Expected(f => f.TeamId == data.Payments).Where(e => e.Value != 0), ignoreOrder: true);
    }

    [Fact]
    public async Task ByTierServiceAndTeam_SplitTheSameTotal()
    {
        var tiers = await Queries.ByTierAsync(data.Finance, October, CancellationToken.None);
        var services = await Queries.ByServiceAsync(data.Finance, October, CancellationToken.None);
        var teams = await Queries.ByTeamAsync(data.Finance, October, CancellationToken.None);

        tiers.ShouldBe([new SpendShare("dev", 47.75m, 88.6m), new SpendShare("prod", 4.13m, 7.7m), new SpendShare("unallocated", 2m, 3.7m)]);
        services.ShouldBe(
        [
            new SpendShare("Amazon Relational Database Service", 30.5m, 56.6m),
            new SpendShare("Amazon Elastic Compute Cloud - Compute", 12m, 22.3m),
            new SpendShare("Amazon Elastic Container Service", 5.25m, 9.7m),
            new SpendShare("Amazon Simple Storage Service", 4.88m, 9.1m),
            new SpendShare("AmazonCloudWatch", 1.25m, 2.3m),
        ]);
        teams.Select(t => (t.Key, t.AmountUsd)).ShouldBe([("payments", 39.88m), ("search", 12m), ("unallocated", 2m)]);
    }

    [Fact]
    public async Task TopEnvironments_AreTheLargestWithTheirDetails()
    {
        var top = await Queries.TopEnvironmentsAsync(data.Finance, October, 2, CancellationToken.None);

        top.ShouldBe(
        [
            new EnvironmentSpend(data.Checkout, "checkout", "payments", "ecs-web-service", "dev", "Ready", 35.75m),
            new EnvironmentSpend(data.Crawler, "crawler", "search", "ecs-web-service", "dev", "Destroyed", 12m),
        ]);
    }

    [Fact]
    public async Task DailyTrend_HasEveryDay_ZeroWhereNothingWasSpent()
    {
        var days = await Queries.DailyTrendAsync(data.Finance, October, CancellationToken.None);

        days.Count.ShouldBe(31);
        days.Where(d => d.AmountUsd != 0).Select(d => (d.Date.Day, d.AmountUsd)).ShouldBe([(1, 15.75m), (2, 0.75m), (7, 6m), (12, 3.13m), (15, 25.25m), (21, 3m)]);
    }

    [Fact]
    public async Task EstimateVsActual_ProratesTheMonthlyEstimateToTheDaysEachEnvironmentExisted()
    {
        var rows = await Queries.EstimateVsActualAsync(data.Finance, October, CancellationToken.None);
        var templates = await Queries.EstimateVsActualByTemplateAsync(data.Finance, October, CancellationToken.None);

        rows.Select(r => (r.Name, r.Days, r.EstimateUsd, r.ActualUsd, r.VarianceUsd, r.AccuracyPercent)).ShouldBe(
        [
            ("checkout", 31, 74.40m, 35.75m, -38.65m, (decimal?)48.1m),
            ("crawler", 10, 24.00m, 12m, -12m, 50m),
            ("ledger", 21, 25.20m, 4.13m, -21.07m, 16.4m),
        ]);
        templates.ShouldBe(
        [
            new TemplateAccuracy("ecs-web-service", 2, 98.40m, 47.75m, -50.65m, 48.5m),
            new TemplateAccuracy("static-site", 1, 25.20m, 4.13m, -21.07m, 16.4m),
        ]);
    }

    [Fact]
    public async Task ApprovedVsRealised_CreditsEachApprover_AndThePolicyForAutoApprovals()
    {
        var approvers = await Queries.ApprovedVsRealisedAsync(data.Finance, October, CancellationToken.None);

        approvers.Select(a => (a.Approver, a.Environments, decimal.Round(a.ApprovedUsd, 2), a.ActualUsd, decimal.Round(a.VarianceUsd, 2), a.AccuracyPercent)).ShouldBe(
        [
            ("platform@example.com", 1, 37.20m, 35.75m, -1.45m, (decimal?)96.1m),
            (CostDashboardQueries.Policy, 1, 25.20m, 4.13m, -21.07m, 16.4m),
            ("platform2@example.com", 1, 24.00m, 12m, -12m, 50m),
        ]);
    }

    [Fact]
    public async Task Waste_CountsDestroyedExpiredAndStoppedDaysOnce_AndUnallocatedSpend()
    {
        var waste = await Queries.WasteAsync(data.Finance, October, CancellationToken.None);

        waste.TotalUsd.ShouldBe(13m);
        waste.ByKind.Select(k => (k.Key, k.AmountUsd)).ShouldBe(
            [(WasteKinds.Destroyed, 2m), (WasteKinds.Expired, 6m), (WasteKinds.Stopped, 3m), (WasteKinds.Unallocated, 2m)]);
        waste.Items.Select(i => (i.Kind, i.Name, i.Since, i.AmountUsd)).ShouldBe(
        [
            (WasteKinds.Expired, "crawler", (DateOnly?)new DateOnly(2026, 10, 6), 6m),
            (WasteKinds.Stopped, "ledger", new DateOnly(2026, 10, 21), 3m),
            (WasteKinds.Destroyed, "crawler", new DateOnly(2026, 10, 11), 2m),
            (WasteKinds.Unallocated, "untagged (123456789012)", null, 1.25m),
            (WasteKinds.Unallocated, "demo-x (123456789012)", null, 0.75m),
        ]);
    }

    [Fact]
    public async Task Developer_SeesOnlyTheirTeam_AndNoUnallocatedSpend()
    {
        var dev = data.PaymentsDeveloper;

        var teams = await Queries.ByTeamAsync(dev, October, CancellationToken.None);
        var monthly = await Queries.MonthlyByTeamAsync(dev, October, CancellationToken.None);
        var top = await Queries.TopEnvironmentsAsync(dev, October, 10, CancellationToken.None);
        var estimates = await Queries.EstimateVsActualAsync(dev, October, CancellationToken.None);
        var waste = await Queries.WasteAsync(dev, October, CancellationToken.None);
        var askedForSearch = await Queries.ByServiceAsync(dev, October with { TeamIds = [data.Search] }, CancellationToken.None);
        var crawler = await Queries.EnvironmentAsync(dev, data.Crawler, 30, CancellationToken.None);

        teams.ShouldBe([new SpendShare("payments", 39.88m, 100m)]);
        monthly.Teams.ShouldBe(["payments"]);
        top.Select(t => t.Name).ShouldBe(["checkout", "ledger"]);
        estimates.Select(e => e.Name).ShouldBe(["checkout", "ledger"]);
        waste.Items.Select(i => (i.Kind, i.Name, i.AmountUsd)).ShouldBe([(WasteKinds.Stopped, "ledger", 3m)]);
        askedForSearch.ShouldBeEmpty("a developer filtering by another team sees nothing of it");
        crawler.ShouldBeNull("another team's environment has no cost panel for a developer");
    }

    [Fact]
    public async Task Filters_ByTeamTierAndAccount_NarrowEveryView()
    {
        var search = await Queries.ByServiceAsync(data.Finance, October with { TeamIds = [data.Search] }, CancellationToken.None);
        var prod = await Queries.TopEnvironmentsAsync(data.Finance, October with { Tier = EnvironmentTier.Prod }, 10, CancellationToken.None);
        var account2 = await Queries.DailyTrendAsync(data.Finance, October with { AccountId = CostDashboardData.Account2 }, CancellationToken.None);
        var searchWaste = await Queries.WasteAsync(data.Finance, October with { TeamIds = [data.Search] }, CancellationToken.None);

        search.ShouldBe([new SpendShare("Amazon Elastic Compute Cloud - Compute", 12m, 100m)]);
        prod.Select(p => (p.Name, p.AmountUsd)).ShouldBe([("ledger", 4.13m)]);
        account2.Sum(d => d.AmountUsd).ShouldBe(12m);
        searchWaste.TotalUsd.ShouldBe(8m, "crawler's expired and destroyed days; a team filter leaves unallocated spend out");
    }
}

/// <summary>The October 2026 data set, in one migrated database per provider.</summary>
public abstract class CostDashboardData(DatabaseProvider provider) : IAsyncLifetime
{
    public const string Account1 = "123456789012";
    public const string Account2 = "210987654321";

    private TestDatabase _database = default!;

    public CostDashboardQueries Queries { get; private set; } = default!;

    public LifecycleActor Finance { get; private set; } = default!;

    public LifecycleActor PaymentsDeveloper { get; private set; } = default!;

    public Guid Payments { get; private set; }

    public Guid Search { get; private set; }

    public Guid Checkout { get; private set; }

    public Guid Ledger { get; private set; }

    public Guid Crawler { get; private set; }

    public IReadOnlyList<CostFact> Facts { get; private set; } = [];

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(provider);
        await new DatabaseMigrator(_database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var now = new DateTimeOffset(2026, 8, 1, 0, 0, 0, TimeSpan.Zero);
        await using var db = _database.CreateContext();
        var payments = Team.Create("payments", "Payments", "CC-1", 1000m, now);
        var search = Team.Create("search", "Search", "CC-2", 1000m, now);
        db.Teams.AddRange(payments, search);
        var dev = User("dev@example.com");
        var platform = User("platform@example.com");
        var platform2 = User("platform2@example.com");
        db.Users.AddRange(dev, platform, platform2);
        await db.SaveChangesAsync();
        (Payments, Search) = (payments.Id, search.Id);

        var checkout = await EnvironmentAsync(db, "checkout", payments, dev.Id, "ecs-web-service", EnvironmentTier.Dev, Account1, At(9, 20), null, 73m,
            PolicyRuling.NeedsApproval(1, "Needs 1 platform engineer"), 36.5m, platform);
        var ledger = await EnvironmentAsync(db, "ledger", payments, dev.Id, "static-site", EnvironmentTier.Prod, Account1, At(10, 11), null, 36.5m,
            PolicyRuling.AutoApproved("Within budget"), 36.5m, null);
        ledger.BeginStop(At(10, 20));
        ledger.MarkStopped(At(10, 20));
        var crawler = await EnvironmentAsync(db, "crawler", search, dev.Id, "ecs-web-service", EnvironmentTier.Dev, Account2, At(9, 1), At(10, 5), 73m,
            PolicyRuling.NeedsApproval(1, "Needs 1 platform engineer"), 73m, platform2);
        crawler.BeginDestroy(At(10, 10));
        crawler.MarkDestroyed(At(10, 10));
        (Checkout, Ledger, Crawler) = (checkout.Id, ledger.Id, crawler.Id);

        var paymentsDev = new CostAllocation(checkout.Id, payments.Id, EnvironmentTier.Dev);
        var paymentsProd = new CostAllocation(ledger.Id, payments.Id, EnvironmentTier.Prod);
        var searchDev = new CostAllocation(crawler.Id, search.Id, EnvironmentTier.Dev);
        CostFact[] facts =
        [
            Fact(9, 30, Account1, checkout.Id.ToString(), "Amazon Relational Database Service", paymentsDev, 99m),
            Fact(10, 1, Account1, checkout.Id.ToString(), "Amazon Relational Database Service", paymentsDev, 10.50m),
            Fact(10, 15, Account1, checkout.Id.ToString(), "Amazon Relational Database Service", paymentsDev, 20.00m),
            Fact(10, 15, Account1, checkout.Id.ToString(), "Amazon Elastic Container Service", paymentsDev, 5.25m),
            Fact(10, 12, Account1, ledger.Id.ToString(), "Amazon Simple Storage Service", paymentsProd, 1.125m),
            Fact(10, 21, Account1, ledger.Id.ToString(), "Amazon Simple Storage Service", paymentsProd, 3.00m),
            Fact(10, 1, Account2, crawler.Id.ToString(), "Amazon Elastic Compute Cloud - Compute", searchDev, 4.00m),
            Fact(10, 7, Account2, crawler.Id.ToString(), "Amazon Elastic Compute Cloud - Compute", searchDev, 6.00m),
            Fact(10, 12, Account2, crawler.Id.ToString(), "Amazon Elastic Compute Cloud - Compute", searchDev, 2.00m),
            Fact(10, 1, Account1, CostFact.Untagged, "AmazonCloudWatch", CostAllocation.Unallocated, 1.25m),
            Fact(10, 2, Account1, "demo-x", "Amazon Simple Storage Service", CostAllocation.Unallocated, 0.75m),
        ];
        // What ingestion keeps beside the facts: the cost views read the rollups.
        await TestCostData.SaveWithRollupsAsync(db, facts);
        Facts = facts;

        Queries = new CostDashboardQueries(_database.CreateFactory());
        Finance = new LifecycleActor(Guid.NewGuid(), "finance@example.com", false, true, new HashSet<Guid>());
        PaymentsDeveloper = new LifecycleActor(dev.Id, "dev@example.com", false, false, new HashSet<Guid> { payments.Id });
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    /// <summary>The same queries on contexts that report every command to <paramref name="interceptor"/>.</summary>
    public CostDashboardQueries QueriesWith(Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor interceptor) => new(new InterceptedFactory(_database, interceptor));

    private sealed class InterceptedFactory(TestDatabase database, Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor interceptor)
        : Microsoft.EntityFrameworkCore.IDbContextFactory<PortalDbContext>
    {
        public PortalDbContext CreateDbContext()
        {
            var builder = new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder<PortalDbContext>();
            DataServiceCollectionExtensions.Configure(builder, database.Options);
            builder.AddInterceptors(interceptor);
            return new PortalDbContext(builder.Options);
        }
    }

    private static async Task<PortalEnvironment> EnvironmentAsync(
        PortalDbContext db, string name, Team team, Guid ownerId, string template, EnvironmentTier tier, string account, DateTimeOffset created,
        DateTimeOffset? expires, decimal monthly, PolicyRuling ruling, decimal approvedEstimate, PortalUser? approver)
    {
        var environment = PortalEnvironment.Create(name, team.Id, team.Slug, ownerId, template, "1.0.0", tier, account, "eu-west-1", "{}", expires, false, created);
        environment.SetMonthlyEstimate(monthly, created);
        environment.BeginProvisioning($"arn:aws:cloudformation:eu-west-1:{account}:stack/{name}/1", created);
        environment.MarkReady("{}", created);
        var request = EnvironmentRequest.Submit(
            new RequestDetails(RequestKind.Create, ownerId, team.Id, null, name, template, "1.0.0", tier, account, "eu-west-1", "{}", "Needed.", 30, "[]", approvedEstimate),
            ruling, created.AddHours(-1));
        if (approver is not null)
        {
            request.Approve(new Decider(approver.Id, approver.Email!, true), null, created.AddMinutes(-30));
        }

        request.AttachEnvironment(environment.Id, created);
        db.Environments.Add(environment);
        db.EnvironmentRequests.Add(request);
        await db.SaveChangesAsync();
        return environment;
    }

    private static PortalUser User(string email) =>
        new() { Id = Guid.NewGuid(), UserName = email, NormalizedUserName = email.ToUpperInvariant(), Email = email, NormalizedEmail = email.ToUpperInvariant(), DisplayName = email };

    private static DateTimeOffset At(int month, int day) => new(2026, month, day, 12, 0, 0, TimeSpan.Zero);

    private static CostFact Fact(int month, int day, string account, string tag, string service, CostAllocation allocation, decimal usd) =>
        CostFact.Create(new DateOnly(2026, month, day), account, tag, service, allocation, new CostAmounts(usd, usd, false), At(11, 1));
}

public sealed class PostgresCostDashboardData() : CostDashboardData(DatabaseProvider.Postgres);

public sealed class SqliteCostDashboardData() : CostDashboardData(DatabaseProvider.Sqlite);

/// <summary>On PostgreSQL, where production runs.</summary>
public sealed class CostDashboardQueryPostgresTests(PostgresCostDashboardData data) : CostDashboardQueryTests(data), IClassFixture<PostgresCostDashboardData>
{
    private static readonly CostFilter October = new(new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 31));

    /// <summary>
    /// The dashboards page's read (Costs:PageReadConcurrency, issue 18): on PostgreSQL every view is one statement, so a bound of
    /// n never has more than n statements in flight, and every bound reads the same views.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task ThePagesRead_HasAtMostItsBoundOfStatementsInFlight_AndReadsWhatAnUnboundedReadDoes(int bound)
    {
        var counter = new InFlightCommands();
        var queries = data.QueriesWith(counter);

        var bounded = await CostsPageViews.LoadAsync(queries, data.Finance, October, 10, 8, bound);
        var boundedMost = counter.Most;
        var unbounded = await CostsPageViews.LoadAsync(queries, data.Finance, October, 10, 8);

        counter.Statements.ShouldBeGreaterThanOrEqualTo(2 * CostsPageViews.Views, "every view read, twice");
        boundedMost.ShouldBeInRange(1, bound);
        System.Text.Json.JsonSerializer.Serialize(bounded).ShouldBe(System.Text.Json.JsonSerializer.Serialize(unbounded));
        bounded.Top.ShouldNotBeEmpty("the fixture's October has spend");
    }

    /// <summary>Commands between their execution and their reader's disposal: the most at once, and how many.</summary>
    private sealed class InFlightCommands : Microsoft.EntityFrameworkCore.Diagnostics.DbCommandInterceptor
    {
        private int _now;
        private int _most;
        private int _statements;

        public int Most => Volatile.Read(ref _most);

        public int Statements => Volatile.Read(ref _statements);

        public override ValueTask<Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<System.Data.Common.DbDataReader>> ReaderExecutingAsync(
            System.Data.Common.DbCommand command, Microsoft.EntityFrameworkCore.Diagnostics.CommandEventData eventData,
            Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<System.Data.Common.DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _statements);
            var now = Interlocked.Increment(ref _now);
            for (var most = Volatile.Read(ref _most); now > most && Interlocked.CompareExchange(ref _most, now, most) != most; most = Volatile.Read(ref _most))
            {
            }

            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult DataReaderDisposing(
            System.Data.Common.DbCommand command, Microsoft.EntityFrameworkCore.Diagnostics.DataReaderDisposingEventData eventData,
            Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult result)
        {
            Interlocked.Decrement(ref _now);
            return base.DataReaderDisposing(command, eventData, result);
        }

        public override Task CommandFailedAsync(System.Data.Common.DbCommand command, Microsoft.EntityFrameworkCore.Diagnostics.CommandErrorEventData eventData,
            CancellationToken cancellationToken = default)
        {
            Interlocked.Decrement(ref _now);
            return base.CommandFailedAsync(command, eventData, cancellationToken);
        }
    }
}

/// <summary>On SQLite, the embedded default: the same figures from the REAL sums.</summary>
public sealed class CostDashboardQuerySqliteTests(SqliteCostDashboardData data) : CostDashboardQueryTests(data), IClassFixture<SqliteCostDashboardData>;
