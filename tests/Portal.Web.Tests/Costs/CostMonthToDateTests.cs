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
/// Issue 18: the per-environment days' month-to-date totals, on both providers. A day restated in the middle of a month
/// (re-ingested with other amounts) changes its total and every later day's of that month, and nothing before it; the
/// per-environment totals read from them (month rows and the totals at the edges, the latest day on or before an edge day when
/// an environment had no cost on it) equal the facts for ranges whose edges fall on missing days, on the 1st and on single days.
/// </summary>
public abstract class CostMonthToDateTests(DatabaseProvider provider) : IAsyncLifetime
{
    private static readonly DateOnly Today = new(2026, 11, 25);

    private TestDatabase _database = default!;

    private PortalEnvironment _steady = default!;

    private PortalEnvironment _brief = default!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(provider);
        await new DatabaseMigrator(_database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var now = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero);
        await using var db = _database.CreateContext();
        var team = Team.Create("payments", "Payments", "CC-1", 1000m, now);
        var owner = new PortalUser { Id = Guid.NewGuid(), UserName = "dev@example.com", NormalizedUserName = "DEV@EXAMPLE.COM", Email = "dev@example.com", NormalizedEmail = "DEV@EXAMPLE.COM", DisplayName = "Dev" };
        db.Teams.Add(team);
        db.Users.Add(owner);
        _steady = PortalEnvironment.Create("steady", team.Id, team.Slug, owner.Id, "static-site", "1.0.0", EnvironmentTier.Dev, TestCostData.Account, "eu-west-1", "{}", null, false, now);
        _brief = PortalEnvironment.Create("brief", team.Id, team.Slug, owner.Id, "static-site", "1.0.0", EnvironmentTier.Dev, TestCostData.Account, "eu-west-1", "{}", null, false, now);
        db.Environments.AddRange(_steady, _brief);
        await db.SaveChangesAsync();

        // Steady: every day from 28 October to today but 3, 4 and 15 November (no cost, no row); brief: 10 to 12 November only.
        var facts = new List<CostFact>();
        for (var day = new DateOnly(2026, 10, 28); day <= Today; day = day.AddDays(1))
        {
            if (day.Day is 3 or 4 or 15 && day.Month == 11)
            {
                continue;
            }

            facts.Add(Fact(_steady, day, "AmazonEC2", 1.25m + day.Day));
            facts.Add(Fact(_steady, day, "AmazonS3", 0.010101m * day.Day));
        }

        for (var day = new DateOnly(2026, 11, 10); day <= new DateOnly(2026, 11, 12); day = day.AddDays(1))
        {
            facts.Add(Fact(_brief, day, "AmazonEC2", 7.5m));
        }

        await TestCostData.SaveWithRollupsAsync(db, facts);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task ARestatedMidMonthDay_ChangesItsAndEveryLaterDaysTotal_AndTheRangesStayExact()
    {
        await using var db = _database.CreateContext();
        await TestCostData.RollupsMatchFactsAsync(db);
        var restated = new DateOnly(2026, 11, 10);
        var before = await MonthToDateAsync(db);

        // 10 November re-ingested: the steady environment billed more, the brief one less, and an extra service appears.
        db.CostFacts.RemoveRange(await db.CostFacts.Where(f => f.Date == restated).ToListAsync());
        db.CostFacts.AddRange(Fact(_steady, restated, "AmazonEC2", 100m), Fact(_steady, restated, "AWSLambda", 0.333333m), Fact(_brief, restated, "AmazonEC2", 2m));
        await db.SaveChangesAsync();
        await CostRollups.RebuildAsync(db, TestCostData.Account, restated, restated.AddDays(1), CancellationToken.None);

        await TestCostData.RollupsMatchFactsAsync(db);
        var after = await MonthToDateAsync(db);
        foreach (var (key, total) in before)
        {
            if (key.Date < restated)
            {
                after[key].ShouldBe(total, $"{key} is before the restated day");
            }
            else if (key.Date.Month == 11)
            {
                after[key].ShouldNotBe(total, $"{key} is on or after the restated day");
            }
        }

        var finance = new LifecycleActor(Guid.NewGuid(), "finance@example.com", false, true, new HashSet<Guid>());
        var ranges = new (DateOnly From, DateOnly To)[]
        {
            (new(2026, 11, 1), new(2026, 11, 10)), (new(2026, 11, 5), new(2026, 11, 9)), (new(2026, 11, 11), new(2026, 11, 15)),
            (new(2026, 11, 13), Today), (new(2026, 10, 30), new(2026, 11, 3)), (restated, restated), (new(2026, 11, 3), new(2026, 11, 4)),
            (new(2026, 11, 4), new(2026, 11, 16)), (new(2026, 10, 1), new(2026, 12, 31)), (new(2026, 11, 1), new(2026, 11, 1)),
            (new(2026, 10, 31), new(2026, 10, 31)), (new(2026, 11, 12), new(2026, 11, 30)),
        };
        foreach (var (from, to) in ranges)
        {
            var expected = (await db.CostFacts.AsNoTracking().Where(f => f.Date >= from && f.Date <= to && f.EnvironmentId != null).ToListAsync())
                .GroupBy(f => f.EnvironmentId!.Value).Select(g => (g.Key, Amount: g.Sum(f => f.UnblendedUsd))).Where(g => g.Amount != 0).OrderBy(g => g.Key).ToList();
            var actual = (await CostSql.EnvironmentTotalsAsync(db, finance, new CostFilter(from, to), CostSpan.Of(from, to, Today), null, CancellationToken.None))
                .OrderBy(g => g.EnvironmentId).ToList();
            actual.Select(a => a.EnvironmentId).ShouldBe(expected.Select(e => e.Key), $"{from:MM-dd}..{to:MM-dd}");
            foreach (var (a, e) in actual.Zip(expected))
            {
                a.Amount.ShouldBe(e.Amount, 0.000001m, $"{from:MM-dd}..{to:MM-dd}");
            }
        }
    }

    private static async Task<Dictionary<(Guid Environment, DateOnly Date), decimal>> MonthToDateAsync(PortalDbContext db) =>
        await db.CostEnvironmentDays.AsNoTracking().ToDictionaryAsync(d => (d.EnvironmentId, d.Date), d => d.MonthToDateUnblendedUsd);

    private static CostFact Fact(PortalEnvironment environment, DateOnly date, string service, decimal usd) =>
        TestCostData.Fact(date, environment.Id.ToString(), service, new CostAllocation(environment.Id, environment.TeamId, environment.Tier), usd, DateTimeOffset.UtcNow);
}

public sealed class CostMonthToDatePostgresTests() : CostMonthToDateTests(DatabaseProvider.Postgres);

public sealed class CostMonthToDateSqliteTests() : CostMonthToDateTests(DatabaseProvider.Sqlite);
