using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Costs;
using Portal.Web.Features.Costs.Budgets;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Costs;

/// <summary>
/// The budgets and anomalies API over known cost facts, at a frozen instant (noon on 16 November 2026: 14.5 of 30 days
/// left). payments (budget $5,000) has spent $2,600 this month, search ($3,000) $100, and $40 is unallocated.
/// </summary>
public abstract class BudgetApiTests(DatabaseProvider provider) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 16, 12, 0, 0, TimeSpan.Zero);
    private readonly TestClock _clock = new();
    private PortalWebFactory _portal = default!;
    private Guid _payments;
    private Guid _search;

    public async Task InitializeAsync()
    {
        _clock.Freeze(Now);
        _portal = await PortalWebFactory.StartAsync(
            provider,
            settings: new Dictionary<string, string?> { ["Costs:CheckAllocationTagsOnStartup"] = "false" },
            services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)));
        await using var db = await _portal.DbAsync();
        _payments = await db.Teams.Where(t => t.Slug == "payments").Select(t => t.Id).SingleAsync();
        _search = await db.Teams.Where(t => t.Slug == "search").Select(t => t.Id).SingleAsync();
        db.CostFacts.AddRange(
            Fact(new DateOnly(2026, 11, 2), "rds", new CostAllocation(null, _payments, EnvironmentTier.Dev), 1600m),
            Fact(new DateOnly(2026, 11, 15), "rds", new CostAllocation(null, _payments, EnvironmentTier.Dev), 1000m),
            Fact(new DateOnly(2026, 10, 31), "rds", new CostAllocation(null, _payments, EnvironmentTier.Dev), 9999m),
            Fact(new DateOnly(2026, 11, 3), "ec2", new CostAllocation(null, _search, EnvironmentTier.Dev), 100m),
            Fact(new DateOnly(2026, 11, 3), "", CostAllocation.Unallocated, 40m));
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Get_AsFinance_ListsEveryTeam_WithActualForecastAndAlertState_AndTheOrganisationLine()
    {
        using var client = await ClientAsync("finance@example.com");

        var overview = await client.GetFromJsonAsync<BudgetOverview>("/api/v1/budgets");

        overview!.Month.ShouldBe("2026-11");
        overview.RemainingDays.ShouldBe(14.5m);
        overview.Teams.Select(t => t.Team).ShouldBe(["payments", "search"]);
        var payments = overview.Teams[0];
        (payments.BudgetUsd, payments.MonthToDateUsd, payments.ForecastUsd, payments.RemainingUsd, payments.PercentUsed).ShouldBe((5000m, 2600m, 2600m, 2400m, 52.0m));
        payments.AlertState.ShouldBe(nameof(BudgetState.Actual50));
        payments.Basis.MonthToDateUsd.ShouldBe(2600m);
        payments.Basis.Environments.ShouldBeEmpty("nothing runs");
        var organisation = overview.Organisation!;
        organisation.Team.ShouldBe(BudgetService.OrganisationKey);
        organisation.BudgetSet.ShouldBe(false);
        organisation.TeamBudgetsTotalUsd.ShouldBe(8000m);
        organisation.MonthToDateUsd.ShouldBe(2740m, "every team's spend and the unallocated $40");
        organisation.AlertState.ShouldBe(nameof(BudgetState.NoBudget));
        organisation.RemainingUsd.ShouldBeNull("without an organisation total nothing is left or overspent");
    }

    [Fact]
    public async Task Csv_AndApi_AgreeOnEveryLinesRemainingAmount_WithAndWithoutAnOrganisationTotal()
    {
        using var client = await ClientAsync("finance@example.com");
        foreach (var total in new decimal?[] { null, 10_000m })
        {
            if (total is { } amount)
            {
                (await client.PutAsJsonAsync("/api/v1/budgets/_organisation", new { monthlyUsd = amount })).EnsureSuccessStatusCode();
            }

            var overview = (await client.GetFromJsonAsync<BudgetOverview>("/api/v1/budgets"))!;
            var csv = BudgetService.ToCsv(overview).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            csv[0].Split(',')[6].ShouldBe("remaining_usd");
            var remaining = csv.Skip(1).ToDictionary(l => l.Split(',')[1], l => l.Split(',')[6]);
            foreach (var line in new[] { overview.Organisation! }.Concat(overview.Teams))
            {
                remaining[line.Team].ShouldBe(line.RemainingUsd?.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) ?? "", line.Team);
            }

            remaining[BudgetService.OrganisationKey].ShouldBe(total is null ? "" : "7260.00", "$10,000 less the $2,740 forecast; nothing without a total");
        }
    }

    [Fact]
    public async Task Get_AsDeveloper_ListsOnlyTheirOwnTeam_AndNoOrganisationLine()
    {
        using var dev = await ClientAsync("dev@example.com");
        using var searcher = await ClientAsync("dev2@example.com");

        var mine = await dev.GetFromJsonAsync<BudgetOverview>("/api/v1/budgets");
        var theirs = await searcher.GetFromJsonAsync<BudgetOverview>("/api/v1/budgets");

        mine!.Teams.Select(t => t.Team).ShouldBe(["payments"]);
        mine.Organisation.ShouldBeNull();
        theirs!.Teams.Select(t => t.Team).ShouldBe(["search"]);
        theirs.Teams[0].MonthToDateUsd.ShouldBe(100m);
    }

    [Fact]
    public async Task Put_AsFinance_SetsTheTeamsBudget_Audited_AndALowerBudgetAlertsAtOnce()
    {
        using var finance = await ClientAsync("finance@example.com");

        var response = await finance.PutAsJsonAsync("/api/v1/budgets/payments", new { monthlyUsd = 2000.50m });

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var line = (await response.Content.ReadFromJsonAsync<BudgetLine>())!;
        (line.Team, line.BudgetUsd, line.AlertState).ShouldBe(("payments", 2000.50m, nameof(BudgetState.Over)));
        line.AlertsRaised.ShouldBe(["Actual50", "Actual80", "Actual100", "ForecastOver"]);
        await using var db = await _portal.DbAsync();
        (await db.Teams.SingleAsync(t => t.Id == _payments)).MonthlyBudgetUsd.ShouldBe(2000.50m);
        var audit = await db.AuditEvents.Where(a => a.Action == "budget.updated" && a.TargetId == "payments").SingleAsync();
        audit.Actor.ShouldBe("finance@example.com");
        audit.Detail.ShouldContain("5000");

        // 50, 80 and 100% crossed at once: one message for the highest, one for the forecast; to the team and finance.
        var dev = await _portal.ActorAsync("dev@example.com");
        var devNotes = await db.Notifications.Where(n => n.UserId == dev.UserId && n.Kind == BudgetAlerts.NotificationKind).Select(n => n.Title).ToListAsync();
        devNotes.Order().ShouldBe(["Budget payments: the budget is spent", "Budget payments: the month-end forecast exceeds the budget"]);
        var financeUser = await _portal.ActorAsync("finance@example.com");
        (await db.Notifications.CountAsync(n => n.UserId == financeUser.UserId && n.Kind == BudgetAlerts.NotificationKind)).ShouldBe(2);
        var searcher = await _portal.ActorAsync("dev2@example.com");
        (await db.Notifications.CountAsync(n => n.UserId == searcher.UserId && n.Kind == BudgetAlerts.NotificationKind)).ShouldBe(0);
    }

    [Fact]
    public async Task Put_TheOrganisationTotal_UsesTheReservedKey_AndIsReadBack()
    {
        using var admin = await ClientAsync("admin@example.com");

        var response = await admin.PutAsJsonAsync("/api/v1/budgets/_organisation", new { monthlyUsd = 10000 });

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var overview = await admin.GetFromJsonAsync<BudgetOverview>("/api/v1/budgets");
        overview!.Organisation!.BudgetSet.ShouldBe(true);
        overview.Organisation.BudgetUsd.ShouldBe(10000m);
        overview.Organisation.PercentUsed.ShouldBe(27.4m);
        await using var db = await _portal.DbAsync();
        (await db.AuditEvents.CountAsync(a => a.Action == "budget.updated" && a.TargetType == "organisation")).ShouldBe(1);
    }

    [Theory]
    [InlineData("dev@example.com")]
    [InlineData("platform@example.com")]
    public async Task Put_AsAnyoneButFinanceOrAdmin_Is403(string email)
    {
        using var client = await ClientAsync(email);

        var response = await client.PutAsJsonAsync("/api/v1/budgets/payments", new { monthlyUsd = 1 });

        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await using var db = await _portal.DbAsync();
        (await db.Teams.SingleAsync(t => t.Id == _payments)).MonthlyBudgetUsd.ShouldBe(5000m);
    }

    [Theory]
    [InlineData("{\"monthlyUsd\": -1}", "zero or more")]
    [InlineData("{\"monthlyUsd\": 12.345}", "two decimals")]
    [InlineData("{\"monthlyUsd\": 2000000000}", "at most")]
    [InlineData("{}", "required")]
    [InlineData("{\"monthlyUsd\": null}", "required")]
    public async Task Put_BadAmounts_Are400_WithTheFieldsError(string body, string message)
    {
        using var client = await ClientAsync("finance@example.com");

        var response = await client.PutAsync("/api/v1/budgets/payments", new StringContent(body, Encoding.UTF8, "application/json"));

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        (json.RootElement.GetProperty("errors").GetProperty("monthlyUsd")[0].GetString() ?? "").ShouldContain(message);
    }

    [Fact]
    public async Task Put_NotANumber_Is400_AndAnUnknownTeam_Is404()
    {
        using var client = await ClientAsync("finance@example.com");

        await (await client.PutAsync("/api/v1/budgets/payments", new StringContent("{\"monthlyUsd\": \"lots\"}", Encoding.UTF8, "application/json")))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await (await client.PutAsJsonAsync("/api/v1/budgets/nobody", new { monthlyUsd = 1 })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Anomalies_AreListedPerTeam_AndAcknowledgedOnceWithANote_ByTheTeamOrFinance()
    {
        Guid paymentsSpike, searchSpike;
        await using (var db = await _portal.DbAsync())
        {
            var p = CostAnomaly.Detect(_payments, null, new DateOnly(2026, 11, 14), 480m, 100m, 12m, 14, Now);
            var s = CostAnomaly.Detect(_search, null, new DateOnly(2026, 11, 10), 90m, 20m, 5m, 9, Now);
            db.CostAnomalies.AddRange(p, s);
            await db.SaveChangesAsync();
            (paymentsSpike, searchSpike) = (p.Id, s.Id);
        }

        using var dev = await ClientAsync("dev@example.com");
        using var searcher = await ClientAsync("dev2@example.com");
        using var platform = await ClientAsync("platform@example.com");
        using var finance = await ClientAsync("finance@example.com");

        (await dev.GetFromJsonAsync<AnomalyList>("/api/v1/costs/anomalies"))!.Anomalies.Select(a => a.Id).ShouldBe([paymentsSpike]);
        (await finance.GetFromJsonAsync<AnomalyList>("/api/v1/costs/anomalies?team=search"))!.Anomalies.Select(a => a.Id).ShouldBe([searchSpike]);
        (await finance.GetFromJsonAsync<AnomalyList>("/api/v1/costs/anomalies?from=2026-11-12&to=2026-11-30"))!.Anomalies.Select(a => a.Id).ShouldBe([paymentsSpike]);
        await (await finance.GetAsync("/api/v1/costs/anomalies?acknowledged=maybe")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        var url = $"/api/v1/costs/anomalies/{paymentsSpike}/acknowledge";
        var empty = await dev.PostAsJsonAsync(url, new { note = "  " });
        await empty.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        (await empty.Content.ReadAsStringAsync()).ShouldContain("\"note\"");
        await (await dev.PostAsJsonAsync(url, new { note = new string('x', 1001) })).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await (await searcher.PostAsJsonAsync(url, new { note = "not mine" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await platform.PostAsJsonAsync(url, new { note = "seen" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        var acknowledged = await dev.PostAsJsonAsync(url, new { note = "Load test against checkout; stopped at 16:00." });

        acknowledged.StatusCode.ShouldBe(HttpStatusCode.OK, await acknowledged.Content.ReadAsStringAsync());
        var item = (await acknowledged.Content.ReadFromJsonAsync<AnomalyItem>())!;
        item.Acknowledged!.By.ShouldBe("dev@example.com");
        item.Acknowledged.Note.ShouldBe("Load test against checkout; stopped at 16:00.");
        await (await finance.PostAsJsonAsync(url, new { note = "again" })).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        (await finance.PostAsJsonAsync($"/api/v1/costs/anomalies/{searchSpike}/acknowledge", new { note = "Reindex." })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await finance.GetFromJsonAsync<AnomalyList>("/api/v1/costs/anomalies?acknowledged=false"))!.Anomalies.ShouldBeEmpty();
        (await finance.GetFromJsonAsync<AnomalyList>("/api/v1/costs/anomalies?acknowledged=true"))!.Anomalies.Count.ShouldBe(2);
        await using var check = await _portal.DbAsync();
        (await check.AuditEvents.CountAsync(a => a.Action == "cost.anomaly-acknowledged")).ShouldBe(2);
    }

    private Task<HttpClient> ClientAsync(string email) => _portal.CreateTokenClientAsync(email);

    private static CostFact Fact(DateOnly date, string tag, CostAllocation allocation, decimal usd) =>
        TestCostData.Fact(date, tag, "Amazon Relational Database Service", allocation, usd, Now);
}

public sealed class BudgetApiPostgresTests() : BudgetApiTests(DatabaseProvider.Postgres);

public sealed class BudgetApiSqliteTests() : BudgetApiTests(DatabaseProvider.Sqlite);
