using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Portal.Data;
using Portal.TestSupport;
using Portal.Web.Features.Costs;
using Portal.Web.Tests.Browser;
using Portal.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Benchmarks;

/// <summary>
/// Load harness for the finance dashboards on PostgreSQL: 10,000 environments (a tenth destroyed, a tenth stopped, a tenth
/// expired) × 365 days × 3 services ≈ 11 million cost facts generated in SQL, then every <see cref="CostDashboardQueries"/>
/// view's p50/p95 for finance (everything) and a developer (one team); the daily rollups are filled from the facts as ingestion would. Not part of the test command:
/// <code>PORTAL_BENCH_ENVIRONMENTS=10000 PORTAL_BENCH_ITERATIONS=10 dotnet test tests/Portal.Web.Tests -c Release --filter "FullyQualifiedName~CostDashboardLoadHarness" --logger "console;verbosity=detailed"</code>
/// Figures go to the console and to <c>TestResults/benchmarks/cost-dashboards.txt</c>.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class CostDashboardLoadHarness(ITestOutputHelper output)
{
    private const string Account = "123456789012";
    private const int Days = 365;
    private const int Teams = 50;
    private const string EmptyJson = "{}";

    private static int Iterations =>
        int.TryParse(Environment.GetEnvironmentVariable("PORTAL_BENCH_ITERATIONS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 10;

    private static int Environments =>
        int.TryParse(Environment.GetEnvironmentVariable("PORTAL_BENCH_ENVIRONMENTS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 10_000;

    [Fact]
    public async Task DashboardViews_AtTenMillionFacts()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true);
        var lines = new List<string>();
        var clock = Stopwatch.StartNew();
        var facts = await GenerateAsync(portal);
        lines.Add($"{Environments:N0} environments in {Teams} teams, {facts:N0} cost facts ({Days} days × 3 services) generated in {clock.Elapsed.TotalSeconds:0} s");

        var queries = new CostDashboardQueries(portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>());
        var finance = await portal.ActorAsync("finance@example.com");
        var developer = await portal.ActorAsync("dev@example.com");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var month = new CostFilter(today.AddDays(-29), today);
        var quarter = new CostFilter(today.AddDays(-89), today);
        var cases = new List<(string Name, Func<Task> Run)>
        {
            ("monthly by team, 13 months, finance", () => queries.MonthlyByTeamAsync(finance, month, CancellationToken.None)),
            ("by team, 30 days, finance", () => queries.ByTeamAsync(finance, month, CancellationToken.None)),
            ("by tier, 30 days, finance", () => queries.ByTierAsync(finance, month, CancellationToken.None)),
            ("by service, 30 days, finance", () => queries.ByServiceAsync(finance, month, CancellationToken.None)),
            ("top 10 environments, 30 days, finance", () => queries.TopEnvironmentsAsync(finance, month, 10, CancellationToken.None)),
            ("daily trend, 90 days, finance", () => queries.DailyTrendAsync(finance, quarter, CancellationToken.None)),
            ("estimate vs actual, 30 days, finance", () => queries.EstimateVsActualAsync(finance, month, CancellationToken.None)),
            ("approved vs realised, 30 days, finance", () => queries.ApprovedVsRealisedAsync(finance, month, CancellationToken.None)),
            ("waste, 30 days, finance", () => queries.WasteAsync(finance, month, CancellationToken.None)),
            ("monthly by team, 13 months, developer", () => queries.MonthlyByTeamAsync(developer, month, CancellationToken.None)),
            ("by service, 30 days, developer", () => queries.ByServiceAsync(developer, month, CancellationToken.None)),
            ("estimate vs actual, 30 days, developer", () => queries.EstimateVsActualAsync(developer, month, CancellationToken.None)),
            ("waste, 30 days, developer", () => queries.WasteAsync(developer, month, CancellationToken.None)),
        };
        foreach (var (name, run) in cases)
        {
            await run();
            var times = new List<double>();
            for (var i = 0; i < Iterations; i++)
            {
                var watch = Stopwatch.StartNew();
                await run();
                times.Add(watch.Elapsed.TotalMilliseconds);
            }

            times.Sort();
            lines.Add($"{name,-45} p50 {times[times.Count / 2],7:0.0} ms   p95 {times[Math.Min(times.Count - 1, (int)Math.Ceiling(times.Count * 0.95) - 1)],7:0.0} ms");
            output.WriteLine(lines[^1]);
        }

        // The dashboards page end to end in Chromium, as finance: navigation start → every view's table rendered and the circuit live.
        using (var playwright = await Playwright.CreateAsync())
        {
            await using var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = Environment.GetEnvironmentVariable("PORTAL_TEST_CHROMIUM") ?? "/usr/bin/chromium",
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            });
            var context = await browser.NewContextAsync(new() { BaseURL = portal.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 900 } });
            context.SetDefaultTimeout(120_000);
            var page = await context.NewPageAsync();
            var login = new LoginPage(page);
            await login.OpenAsync();
            await login.SignInAsync("finance@example.com", BrowserSession.DemoPassword);
            await page.WaitForURLAsync(url => !url.Contains("/account/login", StringComparison.Ordinal));
            var pageTimes = new List<double>();
            for (var i = 0; i <= Iterations; i++)
            {
                var watch = Stopwatch.StartNew();
                await page.GotoAsync("/costs");
                await page.Locator("[data-testid=circuit-live]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
                foreach (var table in new[] { "table-monthly", "table-top", "table-daily", "table-templates" })
                {
                    await page.Locator($"[data-testid={table}]").WaitForAsync();
                }

                if (i > 0)
                {
                    pageTimes.Add(watch.Elapsed.TotalMilliseconds);
                }
            }

            pageTimes.Sort();
            lines.Add($"{"dashboards page end to end, finance",-45} p50 {pageTimes[pageTimes.Count / 2],7:0.0} ms   p95 {pageTimes[Math.Min(pageTimes.Count - 1, (int)Math.Ceiling(pageTimes.Count * 0.95) - 1)],7:0.0} ms");
            await BrowserSession.ScreenshotAsync(page, "costs-10m-facts");
        }

        var directory = Path.Combine(RepositoryPaths.TryRoot ?? AppContext.BaseDirectory, "TestResults", "benchmarks");
        Directory.CreateDirectory(directory);
        await File.WriteAllLinesAsync(Path.Combine(directory, "cost-dashboards.txt"), lines);
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }

    private static async Task<long> GenerateAsync(PortalWebFactory portal)
    {
        await using var db = await portal.DbAsync();
        var owner = await db.Users.Where(u => u.Email == "dev@example.com").Select(u => u.Id).SingleAsync();
        var payments = await db.Teams.Where(t => t.Slug == "payments").Select(t => t.Id).SingleAsync();
        await ExecAsync(db, $"""
            INSERT INTO "Teams" ("Id", "Slug", "Name", "CostCenter", "MonthlyBudgetUsd", "CreatedAt", "UpdatedAt")
            SELECT gen_random_uuid(), 'bench-' || i, 'Bench ' || i, 'CC-' || i, 50000, now(), now() FROM generate_series(1, {Teams - 1}) i;

            -- Every tenth environment destroyed 20 days ago (still billing), every tenth stopped 10 days ago, every tenth expired 15 days ago.
            INSERT INTO "Environments" ("Id", "Name", "TeamId", "OwnerId", "TemplateSlug", "TemplateVersion", "Tier", "AccountId", "Region",
                "StackName", "Status", "OutputsJson", "ParametersJson", "OffHoursSchedule", "HoursSavedBySchedule", "CreatedAt", "UpdatedAt",
                "Version", "MonthlyEstimateUsd", "DestroyedAt", "StoppedAt", "ExpiresAt")
            SELECT gen_random_uuid(), 'bench-' || i, t."Id", '{owner}', (ARRAY['network-vpc', 'static-site', 'ecs-web-service'])[1 + i % 3], '1.0.0',
                (ARRAY['dev', 'staging', 'prod'])[1 + i % 3], '{Account}', 'us-east-1', 'bench-' || i,
                CASE i % 10 WHEN 1 THEN 'Destroyed' WHEN 2 THEN 'Stopped' ELSE 'Ready' END, '{EmptyJson}', '{EmptyJson}', false, 0,
                now() - interval '400 days', now(), 1, 30 + i % 500,
                CASE i % 10 WHEN 1 THEN now() - interval '20 days' END,
                CASE i % 10 WHEN 2 THEN now() - interval '10 days' END,
                CASE i % 10 WHEN 3 THEN now() - interval '15 days' END
            FROM generate_series(1, {Environments}) i
            JOIN (SELECT "Id", row_number() OVER (ORDER BY "Slug") - 1 AS k FROM "Teams" WHERE "Slug" LIKE 'bench-%' OR "Id" = '{payments}') t ON t.k = i % {Teams};
            """);

        // Facts without their indexes, then the indexes rebuilt: the way a bulk load is done.
        await ExecAsync(db, """
            DROP INDEX "IX_CostFacts_Date_AccountId_EnvironmentTag_Service";
            DROP INDEX "IX_CostFacts_EnvironmentId_Date";
            DROP INDEX "IX_CostFacts_TeamId_Date";
            DROP INDEX "IX_CostFacts_Date_TeamId";
            ALTER TABLE "CostFacts" DROP CONSTRAINT "FK_CostFacts_Environments_EnvironmentId";
            ALTER TABLE "CostFacts" DROP CONSTRAINT "FK_CostFacts_Teams_TeamId";
            """);
        await ExecAsync(db, $"""
            INSERT INTO "CostFacts" ("Id", "Date", "AccountId", "EnvironmentTag", "EnvironmentId", "TeamId", "Tier", "Service",
                "UnblendedUsd", "AmortizedUsd", "Estimated", "IngestedAt")
            SELECT gen_random_uuid(), d::date, '{Account}', e."Id"::text, e."Id", e."TeamId", e."Tier", s.name,
                round((e."MonthlyEstimateUsd" * s.share * 12 / 365 * (0.8 + random() * 0.4))::numeric, 6),
                round((e."MonthlyEstimateUsd" * s.share * 12 / 365)::numeric, 6), false, now()
            FROM "Environments" e
            CROSS JOIN generate_series(current_date - {Days}, current_date - 1, interval '1 day') d
            CROSS JOIN (VALUES ('Amazon Virtual Private Cloud', 0.6), ('Amazon Simple Storage Service', 0.3), ('AmazonCloudWatch', 0.1)) s(name, share)
            WHERE e."Name" LIKE 'bench-%';

            INSERT INTO "CostFacts" ("Id", "Date", "AccountId", "EnvironmentTag", "EnvironmentId", "TeamId", "Tier", "Service",
                "UnblendedUsd", "AmortizedUsd", "Estimated", "IngestedAt")
            SELECT gen_random_uuid(), d::date, '{Account}', '', NULL, NULL, NULL, 'AmazonCloudWatch', 12.5, 12.5, false, now()
            FROM generate_series(current_date - {Days}, current_date - 1, interval '1 day') d;

            -- The rollups ingestion keeps beside the facts.
            INSERT INTO "CostDailyRollups" ("Id", "Date", "AccountId", "TeamId", "Tier", "Service", "UnblendedUsd", "AmortizedUsd")
            SELECT gen_random_uuid(), "Date", "AccountId", "TeamId", "Tier", "Service", sum("UnblendedUsd"), sum("AmortizedUsd")
            FROM "CostFacts" GROUP BY "Date", "AccountId", "TeamId", "Tier", "Service";
            """);
        await ExecAsync(db, """
            CREATE UNIQUE INDEX "IX_CostFacts_Date_AccountId_EnvironmentTag_Service" ON "CostFacts" ("Date", "AccountId", "EnvironmentTag", "Service");
            CREATE INDEX "IX_CostFacts_EnvironmentId_Date" ON "CostFacts" ("EnvironmentId", "Date");
            CREATE INDEX "IX_CostFacts_TeamId_Date" ON "CostFacts" ("TeamId", "Date");
            CREATE INDEX "IX_CostFacts_Date_TeamId" ON "CostFacts" ("Date", "TeamId") INCLUDE ("Tier", "EnvironmentId", "AccountId", "Service", "UnblendedUsd");
            ALTER TABLE "CostFacts" ADD CONSTRAINT "FK_CostFacts_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE RESTRICT;
            ALTER TABLE "CostFacts" ADD CONSTRAINT "FK_CostFacts_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE RESTRICT;
            ANALYZE "Environments";
            ANALYZE "CostDailyRollups";
            """);

        // Its own statement (VACUUM refuses a transaction): sets the visibility map, so the covering index serves index-only scans.
        await ExecAsync(db, """VACUUM ANALYZE "CostFacts";""");
        return await db.CostFacts.LongCountAsync();
    }

    // Generated SQL from constants and ids read above, never from input; sent as is (EF's raw SQL would read "{}" as a placeholder).
    private static async Task ExecAsync(PortalDbContext db, string sql)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync();
        }

        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 1800;
        await command.ExecuteNonQueryAsync();
    }
}
