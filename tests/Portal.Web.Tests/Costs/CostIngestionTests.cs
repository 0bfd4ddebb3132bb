using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CostExplorer;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Lifecycle;
using Portal.Sandbox;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Costs;

/// <summary>
/// Cost ingestion against the sandbox's Cost Explorer: three environments created through the request workflow
/// bill for two days (the clock is then frozen), and the sandbox's untagged spend bills every day of the backfill.
/// Small Cost Explorer pages (25 groups) make every window span several billed calls.
/// </summary>
public abstract class CostIngestionTests(DatabaseProvider provider) : IAsyncLifetime
{
    private const string Account = "123456789012";
    private const int BackfillDays = 30;

    private readonly TestClock _clock = new();
    private PortalWebFactory _portal = default!;
    private readonly List<PortalEnvironment> _environments = [];

    public async Task InitializeAsync()
    {
        _portal = await PortalWebFactory.StartAsync(
            provider,
            kestrel: true,
            settings: new Dictionary<string, string?>
            {
                ["Sandbox:CostAllocationTagsActiveByDefault"] = "true",
                ["Sandbox:CostExplorerPageSize"] = "25",
                ["Costs:BackfillDays"] = BackfillDays.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)));
        var workflow = _portal.Services.GetRequiredService<RequestWorkflow>();
        var dev = await _portal.ActorAsync("dev@example.com");
        var searcher = await _portal.ActorAsync("dev2@example.com");
        var created = new[]
        {
            await workflow.SubmitAsync(dev, new SubmitRequest("create", "ecs-web-service", "dev", Team: "payments", Name: "checkout", TtlHours: 168), CancellationToken.None),
            await workflow.SubmitAsync(dev, new SubmitRequest("create", "static-site", "dev", Team: "payments", Name: "brochure", TtlHours: 168), CancellationToken.None),
            await workflow.SubmitAsync(searcher, new SubmitRequest("create", "ecs-web-service", "dev", Team: "search", Name: "crawler", TtlHours: 168), CancellationToken.None),
        };
        foreach (var outcome in created)
        {
            _environments.Add(await _portal.WaitForAsync(outcome.EnvironmentId!.Value, EnvironmentStatus.Ready));
        }
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task FirstRun_BackfillsFactsPerEnvironmentAndService_KeepsUnallocatedSpend_AndCountsEveryPage()
    {
        var at = Noon(2);
        _clock.Freeze(at);
        var usage = _portal.Services.GetRequiredService<AwsUsageTracker>();
        var callsBefore = usage.Snapshot().CostExplorerRequests;

        var run = await IngestAsync();

        run.Status.ShouldBe(CostIngestionStatus.Succeeded, run.Error);
        var today = DateOnly.FromDateTime(at.UtcDateTime);
        run.From.ShouldBe(today.AddDays(1 - BackfillDays));
        run.To.ShouldBe(today.AddDays(1));
        run.Calls.ShouldBeGreaterThan(5, "30 days in 7-day windows is 5 queries, and 25-group pages split them further");
        (usage.Snapshot().CostExplorerRequests - callsBefore).ShouldBe(run.Calls, "every page is a billed request, counted on the run");
        await using var db = await DbAsync();
        var facts = await db.CostFacts.AsNoTracking().ToListAsync();
        run.Inserted.ShouldBe(facts.Count);

        foreach (var environment in _environments)
        {
            var mine = facts.Where(f => f.EnvironmentId == environment.Id).ToList();
            mine.ShouldNotBeEmpty($"{environment.Name} billed");
            mine.ShouldAllBe(f => f.TeamId == environment.TeamId && f.Tier == EnvironmentTier.Dev && f.EnvironmentTag == environment.Id.ToString());
            mine.Select(f => f.Date).Distinct().Order().ToList().ShouldBe(new List<DateOnly> { today.AddDays(-2), today.AddDays(-1), today }, $"{environment.Name} billed from its creation to now");
            mine.Where(f => f.Date == today.AddDays(-1)).Select(f => f.Service).ShouldBeUnique();
        }

        _environments.Where(e => e.TemplateSlug == "ecs-web-service").ShouldAllBe(e =>
            facts.Where(f => f.EnvironmentId == e.Id && f.Date == today.AddDays(-1)).Count() > 1, "an ECS service bills several AWS services");
        var unallocated = facts.Where(f => f.EnvironmentId == null).ToList();
        unallocated.ShouldAllBe(f => f.EnvironmentTag == CostFact.Untagged && f.TeamId == null && f.Tier == null && f.AccountId == Account);
        unallocated.Count.ShouldBe(BackfillDays * 3, "the sandbox's untagged CloudWatch, S3 and KMS spend, every day");
        facts.Where(f => f.Date == today).ShouldAllBe(f => f.Estimated);
        facts.Where(f => f.Date < today.AddDays(-1)).ShouldAllBe(f => !f.Estimated);

        // The facts add up to what Cost Explorer reports for the account when nothing is grouped.
        var total = await TotalAsync(run.From, run.To);
        facts.Sum(f => f.UnblendedUsd).ShouldBe(total, 0.001m);
        await TestCostData.RollupsMatchFactsAsync(db);
    }

    [Fact]
    public async Task Rerun_IsIdempotent_AndARestatementUpdatesOnlyTheLastThreeDays()
    {
        var at = Noon(2);
        _clock.Freeze(at);
        var first = await IngestAsync();
        var before = await SnapshotAsync();

        var again = await IngestAsync();

        again.Status.ShouldBe(CostIngestionStatus.Succeeded, again.Error);
        again.From.ShouldBe(first.To.AddDays(-3), "later runs restate the last three days");
        (again.Inserted, again.Updated, again.Deleted).ShouldBe((0, 0, 0));
        (await SnapshotAsync()).ShouldBe(before);

        // Six hours later the same day has billed more: the restated window picks it up, older days stay as they were.
        _clock.Freeze(at.AddHours(6));
        var restated = await IngestAsync();

        restated.Status.ShouldBe(CostIngestionStatus.Succeeded, restated.Error);
        restated.Inserted.ShouldBe(0);
        restated.Updated.ShouldBeGreaterThan(0);
        var after = await SnapshotAsync();
        after.Count.ShouldBe(before.Count);
        var today = DateOnly.FromDateTime(at.UtcDateTime);
        foreach (var (key, amount) in before)
        {
            if (key.Date < restated.From)
            {
                after[key].ShouldBe(amount, $"{key} is outside the restated window");
            }
            else if (key.Date == today && amount > 0)
            {
                after[key].ShouldBeGreaterThan(amount, $"{key} billed six more hours");
            }
        }

        await using var db = await DbAsync();
        (await db.CostIngestionRuns.CountAsync(r => r.Status == CostIngestionStatus.Succeeded)).ShouldBe(3);
        await TestCostData.RollupsMatchFactsAsync(db);
    }

    [Fact]
    public async Task MonthToDateSpend_ComesFromTheIngestedFacts_AndTheBudgetLedgerUsesTheForecastsFigures()
    {
        var at = Noon(2);
        _clock.Freeze(at);
        await IngestAsync();
        var payments = _environments.First(e => e.Name == "checkout").TeamId;

        var forecast = await _portal.Services.GetRequiredService<CostForecasts>().ForTeamAsync(payments, at, CancellationToken.None);

        var today = DateOnly.FromDateTime(at.UtcDateTime);
        await using var db = await DbAsync();
        var expected = (await db.CostFacts.Where(f => f.TeamId == payments && f.Date >= new DateOnly(today.Year, today.Month, 1)).Select(f => f.UnblendedUsd).ToListAsync()).Sum();
        forecast.MonthToDateUsd.ShouldBeGreaterThan(0m);
        forecast.MonthToDateUsd.ShouldBe(decimal.Round(expected, 2));
        forecast.Estimates.Count.ShouldBe(2, "checkout and brochure are running");
        var ledger = await _portal.Services.GetRequiredService<IBudgetLedger>().GetBudgetAsync(payments, at, CancellationToken.None);
        ledger.MonthToDateSpendUsd.ShouldBe(forecast.MonthToDateUsd);
        ledger.RunningEnvironmentsProratedUsd.ShouldBe(forecast.RemainingEstimatesUsd);
        ledger.RemainingUsd.ShouldBe(ledger.MonthlyBudgetUsd - forecast.ForecastUsd);
    }

    [Fact]
    public async Task SandboxBackfilledStacks_TaggedWithNoPortalEnvironment_AreKeptUnallocatedUnderTheirTag()
    {
        // Demo stacks billing for the last 20 days, tagged "demo-<team>-<tier>": no environment of this portal.
        await _portal.Services.GetRequiredService<ISandboxAdmin>().BackfillAsync(20, CancellationToken.None);
        var at = Noon(2);
        _clock.Freeze(at);

        var run = await IngestAsync();

        run.Status.ShouldBe(CostIngestionStatus.Succeeded, run.Error);
        await using var db = await DbAsync();
        var demo = await db.CostFacts.AsNoTracking().Where(f => f.EnvironmentTag.StartsWith("demo-")).ToListAsync();
        demo.ShouldNotBeEmpty();
        demo.ShouldAllBe(f => f.EnvironmentId == null && f.TeamId == null && f.Tier == null);
        demo.Where(f => f.EnvironmentTag == "demo-payments-prod").Select(f => f.Date).Distinct().Count().ShouldBeGreaterThanOrEqualTo(20);
        var today = DateOnly.FromDateTime(at.UtcDateTime);
        demo.Where(f => f.EnvironmentTag == "demo-search-dev").Max(f => f.Date).ShouldBeLessThan(today.AddDays(-5), "deleted half-way through the backfill");
        var total = await TotalAsync(run.From, run.To);
        (await db.CostFacts.Select(f => f.UnblendedUsd).ToListAsync()).Sum().ShouldBe(total, 0.001m);
    }

    [Fact]
    public async Task AFailedRun_IsRecordedWithItsError_AndTheNextRunReadsTheSameWindowAgain()
    {
        _clock.Freeze(Noon(2));
        var faults = _portal.Services.GetRequiredService<ISandboxFaults>();
        CostIngestionResult failed;
        faults.ThrottleFraction = 1;
        try
        {
            failed = await IngestAsync();
        }
        finally
        {
            faults.ThrottleFraction = 0;
        }

        failed.Status.ShouldBe(CostIngestionStatus.Failed);
        await using (var db = await DbAsync())
        {
            var row = await db.CostIngestionRuns.AsNoTracking().SingleAsync(r => r.Id == failed.RunId);
            row.Status.ShouldBe(CostIngestionStatus.Failed);
            row.FinishedAt.ShouldNotBeNull();
            row.Error.ShouldNotBeNull().ShouldContain("Throttl");
            (await db.CostFacts.CountAsync()).ShouldBe(0);
        }

        var next = await IngestAsync();

        next.Status.ShouldBe(CostIngestionStatus.Succeeded, next.Error);
        next.From.ShouldBe(failed.From, "a failed run does not move the start: the backfill is tried again");
        next.Inserted.ShouldBeGreaterThan(0);
    }

    // Noon UTC, some days after the environments were created (so they bill whole days in between).
    private static DateTimeOffset Noon(int daysAhead) =>
        new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(daysAhead).AddHours(12);

    private Task<CostIngestionResult> IngestAsync() =>
        _portal.Services.GetRequiredService<CostIngestion>().IngestAccountAsync(Account, CancellationToken.None);

    private Task<PortalDbContext> DbAsync() => _portal.DbAsync();

    private async Task<Dictionary<(DateOnly Date, string Tag, string Service), decimal>> SnapshotAsync()
    {
        await using var db = await DbAsync();
        return await db.CostFacts.AsNoTracking().ToDictionaryAsync(f => (f.Date, f.EnvironmentTag, f.Service), f => f.UnblendedUsd);
    }

    private async Task<decimal> TotalAsync(DateOnly from, DateOnly to)
    {
        var client = _portal.Services.GetRequiredService<ICostExplorerClientFactory>()
            .Create(_portal.Services.GetRequiredService<AwsAccountDirectory>().ContextFor(Account));
        var response = await client.GetCostAndUsageAsync(
            new GetCostAndUsageRequest { TimePeriod = DateInterval.Days(from, to), Granularity = Granularity.Daily, Metrics = [CostMetric.UnblendedCost] },
            CancellationToken.None);
        return response.ResultsByTime.Sum(r => r.Total[CostMetric.UnblendedCost].Amount);
    }
}

/// <summary>On PostgreSQL.</summary>
public sealed class CostIngestionPostgresTests() : CostIngestionTests(DatabaseProvider.Postgres);

/// <summary>On SQLite, the embedded default: the same facts, the same idempotence.</summary>
public sealed class CostIngestionSqliteTests() : CostIngestionTests(DatabaseProvider.Sqlite);
