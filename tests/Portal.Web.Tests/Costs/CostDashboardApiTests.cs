using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Web.Features.Costs;
using Portal.Web.Tests.Infrastructure;
using static Portal.Web.Tests.Costs.TestCostData;

namespace Portal.Web.Tests.Costs;

/// <summary>The dashboards' API and CSV exports through the real pipeline (PostgreSQL), over known unallocated and team facts.</summary>
public sealed class CostDashboardApiTests : IAsyncLifetime
{
    private const string Window = "from=2026-10-01&to=2026-10-31";
    private const string FormulaTag = "=HYPERLINK(\"http://evil\")";

    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync()
    {
        _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres);
        await using var db = await _portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
        var payments = await db.Teams.Where(t => t.Slug == "payments").Select(t => t.Id).SingleAsync();
        var search = await db.Teams.Where(t => t.Slug == "search").Select(t => t.Id).SingleAsync();
        var now = DateTimeOffset.UtcNow;
        CostFact[] facts =
        [
            Fact(new DateOnly(2026, 10, 1), Guid.NewGuid().ToString(), "Amazon Relational Database Service", new CostAllocation(null, payments, EnvironmentTier.Dev), 10.50m, now),
            Fact(new DateOnly(2026, 10, 2), Guid.NewGuid().ToString(), "Amazon Elastic Compute Cloud - Compute", new CostAllocation(null, search, EnvironmentTier.Prod), 4m, now),
            Fact(new DateOnly(2026, 10, 3), FormulaTag, "Acme, \"Quoted\" Service", CostAllocation.Unallocated, 1.25m, now),
        ];
        // What ingestion keeps beside the facts: the cost views read the rollups.
        await TestCostData.SaveWithRollupsAsync(db, facts);
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    public static IEnumerable<object[]> Headers() =>
    [
        [CostDashboardExport.Monthly, "month,team,amount_usd"],
        [CostDashboardExport.Teams, "team,amount_usd,percent"],
        [CostDashboardExport.Tiers, "tier,amount_usd,percent"],
        [CostDashboardExport.Services, "service,amount_usd,percent"],
        [CostDashboardExport.TopEnvironments, "environment_id,environment,team,template,tier,status,amount_usd"],
        [CostDashboardExport.Daily, "date,amount_usd"],
        [CostDashboardExport.Estimates, "environment_id,environment,team,template,tier,status,days,monthly_estimate_usd,estimate_usd,actual_usd,variance_usd,accuracy_percent"],
        [CostDashboardExport.Templates, "template,environments,estimate_usd,actual_usd,variance_usd,accuracy_percent"],
        [CostDashboardExport.Approvers, "approver,environments,approved_usd,actual_usd,variance_usd,accuracy_percent"],
        [CostDashboardExport.Waste, "kind,environment_id,name,team,status,since,amount_usd"],
    ];

    [Theory]
    [MemberData(nameof(Headers))]
    public async Task ExportCsv_EveryView_IsCsvWithItsHeaderRow(string view, string header)
    {
        using var client = await ClientAsync("finance@example.com");

        using var response = await client.GetAsync($"/api/v1/costs/export.csv?view={view}&{Window}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        response.Content.Headers.ContentDisposition!.FileNameStar.ShouldBe($"costs-{view}-2026-10-01-2026-10-31.csv");
        (await response.Content.ReadAsStringAsync()).Split("\r\n")[0].ShouldBe(header);
    }

    [Fact]
    public async Task ExportCsv_QuotesCommasAndQuotes_AndDefusesFormulas()
    {
        using var client = await ClientAsync("finance@example.com");

        var services = await client.GetStringAsync($"/api/v1/costs/export.csv?view=services&{Window}");
        var waste = await client.GetStringAsync($"/api/v1/costs/export.csv?view=waste&{Window}");
        var daily = await client.GetStringAsync($"/api/v1/costs/export.csv?view=daily&{Window}");

        services.Split("\r\n").ShouldContain("\"Acme, \"\"Quoted\"\" Service\",1.25,7.9");
        waste.Split("\r\n").ShouldContain("unallocated,,\"'=HYPERLINK(\"\"http://evil\"\") (123456789012)\",,,,1.25");
        daily.Split("\r\n").ShouldContain("2026-10-01,10.5");
        daily.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length.ShouldBe(32, "the header and 31 days");
    }

    [Fact]
    public void Csv_PrefixesFormulaText_ButNotNumbers()
    {
        var csv = new CostCsv("a", "b", "c", "d", "e").Row("-cmd", "+1", "@SUM(A1)", -5.25m, "plain").ToString();

        csv.ShouldBe("a,b,c,d,e\r\n'-cmd,'+1,'@SUM(A1),-5.25,plain\r\n");
    }

    [Fact]
    public async Task DashboardViews_AsDeveloper_ShowOnlyTheirTeam_AsFinance_IncludeUnallocated()
    {
        using var dev = await ClientAsync("dev@example.com");
        using var finance = await ClientAsync("finance@example.com");

        var mine = await dev.GetFromJsonAsync<List<SpendShare>>($"/api/v1/costs/dashboard/teams?{Window}");
        var all = await finance.GetFromJsonAsync<List<SpendShare>>($"/api/v1/costs/dashboard/teams?{Window}");
        var devWaste = await dev.GetFromJsonAsync<WasteReport>($"/api/v1/costs/dashboard/waste?{Window}");
        var financeSearch = await finance.GetFromJsonAsync<List<SpendShare>>($"/api/v1/costs/dashboard/tiers?{Window}&team=search");

        mine!.Select(s => (s.Key, s.AmountUsd)).ShouldBe([("payments", 10.5m)]);
        all!.Select(s => (s.Key, s.AmountUsd)).ShouldBe([("payments", 10.5m), ("search", 4m), ("unallocated", 1.25m)]);
        devWaste!.Items.ShouldBeEmpty();
        devWaste.TotalUsd.ShouldBe(0m);
        financeSearch!.Select(s => (s.Key, s.AmountUsd)).ShouldBe([("prod", 4m)]);
    }

    [Theory]
    [InlineData("/api/v1/costs/dashboard/teams?from=2026-10-31&to=2026-10-01", "from")]
    [InlineData("/api/v1/costs/dashboard/daily?from=2025-01-01&to=2026-10-01", "to")]
    [InlineData("/api/v1/costs/dashboard/monthly?team=nobody", "team")]
    [InlineData("/api/v1/costs/dashboard/services?tier=gold", "tier")]
    [InlineData("/api/v1/costs/dashboard/waste?account=12", "account")]
    [InlineData("/api/v1/costs/dashboard/estimates?page=0", "page")]
    [InlineData("/api/v1/costs/dashboard/estimates?pageSize=501", "pageSize")]
    [InlineData("/api/v1/costs/dashboard/estimates?pageSize=ten", "pageSize")]
    [InlineData("/api/v1/costs/dashboard/estimates?sort=cost", "sort")]
    [InlineData("/api/v1/costs/dashboard/estimates?sort=3", "sort")]
    [InlineData("/api/v1/costs/dashboard/estimates?order=up", "order")]
    [InlineData("/api/v1/costs/export.csv?view=pie", "view")]
    [InlineData("/api/v1/costs/export.csv?view=teams&to=tomorrow", "to")]
    public async Task BadFilters_AreValidationProblems_NamingTheField(string url, string field)
    {
        using var client = await ClientAsync("finance@example.com");

        using var response = await client.GetAsync(url);

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        json.RootElement.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(json.RootElement.ToString());
    }

    [Fact]
    public async Task Estimates_AreAPage_WithTheirTotals()
    {
        using var client = await ClientAsync("finance@example.com");

        using var json = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/costs/dashboard/estimates?{Window}&page=2&pageSize=25&sort=accuracy&order=asc"));

        var root = json.RootElement;
        (root.GetProperty("page").GetInt32(), root.GetProperty("pageSize").GetInt32(), root.GetProperty("total").GetInt32(), root.GetProperty("billed").GetInt32())
            .ShouldBe((2, 25, 0, 0), "no environment existed in October here");
        root.GetProperty("items").GetArrayLength().ShouldBe(0);
    }

    private Task<HttpClient> ClientAsync(string email) => _portal.CreateTokenClientAsync(email);
}
