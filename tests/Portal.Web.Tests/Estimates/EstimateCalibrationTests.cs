using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Estimates;
using Portal.TestSupport;
using Portal.Web.Tests.Costs;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Portal.Provisioning.Pricing;
using Portal.Web.Features.Catalog;
using Portal.Web.Features.Estimates;
using Portal.Web.Tests.Components;

namespace Portal.Web.Tests.Estimates;

/// <summary>
/// Calibration on constructed history, "today" 6 Dec 2026 (so September, October and November are the complete months):
/// <list type="bullet">
/// <item>alpha (eks-platform dev): created 15 Aug, $730/month ($1 an hour); actual Sep $648 (720 h → 0.90×), Oct $744 (744 h → 1.00×),
/// Nov $500 + $292 in two accounts (720 h → 1.10×); August (partial) and December (not over) do not count.</item>
/// <item>beta (eks-platform dev): created 1 Sep 00:00, destroyed 20 Oct, $730/month; Sep $1,440 (2.00×); October is partial.</item>
/// <item>gamma (ecs-web-service staging): created 1 Jul, $365/month; Oct $372 (1.00×): one sample, below the minimum of 3.</item>
/// </list>
/// eks-platform dev: ratios 0.90, 1.00, 1.10, 2.00 → median 1.05, middle half 0.975 → 0.98 to 1.325 → 1.33, n = 4, 2 environments.
/// </summary>
public abstract class EstimateCalibrationTests(DatabaseProvider provider) : IAsyncLifetime
{
    private const string Account2 = "210987654321";
    private static readonly DateTimeOffset Today = new(2026, 12, 6, 9, 0, 0, TimeSpan.Zero);

    private readonly TestClock _clock = new();
    private TestDatabase _database = default!;
    private Guid _alpha;
    private Guid _team;

    private EstimateCalibration Calibration { get; set; } = default!;

    public async Task InitializeAsync()
    {
        _clock.Freeze(Today);
        _database = await TestDatabase.CreateAsync(provider);
        await new DatabaseMigrator(_database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await using var db = _database.CreateContext();
        var created = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var team = Team.Create("payments", "Payments", "CC-1", 10_000m, created);
        var owner = new PortalUser { Id = Guid.NewGuid(), UserName = "dev@example.com", NormalizedUserName = "DEV@EXAMPLE.COM", Email = "dev@example.com", NormalizedEmail = "DEV@EXAMPLE.COM", DisplayName = "Dev" };
        db.Teams.Add(team);
        db.Users.Add(owner);
        await db.SaveChangesAsync();
        _team = team.Id;

        var alpha = Environment(db, "alpha", team, owner.Id, "eks-platform", EnvironmentTier.Dev, At(8, 15), null, 730m);
        var beta = Environment(db, "beta", team, owner.Id, "eks-platform", EnvironmentTier.Dev, new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero), At(10, 20), 730m);
        var gamma = Environment(db, "gamma", team, owner.Id, "ecs-web-service", EnvironmentTier.Staging, At(7, 1), null, 365m);
        await db.SaveChangesAsync();
        _alpha = alpha.Id;

        await TestCostData.SaveWithRollupsAsync(db,
        [
            Fact(alpha, 8, 20, 400m),
            Fact(alpha, 9, 10, 648m),
            Fact(alpha, 10, 10, 744m),
            Fact(alpha, 11, 10, 500m),
            Fact(alpha, 11, 11, 292m, Account2),
            Fact(alpha, 12, 2, 999m),
            Fact(beta, 9, 10, 1440m),
            Fact(beta, 10, 10, 10m),
            Fact(gamma, 10, 10, 372m),
        ]);
        Calibration = new EstimateCalibration(_database.CreateFactory(), _clock, Options.Create(new EstimateCalibrationOptions { MinimumSamples = 3 }));
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task ATemplateAndTierWithEnoughFullMonths_GetsTheMedianSpreadAndN()
    {
        var snapshot = await Calibration.GetAsync(CancellationToken.None);

        var figure = snapshot.For("eks-platform", "dev").ShouldNotBeNull();
        figure.N.ShouldBe(4);
        figure.Environments.ShouldBe(2);
        figure.Median.ShouldBe(1.05m);
        figure.P25.ShouldBe(0.98m);
        figure.P75.ShouldBe(1.33m);
        figure.Min.ShouldBe(0.90m);
        figure.Max.ShouldBe(2.00m);
        figure.Sentence.ShouldBe("environments like this have cost 1.05× the estimate, n = 4");
    }

    [Fact]
    public async Task TooFewSamples_AreKeptButNotShownNextToEstimates()
    {
        var snapshot = await Calibration.GetAsync(CancellationToken.None);

        snapshot.For("ecs-web-service", "staging").ShouldBeNull();
        var gamma = snapshot.Figures.Single(f => f.Template == "ecs-web-service");
        (gamma.N, gamma.Enough, gamma.Median).ShouldBe((1, false, 1.00m));
        snapshot.Worst().Select(f => f.Template).ShouldBe(["eks-platform"]);
    }

    [Fact]
    public async Task TheCache_IsRecomputedOnlyAfterAnIngestionRunFinishes()
    {
        var before = await Calibration.GetAsync(CancellationToken.None);
        await using (var db = _database.CreateContext())
        {
            // Another November day for alpha: $72 more → 864 / 720 h = 1.20× instead of 1.10×.
            await TestCostData.SaveWithRollupsAsync(db, [Fact(alpha: _alpha, 11, 20, 72m)]);
        }

        (await Calibration.GetAsync(CancellationToken.None)).ShouldBeSameAs(before);

        await using (var db = _database.CreateContext())
        {
            var run = CostIngestionRun.Start(TestCostData.Account, new DateOnly(2026, 11, 1), new DateOnly(2026, 12, 6), Today);
            run.Succeed(1, 1, 0, 0, Today.AddMinutes(1));
            db.CostIngestionRuns.Add(run);
            await db.SaveChangesAsync();
        }

        var after = await Calibration.GetAsync(CancellationToken.None);
        after.ShouldNotBeSameAs(before);
        after.For("eks-platform", "dev")!.Max.ShouldBe(2.00m);
        after.For("eks-platform", "dev")!.P75.ShouldBe(1.40m, "ratios 0.90, 1.00, 1.20, 2.00: rank 2.25 → 1.20 + 0.80 × 0.25");
    }

    [Fact]
    public async Task FinancesCard_ListsTheWorstEstimatedFirst_AndTheEstimateTableShowsTheFigureBesideAnEstimate()
    {
        await using var components = new Components();
        components.Services.AddSingleton(Calibration);

        var card = components.Render<CalibrationCard>();
        card.WaitForAssertion(() => card.FindAll("[data-testid=calibration-table] tbody tr").Count.ShouldBe(2));
        var rows = card.FindAll("[data-testid=calibration-table] tbody tr");
        rows[0].GetAttribute("data-testid").ShouldBe("calibration-eks-platform-dev");
        rows[0].QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ShouldBe(["eks-platform", "dev", "1.05×", "0.98× – 1.33×", "0.90× – 2.00×", "4"]);
        rows[1].GetAttribute("data-testid").ShouldBe("calibration-ecs-web-service-staging");
        rows[1].QuerySelectorAll("td").Last().TextContent.Trim().ShouldBe("1 (too few)");

        var estimate = new CostEstimate(730m, [], [], [], 1460m);
        var table = components.Render<EstimateTable>(p => p.Add(t => t.Estimate, estimate).Add(t => t.Template, "eks-platform").Add(t => t.Tier, "dev"));
        table.WaitForAssertion(() => table.Find("[data-testid=estimate-calibration]").TextContent.ShouldContain("environments like this have cost 1.05× the estimate, n = 4"));
    }

    private sealed class Components : PortalComponentTest;

    private static PortalEnvironment Environment(
        PortalDbContext db, string name, Team team, Guid ownerId, string template, EnvironmentTier tier, DateTimeOffset created, DateTimeOffset? destroyed, decimal monthly)
    {
        var environment = PortalEnvironment.Create(name, team.Id, team.Slug, ownerId, template, "1.0.0", tier, TestCostData.Account, "us-east-1", "{}", null, false, created);
        environment.SetMonthlyEstimate(monthly, created, monthly * 2);
        environment.BeginProvisioning($"arn:aws:cloudformation:us-east-1:{TestCostData.Account}:stack/{name}/1", created);
        environment.MarkReady("{}", created);
        if (destroyed is { } at)
        {
            environment.BeginDestroy(at);
            environment.MarkDestroyed(at);
        }

        db.Environments.Add(environment);
        return environment;
    }

    private CostFact Fact(PortalEnvironment environment, int month, int day, decimal usd, string account = TestCostData.Account) =>
        Fact(environment.Id, month, day, usd, environment.Tier, account);

    private CostFact Fact(Guid alpha, int month, int day, decimal usd) => Fact(alpha, month, day, usd, EnvironmentTier.Dev, TestCostData.Account);

    private CostFact Fact(Guid environmentId, int month, int day, decimal usd, EnvironmentTier tier, string account) =>
        CostFact.Create(new DateOnly(2026, month, day), account, environmentId.ToString(), "Amazon Elastic Compute Cloud - Compute",
            new CostAllocation(environmentId, _team, tier), new CostAmounts(usd, usd, false), Today);

    private static DateTimeOffset At(int month, int day) => new(2026, month, day, 12, 0, 0, TimeSpan.Zero);
}

/// <summary>On PostgreSQL, where production runs.</summary>
public sealed class EstimateCalibrationPostgresTests() : EstimateCalibrationTests(DatabaseProvider.Postgres);

/// <summary>On SQLite, the embedded default.</summary>
public sealed class EstimateCalibrationSqliteTests() : EstimateCalibrationTests(DatabaseProvider.Sqlite);
