using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Web.Features.Costs;
using Portal.Web.Tests.Infrastructure;
using static Portal.Web.Tests.Costs.TestCostData;

namespace Portal.Web.Tests.Costs;

/// <summary>The cost API over known cost facts: sums, per-team visibility, CSV, bad input, on-demand ingestion.</summary>
public abstract class CostApiTests(DatabaseProvider provider) : IAsyncLifetime
{
    private static readonly DateOnly Day1 = new(2026, 10, 1);
    private static readonly DateOnly Day2 = new(2026, 10, 2);

    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync()
    {
        _portal = await PortalWebFactory.StartAsync(provider);
        await using var db = await _portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var payments = await db.Teams.Where(t => t.Slug == "payments").Select(t => t.Id).SingleAsync();
        var search = await db.Teams.Where(t => t.Slug == "search").Select(t => t.Id).SingleAsync();
        var now = DateTimeOffset.UtcNow;
        var checkout = Guid.NewGuid().ToString();
        var ledger = Guid.NewGuid().ToString();
        var crawler = Guid.NewGuid().ToString();
        CostFact[] facts =
        [
            Fact(Day1, checkout, "Amazon Relational Database Service", new CostAllocation(null, payments, EnvironmentTier.Dev), 10.50m, now),
            Fact(Day2, checkout, "Amazon Relational Database Service", new CostAllocation(null, payments, EnvironmentTier.Dev), 2.25m, now),
            Fact(Day2, ledger, "Amazon Simple Storage Service", new CostAllocation(null, payments, EnvironmentTier.Prod), 1.125m, now),
            Fact(Day1, crawler, "Amazon Elastic Compute Cloud - Compute", new CostAllocation(null, search, EnvironmentTier.Dev), 4.00m, now),
            Fact(Day1, CostFact.Untagged, "AmazonCloudWatch", CostAllocation.Unallocated, 1.25m, now),
            Fact(new DateOnly(2026, 9, 30), checkout, "Amazon Relational Database Service", new CostAllocation(null, payments, EnvironmentTier.Dev), 99m, now),
        ];
        // What ingestion keeps beside the facts: the cost views read the rollups.
        await TestCostData.SaveWithRollupsAsync(db, facts);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Summary_ByTeam_AsFinance_SumsEveryTeamAndUnallocated()
    {
        using var client = await ClientAsync("finance@example.com");

        var summary = await client.GetFromJsonAsync<CostSummary>("/api/v1/costs/summary?from=2026-10-01&to=2026-10-31&groupBy=team");

        summary!.Currency.ShouldBe("USD");
        summary.TotalUsd.ShouldBe(19.13m, "10.50 + 2.25 + 1.125 + 4.00 + 1.25, September's 99 outside the window");
        summary.Groups.ShouldBe([new CostGroup("payments", 13.88m), new CostGroup("search", 4.00m), new CostGroup("unallocated", 1.25m)]);
    }

    [Fact]
    public async Task Summary_ByTierServiceAndAccount_SplitTheSameTotal()
    {
        using var client = await ClientAsync("platform@example.com");

        var tiers = await client.GetFromJsonAsync<CostSummary>("/api/v1/costs/summary?from=2026-10-01&to=2026-10-31&groupBy=tier");
        var services = await client.GetFromJsonAsync<CostSummary>("/api/v1/costs/summary?from=2026-10-01&to=2026-10-31&groupBy=SERVICE");
        var accounts = await client.GetFromJsonAsync<CostSummary>("/api/v1/costs/summary?from=2026-10-01&to=2026-10-31&groupBy=account");

        tiers!.Groups.ShouldBe([new CostGroup("dev", 16.75m), new CostGroup("unallocated", 1.25m), new CostGroup("prod", 1.13m)]);
        services!.Groups.Select(g => g.Key).ShouldContain("AmazonCloudWatch");
        services.Groups.Single(g => g.Key == "Amazon Relational Database Service").AmountUsd.ShouldBe(12.75m);
        accounts!.Groups.ShouldBe([new CostGroup("123456789012", 19.13m)]);
    }

    [Fact]
    public async Task Summary_AsDeveloper_ShowsOnlyTheirTeams_AndAnotherTeamsDeveloperSeesNoneOfPayments()
    {
        using var dev = await ClientAsync("dev@example.com");
        using var searcher = await ClientAsync("dev2@example.com");

        var mine = await dev.GetFromJsonAsync<CostSummary>("/api/v1/costs/summary?from=2026-10-01&to=2026-10-31&groupBy=team");
        var theirs = await searcher.GetFromJsonAsync<CostSummary>("/api/v1/costs/summary?from=2026-10-01&to=2026-10-31&groupBy=team");
        var askedForPayments = await searcher.GetFromJsonAsync<DailyCosts>("/api/v1/costs/daily?from=2026-10-01&to=2026-10-02&team=payments");
        var csv = await searcher.GetStringAsync("/api/v1/costs/export.csv?from=2026-10-01&to=2026-10-31");

        mine!.Groups.ShouldBe([new CostGroup("payments", 13.88m)]);
        mine.TotalUsd.ShouldBe(13.88m);
        theirs!.Groups.ShouldBe([new CostGroup("search", 4.00m)]);
        askedForPayments!.TotalUsd.ShouldBe(0m);
        askedForPayments.Days.ShouldAllBe(d => d.AmountUsd == 0m);
        csv.ShouldNotContain("payments");
        csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(2, "header and the search team's one row");
    }

    [Fact]
    public async Task Daily_ForATeam_GivesEveryDayOfTheWindow()
    {
        using var client = await ClientAsync("finance@example.com");

        var daily = await client.GetFromJsonAsync<DailyCosts>("/api/v1/costs/daily?from=2026-09-30&to=2026-10-03&team=payments");

        daily!.Days.ShouldBe([
            new DailyCost(new DateOnly(2026, 9, 30), 99m), new DailyCost(Day1, 10.50m), new DailyCost(Day2, 3.38m), new DailyCost(new DateOnly(2026, 10, 3), 0m)]);
        daily.TotalUsd.ShouldBe(112.88m);
    }

    [Fact]
    public async Task ExportCsv_HasAHeaderRowAndOneLinePerFact()
    {
        using var client = await ClientAsync("finance@example.com");

        using var response = await client.GetAsync("/api/v1/costs/export.csv?from=2026-10-01&to=2026-10-31");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("date,account_id,environment_id,environment_tag,team,tier,service,unblended_usd,amortized_usd,estimated");
        lines.Length.ShouldBe(6);
        lines.ShouldContain(l => l.StartsWith("2026-10-01,123456789012,,,,,AmazonCloudWatch,1.25,", StringComparison.Ordinal));
        lines.ShouldContain(l => l.Contains(",payments,prod,Amazon Simple Storage Service,1.125,", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/api/v1/costs/summary?from=2026-10-31&to=2026-10-01", "is after")]
    [InlineData("/api/v1/costs/summary?groupBy=region", "groupBy")]
    [InlineData("/api/v1/costs/summary?groupBy=team,tier", "groupBy")]
    [InlineData("/api/v1/costs/summary?from=2026-13-01", "yyyy-MM-dd")]
    [InlineData("/api/v1/costs/daily?from=yesterday", "yyyy-MM-dd")]
    [InlineData("/api/v1/costs/daily?from=2024-01-01&to=2026-01-01", "at most")]
    [InlineData("/api/v1/costs/daily?environmentId=checkout", "GUID")]
    [InlineData("/api/v1/costs/export.csv?team=nobody", "no team")]
    public async Task BadInput_IsAProblem_NeverAServerError(string url, string detail)
    {
        using var client = await ClientAsync("finance@example.com");

        using var response = await client.GetAsync(url);

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).ShouldContain(detail);
    }

    [Fact]
    public async Task Ingest_AsFinance_IsAccepted_AndRecordsARun_AsDeveloper_IsForbidden()
    {
        using var finance = await ClientAsync("finance@example.com");
        using var dev = await ClientAsync("dev@example.com");

        using var accepted = await finance.PostAsync("/api/v1/costs/ingest", null);
        using var forbidden = await dev.PostAsync("/api/v1/costs/ingest", null);

        accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await forbidden.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        await using var db = await _portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        while (!await db.CostIngestionRuns.AnyAsync() && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        (await db.CostIngestionRuns.CountAsync()).ShouldBe(1, "the job ran once for the sandbox's one account");
    }

    private Task<HttpClient> ClientAsync(string email) => _portal.CreateTokenClientAsync(email);
}

/// <summary>On PostgreSQL (sums in SQL).</summary>
public sealed class CostApiPostgresTests() : CostApiTests(DatabaseProvider.Postgres);

/// <summary>On SQLite, the embedded default (sums in memory): the same answers.</summary>
public sealed class CostApiSqliteTests() : CostApiTests(DatabaseProvider.Sqlite);
