using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Lifecycle;
using Portal.TestSupport;
using Portal.Web.Features.Costs;

namespace Portal.Web.Tests.Costs;

/// <summary>
/// Issue 18, PostgreSQL: a range's per-environment totals are kept by its first read (migration 0021) and read from then on,
/// until the per-environment rollups are written again. Kept totals are what later reads return (shown by changing them by
/// hand), they are never of other rollups than the read sees, concurrent first reads keep a range once, visibility and filters
/// narrow them exactly, and past <see cref="CostAccuracySql.KeptSpans"/> ranges a read computes and stays exact.
/// </summary>
public sealed class CostSpanTotalsTests : IAsyncLifetime
{
    private static readonly DateOnly Today = new(2026, 11, 25);

    private static readonly LifecycleActor Finance = new(Guid.NewGuid(), "finance@example.com", false, true, new HashSet<Guid>());

    private TestDatabase _database = default!;

    private PortalEnvironment _checkout = default!;

    private PortalEnvironment _ledger = default!;

    private PortalEnvironment _crawler = default!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await new DatabaseMigrator(_database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var now = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
        await using var db = _database.CreateContext();
        var payments = Team.Create("payments", "Payments", "CC-1", 1000m, now);
        var search = Team.Create("search", "Search", "CC-2", 1000m, now);
        var owner = new PortalUser { Id = Guid.NewGuid(), UserName = "dev@example.com", NormalizedUserName = "DEV@EXAMPLE.COM", Email = "dev@example.com", NormalizedEmail = "DEV@EXAMPLE.COM", DisplayName = "Dev" };
        db.Teams.AddRange(payments, search);
        db.Users.Add(owner);
        _checkout = PortalEnvironment.Create("checkout", payments.Id, payments.Slug, owner.Id, "static-site", "1.0.0", EnvironmentTier.Dev, TestCostData.Account, "eu-west-1", "{}", null, false, now);
        _ledger = PortalEnvironment.Create("ledger", payments.Id, payments.Slug, owner.Id, "static-site", "1.0.0", EnvironmentTier.Prod, TestCostData.Account, "eu-west-1", "{}", null, false, now);
        _crawler = PortalEnvironment.Create("crawler", search.Id, search.Slug, owner.Id, "static-site", "1.0.0", EnvironmentTier.Dev, TestCostData.Account, "eu-west-1", "{}", null, false, now);
        foreach (var environment in new[] { _checkout, _ledger, _crawler })
        {
            environment.BeginProvisioning($"arn:aws:cloudformation:eu-west-1:{TestCostData.Account}:stack/{environment.Name}/1", now);
            environment.MarkReady("{}", now);
        }

        db.Environments.AddRange(_checkout, _ledger, _crawler);
        await db.SaveChangesAsync();

        var facts = new List<CostFact>();
        for (var day = new DateOnly(2026, 10, 20); day <= Today; day = day.AddDays(1))
        {
            facts.Add(Fact(_checkout, day, 1.25m + day.Day));
            facts.Add(Fact(_crawler, day, 0.010101m * day.Day));
            if (day.Day % 3 == 0)
            {
                facts.Add(Fact(_ledger, day, 7.5m));
            }
        }

        await TestCostData.SaveWithRollupsAsync(db, facts);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task ARangesFirstRead_KeepsItsTotals_LaterReadsReadThem_UntilTheRollupsAreWrittenAgain()
    {
        var (from, to) = (new DateOnly(2026, 10, 27), new DateOnly(2026, 11, 20));
        var span = CostSpan.Of(from, to, Today);
        var key = CostAccuracySql.SpanKey(span);
        await using var db = _database.CreateContext();
        var version = await VersionAsync(db);

        (await TotalsAsync(from, to)).ShouldBe(await ExpectedAsync(from, to));
        var kept = await db.CostSpanTotals.AsNoTracking().ToListAsync();
        kept.Select(k => (k.Span, k.Version)).ShouldBe([(key, version)]);
        (await db.CostSpanEnvironmentTotals.AsNoTracking().Where(t => t.Span == key).Select(t => t.EnvironmentId).ToListAsync())
            .ShouldBe([_checkout.Id, _ledger.Id, _crawler.Id], ignoreOrder: true, "one row per environment (one account, team and tier each)");

        // The kept rows are what is read: changed by hand (nothing else writes them), the next read says so.
        await db.Database.ExecuteSqlRawAsync("""UPDATE "CostSpanEnvironmentTotals" SET "UnblendedUsd" = "UnblendedUsd" + 1000""");
        (await TotalsAsync(from, to)).ShouldBe((await ExpectedAsync(from, to)).ToSortedDictionary(e => e.Key, e => e.Value + 1000m));

        // Ingestion restates a day inside the range: the rollups' version moves, the kept totals go, the next read is exact again.
        var restated = new DateOnly(2026, 11, 10);
        db.CostFacts.RemoveRange(await db.CostFacts.Where(f => f.Date == restated).ToListAsync());
        db.CostFacts.AddRange(Fact(_checkout, restated, 100m), Fact(_crawler, restated, 0.333333m));
        await db.SaveChangesAsync();
        await CostRollups.RebuildAsync(db, TestCostData.Account, restated, restated.AddDays(1), CancellationToken.None);

        (await VersionAsync(db)).ShouldBeGreaterThan(version);
        (await db.CostSpanTotals.CountAsync()).ShouldBe(0);
        (await db.CostSpanEnvironmentTotals.CountAsync()).ShouldBe(0);
        var expected = await ExpectedAsync(from, to);
        expected[_checkout.Id].ShouldBe(Sum(from, to, d => d == restated ? 100m : 1.25m + d.Day));
        (await TotalsAsync(from, to)).ShouldBe(expected);
        (await db.CostSpanTotals.AsNoTracking().Select(k => k.Version).SingleAsync()).ShouldBe(await VersionAsync(db));
    }

    [Fact]
    public async Task KeptTotalsOfAnotherVersion_AreNeverRead()
    {
        var (from, to) = (new DateOnly(2026, 11, 2), new DateOnly(2026, 11, 24));
        var key = CostAccuracySql.SpanKey(CostSpan.Of(from, to, Today));
        await using var db = _database.CreateContext();
        var version = await VersionAsync(db);

        // What a first read racing ingestion leaves behind: totals of the rollups before the write, under the old version.
        await db.Database.ExecuteSqlRawAsync(
            """
            INSERT INTO "CostSpanTotals" ("Span", "Version", "ComputedAt") VALUES ({0}, {1}, now());
            INSERT INTO "CostSpanEnvironmentTotals" ("Span", "Version", "EnvironmentId", "AccountId", "TeamId", "Tier", "UnblendedUsd")
            VALUES ({0}, {1}, {2}, {3}, {4}, 'dev', 999999);
            """, key, version - 1, _checkout.Id, TestCostData.Account, _checkout.TeamId);

        (await TotalsAsync(from, to)).ShouldBe(await ExpectedAsync(from, to));
        (await db.CostSpanTotals.AsNoTracking().Where(k => k.Version == version).Select(k => k.Span).ToListAsync()).ShouldBe([key]);
    }

    [Fact]
    public async Task ConcurrentFirstReadsOfARange_KeepItOnce_AndAllAreExact()
    {
        var (from, to) = (new DateOnly(2026, 10, 25), new DateOnly(2026, 11, 18));
        var expected = await ExpectedAsync(from, to);
        var queries = new CostDashboardQueries(_database.CreateFactory(), Clock());
        using var start = new SemaphoreSlim(0);
        var reads = Enumerable.Range(0, 8).Select(async i =>
        {
            await start.WaitAsync();
            return i % 2 == 0
                ? (await queries.TopEnvironmentsAsync(Finance, new CostFilter(from, to), 10, CancellationToken.None)).ToSortedDictionary(t => t.EnvironmentId, t => t.AmountUsd)
                : (await queries.EstimateVsActualAsync(Finance, new CostFilter(from, to), CancellationToken.None)).ToSortedDictionary(t => t.EnvironmentId, t => t.ActualUsd);
        }).ToList();
        start.Release(8);

        foreach (var read in await Task.WhenAll(reads))
        {
            read.ShouldBe(expected.ToSortedDictionary(e => e.Key, e => decimal.Round(e.Value, 2, MidpointRounding.AwayFromZero)));
        }

        await using var db = _database.CreateContext();
        (await db.CostSpanTotals.CountAsync()).ShouldBe(1);
        (await db.CostSpanEnvironmentTotals.CountAsync()).ShouldBe(3, "each environment's row once");
    }

    [Fact]
    public async Task VisibilityAndFilters_NarrowTheKeptTotalsAsTheyNarrowTheRollups()
    {
        var (from, to) = (new DateOnly(2026, 10, 30), new DateOnly(2026, 11, 12));
        var all = await ExpectedAsync(from, to);
        (await TotalsAsync(from, to)).ShouldBe(all); // finance's read keeps every environment's total

        var developer = new LifecycleActor(Guid.NewGuid(), "dev@example.com", false, false, new HashSet<Guid> { _crawler.TeamId });
        (await TotalsAsync(from, to, developer)).ShouldBe(all.Where(e => e.Key == _crawler.Id).ToSortedDictionary(e => e.Key, e => e.Value));
        (await TotalsAsync(from, to, Finance, new CostFilter(from, to, Tier: EnvironmentTier.Prod))).ShouldBe(all.Where(e => e.Key == _ledger.Id).ToSortedDictionary(e => e.Key, e => e.Value));
        (await TotalsAsync(from, to, Finance, new CostFilter(from, to, TeamIds: [_checkout.TeamId]))).ShouldBe(all.Where(e => e.Key != _crawler.Id).ToSortedDictionary(e => e.Key, e => e.Value));
        (await TotalsAsync(from, to, Finance, new CostFilter(from, to, AccountId: "999999999999"))).ShouldBeEmpty();

        await using var db = _database.CreateContext();
        (await db.CostSpanTotals.CountAsync()).ShouldBe(1, "one range, kept once for every reader");
    }

    [Fact]
    public async Task PastTheKeptRanges_AReadComputes_AndIsExact()
    {
        var ranges = Enumerable.Range(0, CostAccuracySql.KeptSpans + 2).Select(i => (From: new DateOnly(2026, 10, 21).AddDays(i), To: new DateOnly(2026, 11, 24))).ToList();
        foreach (var (from, to) in ranges)
        {
            (await TotalsAsync(from, to)).ShouldBe(await ExpectedAsync(from, to), $"{from:MM-dd}..{to:MM-dd}");
        }

        await using var db = _database.CreateContext();
        (await db.CostSpanTotals.CountAsync()).ShouldBe(CostAccuracySql.KeptSpans);
    }

    private async Task<SortedDictionary<Guid, decimal>> TotalsAsync(DateOnly from, DateOnly to, LifecycleActor? actor = null, CostFilter? filter = null)
    {
        await using var db = _database.CreateContext();
        return (await CostSql.EnvironmentTotalsAsync(db, actor ?? Finance, filter ?? new CostFilter(from, to), CostSpan.Of(from, to, Today), null, CancellationToken.None))
            .ToSortedDictionary(t => t.EnvironmentId, t => t.Amount);
    }

    private async Task<SortedDictionary<Guid, decimal>> ExpectedAsync(DateOnly from, DateOnly to)
    {
        await using var db = _database.CreateContext();
        return (await db.CostFacts.AsNoTracking().Where(f => f.Date >= from && f.Date <= to && f.EnvironmentId != null).ToListAsync())
            .GroupBy(f => f.EnvironmentId!.Value).Select(g => (g.Key, Amount: g.Sum(f => f.UnblendedUsd))).Where(g => g.Amount != 0).ToSortedDictionary(g => g.Key, g => g.Amount);
    }

    private static decimal Sum(DateOnly from, DateOnly to, Func<DateOnly, decimal> daily)
    {
        var sum = 0m;
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            sum += daily(day);
        }

        return sum;
    }

    private static TestClock Clock()
    {
        var clock = new TestClock();
        clock.Freeze(new DateTimeOffset(Today.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero));
        return clock;
    }

    private static async Task<long> VersionAsync(PortalDbContext db) =>
        await db.CostRollupVersions.AsNoTracking().Select(v => v.Version).SingleAsync();

    private static CostFact Fact(PortalEnvironment environment, DateOnly date, decimal usd) =>
        TestCostData.Fact(date, environment.Id.ToString(), "AmazonEC2", new CostAllocation(environment.Id, environment.TeamId, environment.Tier), usd, DateTimeOffset.UtcNow);
}

internal static class SortedDictionaries
{
    public static SortedDictionary<TKey, TValue> ToSortedDictionary<T, TKey, TValue>(this IEnumerable<T> items, Func<T, TKey> key, Func<T, TValue> value)
        where TKey : notnull => new(items.ToDictionary(key, value));
}
