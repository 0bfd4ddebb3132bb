using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Costs;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Costs;

/// <summary>
/// Budget alerts and anomaly detection on the database, with email through a loopback SMTP server. At noon on 16 November
/// 2026 payments (budget lowered to $2,000) has spent $1,600: days 1–14 alternate $90 and $110, day 15 is a $200 spike.
/// search has spent only on days 10–15, with a spike on the 15th: too little history to judge.
/// </summary>
public abstract class BudgetAlertTests(DatabaseProvider provider) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 16, 12, 0, 0, TimeSpan.Zero);
    private readonly TestClock _clock = new();
    private readonly LoopbackSmtpServer _smtp = new();
    private PortalWebFactory _portal = default!;
    private Guid _payments;
    private Guid _search;

    public async Task InitializeAsync()
    {
        _clock.Freeze(Now);
        _portal = await PortalWebFactory.StartAsync(
            provider,
            settings: new Dictionary<string, string?>
            {
                ["Costs:CheckAllocationTagsOnStartup"] = "false",
                ["Smtp:Host"] = "127.0.0.1",
                ["Smtp:Port"] = _smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Smtp:From"] = "portal@example.com",
            },
            services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)));
        await using var db = await _portal.DbAsync();
        var payments = await db.Teams.SingleAsync(t => t.Slug == "payments");
        payments.Update(payments.Name, payments.CostCenter, 2000m, Now);
        (_payments, _search) = (payments.Id, await db.Teams.Where(t => t.Slug == "search").Select(t => t.Id).SingleAsync());
        for (var day = 1; day <= 14; day++)
        {
            db.CostFacts.Add(Fact(new DateOnly(2026, 11, day), _payments, day % 2 == 0 ? 110m : 90m));
        }

        db.CostFacts.Add(Fact(new DateOnly(2026, 11, 15), _payments, 200m));
        for (var day = 10; day <= 14; day++)
        {
            db.CostFacts.Add(Fact(new DateOnly(2026, 11, day), _search, 5m));
        }

        db.CostFacts.Add(Fact(new DateOnly(2026, 11, 15), _search, 500m));
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task Evaluating_ConcurrentlyAndAgain_RaisesEachThresholdOnce_NotifiesEachRecipientOnce_AndEmailsThem()
    {
        var alerts = _portal.Services.GetRequiredService<BudgetAlerts>();

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => alerts.EvaluateAsync(CancellationToken.None))));
        var again = await alerts.EvaluateAsync(CancellationToken.None);

        concurrent.SelectMany(r => r).Count(r => r.Name == "payments").ShouldBe(1, "one evaluation wins; the others find the alerts raised");
        again.ShouldBeEmpty();
        await using var db = await _portal.DbAsync();
        (await db.BudgetAlerts.Where(a => a.TeamId == _payments).Select(a => a.Kind).ToListAsync()).Order().ToList()
            .ShouldBe([BudgetAlertKind.Actual50, BudgetAlertKind.Actual80], "80% of $2,000 is spent; the forecast ($1,600, nothing running) is under");
        (await db.BudgetAlerts.CountAsync(a => a.TeamId == _search)).ShouldBe(0, "search spent $525 of $3,000");
        var dev = await _portal.ActorAsync("dev@example.com");
        var finance = await _portal.ActorAsync("finance@example.com");
        var searcher = await _portal.ActorAsync("dev2@example.com");
        (await Titles(db, dev.UserId)).ShouldBe(["Budget payments: 80% of the budget spent"], "crossing 50% and 80% at once is one message");
        (await Titles(db, finance.UserId)).ShouldBe(["Budget payments: 80% of the budget spent"]);
        (await Titles(db, searcher.UserId)).ShouldBeEmpty();

        var mail = _smtp.Messages.ShouldHaveSingleItem();
        mail.From.ShouldBe("portal@example.com");
        mail.To.Order().ToList().ShouldBe(["dev@example.com", "finance@example.com"]);
        mail.Data.ShouldContain("Budget payments: 80% of the budget spent");
        mail.Data.ShouldContain("$1,600.00 of the $2,000.00 monthly budget");
    }

    [Fact]
    public async Task MoreSpend_RaisesOnlyTheThresholdsNotYetRaised_AndANewMonthStartsAfresh()
    {
        var alerts = _portal.Services.GetRequiredService<BudgetAlerts>();
        await alerts.EvaluateAsync(CancellationToken.None);
        await AddAsync(Fact(new DateOnly(2026, 11, 16), _payments, 500m));

        var more = await alerts.EvaluateAsync(CancellationToken.None);

        more.ShouldHaveSingleItem().Kinds.ShouldBe([BudgetAlertKind.Actual100, BudgetAlertKind.ForecastOver]);
        var dev = await _portal.ActorAsync("dev@example.com");
        await using (var db = await _portal.DbAsync())
        {
            (await Titles(db, dev.UserId)).ShouldBe([
                "Budget payments: 80% of the budget spent",
                "Budget payments: the budget is spent",
                "Budget payments: the month-end forecast exceeds the budget",
            ]);
        }

        // December: the same thresholds alert again, once.
        _clock.Freeze(new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero));
        await AddAsync(Fact(new DateOnly(2026, 12, 1), _payments, 1100m));

        var december = await alerts.EvaluateAsync(CancellationToken.None);
        await alerts.EvaluateAsync(CancellationToken.None);

        december.ShouldHaveSingleItem().Kinds.ShouldBe([BudgetAlertKind.Actual50]);
        await using var check = await _portal.DbAsync();
        (await check.BudgetAlerts.CountAsync(a => a.TeamId == _payments && a.Month == new DateOnly(2026, 12, 1))).ShouldBe(1);
        (await Titles(check, dev.UserId)).Count(t => t == "Budget payments: 50% of the budget spent").ShouldBe(1);
    }

    [Fact]
    public async Task AnomalyDetection_FlagsTheTeamsSpikeOnce_IgnoresAScopeWithTooLittleHistory_AndNotifiesTeamAndFinance()
    {
        var detector = _portal.Services.GetRequiredService<CostAnomalyDetector>();

        var found = await detector.DetectRecentAsync(CancellationToken.None);
        var again = await Task.WhenAll(detector.DetectRecentAsync(CancellationToken.None), detector.DetectRecentAsync(CancellationToken.None));

        var anomaly = found.ShouldHaveSingleItem();
        again.SelectMany(a => a).ShouldBeEmpty();
        (anomaly.TeamId, anomaly.EnvironmentId, anomaly.Date).ShouldBe((_payments, (Guid?)null, new DateOnly(2026, 11, 15)));
        (anomaly.AmountUsd, anomaly.MeanUsd, anomaly.StdDevUsd, anomaly.HistoryDays).ShouldBe((200m, 100m, 10m, 14));
        await using var db = await _portal.DbAsync();
        (await db.CostAnomalies.CountAsync()).ShouldBe(1, "search's $500 day has only 5 days of history (7 needed)");
        var dev = await _portal.ActorAsync("dev@example.com");
        var finance = await _portal.ActorAsync("finance@example.com");
        var searcher = await _portal.ActorAsync("dev2@example.com");
        (await db.Notifications.CountAsync(n => n.UserId == dev.UserId && n.Kind == CostAnomalyDetector.NotificationKind)).ShouldBe(1);
        (await db.Notifications.CountAsync(n => n.UserId == finance.UserId && n.Kind == CostAnomalyDetector.NotificationKind)).ShouldBe(1);
        (await db.Notifications.CountAsync(n => n.UserId == searcher.UserId && n.Kind == CostAnomalyDetector.NotificationKind)).ShouldBe(0);
        (await db.AuditEvents.CountAsync(a => a.Action == "cost.anomaly-detected")).ShouldBe(1);
        _smtp.Messages.ShouldContain(m => m.Data.Contains("Cost anomaly: team payments on 2026-11-15"));
    }

    [Fact]
    public async Task ARunningEnvironment_CountsInTheForecastAndTheLedger_AndItsOwnSpikeIsAnEnvironmentAnomaly()
    {
        var dev = await _portal.ActorAsync("dev@example.com");
        Guid environmentId;
        await using (var db = await _portal.DbAsync())
        {
            var environment = PortalEnvironment.Create("checkout", _payments, "payments", dev.UserId, "ecs-web-service", "1.0.0", EnvironmentTier.Dev, "123456789012", "us-east-1", "{}", null, false, Now);
            environment.SetMonthlyEstimate(600m, Now);
            db.Environments.Add(environment);
            await db.SaveChangesAsync();
            environmentId = environment.Id;
            for (var day = 1; day <= 14; day++)
            {
                db.CostFacts.Add(EnvironmentFact(new DateOnly(2026, 11, day), environmentId, 10m));
            }

            db.CostFacts.Add(EnvironmentFact(new DateOnly(2026, 11, 15), environmentId, 45m));
            await db.SaveChangesAsync();
        }

        var forecasts = _portal.Services.GetRequiredService<CostForecasts>();
        var team = await forecasts.ForTeamAsync(_payments, Now, CancellationToken.None);
        var environmentForecast = await forecasts.ForEnvironmentAsync(environmentId, Now, CancellationToken.None);
        var ledger = await _portal.Services.GetRequiredService<Portal.Provisioning.Lifecycle.IBudgetLedger>().GetBudgetAsync(_payments, Now, CancellationToken.None);
        var anomalies = await _portal.Services.GetRequiredService<CostAnomalyDetector>().DetectRecentAsync(CancellationToken.None);

        (team.MonthToDateUsd, team.RemainingEstimatesUsd, team.ForecastUsd).ShouldBe((1785m, 290m, 2075m), "$600 x 14.5/30 days still to come");
        team.Estimates.ShouldHaveSingleItem().Name.ShouldBe("checkout");
        (environmentForecast!.MonthToDateUsd, environmentForecast.ForecastUsd).ShouldBe((185m, 475m));
        ledger.RemainingUsd.ShouldBe(-75m, "auto-approval sees the same $2,075 against the $2,000 budget");
        anomalies.Select(a => a.Scope).Order(StringComparer.Ordinal).ToList()
            .ShouldBe([CostAnomaly.EnvironmentScope(environmentId), CostAnomaly.TeamScope(_payments)]);
        var mine = anomalies.Single(a => a.EnvironmentId == environmentId);
        (mine.TeamId, mine.AmountUsd, mine.MeanUsd, mine.StdDevUsd).ShouldBe((_payments, 45m, 10m, 0m), "$35 above a flat $10");
    }

    private async Task AddAsync(CostFact fact)
    {
        await using var db = await _portal.DbAsync();
        db.CostFacts.Add(fact);
        await db.SaveChangesAsync();
    }

    private static async Task<List<string>> Titles(PortalDbContext db, Guid userId) =>
        (await db.Notifications.Where(n => n.UserId == userId && n.Kind == BudgetAlerts.NotificationKind).Select(n => n.Title).ToListAsync()).Order(StringComparer.Ordinal).ToList();

    private CostFact EnvironmentFact(DateOnly date, Guid environmentId, decimal usd) =>
        CostFact.Create(date, "123456789012", environmentId.ToString(), "Amazon Elastic Container Service", new CostAllocation(environmentId, _payments, EnvironmentTier.Dev), new CostAmounts(usd, usd, false), Now);

    private static CostFact Fact(DateOnly date, Guid teamId, decimal usd) =>
        CostFact.Create(date, "123456789012", $"team-{teamId:N}", "Amazon Elastic Compute Cloud - Compute", new CostAllocation(null, teamId, EnvironmentTier.Dev), new CostAmounts(usd, usd, false), Now);
}

public sealed class BudgetAlertPostgresTests() : BudgetAlertTests(DatabaseProvider.Postgres);

public sealed class BudgetAlertSqliteTests() : BudgetAlertTests(DatabaseProvider.Sqlite);
