using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CostExplorer;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Lifecycle;
using Portal.Sandbox;
using Portal.TestSupport;
using Portal.Web.Features.Costs;
using Portal.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Benchmarks;

/// <summary>
/// Load harness for issue #6's speed targets on PostgreSQL: 10,000 environments × 365 days × 3 services ≈ 11 million cost
/// facts, generated in SQL; then every cost query's p50/p95 over repeated calls, and one day's ingestion for 10,000 tagged
/// stacks billed by the sandbox (through its Cost Explorer, paged). Not part of the test command:
/// <code>PORTAL_BENCH_ENVIRONMENTS=10000 PORTAL_BENCH_ITERATIONS=30 dotnet test tests/Portal.Web.Tests -c Release --filter "FullyQualifiedName~CostLoadHarness" --logger "console;verbosity=detailed"</code>
/// Figures go to the console and to <c>TestResults/benchmarks/</c>.
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class CostLoadHarness(ITestOutputHelper output)
{
    private const string Account = "123456789012";
    private const int Days = 365;
    private const int Teams = 50;
    private const string EmptyJson = "{}";

    private static readonly string[] Services = ["Amazon Virtual Private Cloud", "Amazon Simple Storage Service", "AmazonCloudWatch"];

    private static int Iterations =>
        int.TryParse(Environment.GetEnvironmentVariable("PORTAL_BENCH_ITERATIONS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 30;

    private static int Environments =>
        int.TryParse(Environment.GetEnvironmentVariable("PORTAL_BENCH_ENVIRONMENTS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 10_000;

    [Fact]
    public async Task CostQueriesAndDailyIngestion_AtTenMillionFacts()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Costs:BackfillDays"] = "1",
            ["Sandbox:CostAllocationTagsActiveByDefault"] = "true",
        });
        var lines = new List<string>();
        var clock = Stopwatch.StartNew();
        var facts = await GenerateAsync(portal);
        lines.Add($"{Environments:N0} environments in {Teams} teams, {facts:N0} cost facts ({Days} days × {Services.Length} services) generated in {clock.Elapsed.TotalSeconds:0} s");

        // Cost queries, as Finance (everything) and as a developer (one team's rows).
        var queries = portal.Services.GetRequiredService<CostQueries>();
        var finance = await portal.ActorAsync("finance@example.com");
        var developer = await portal.ActorAsync("dev@example.com");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var year = new CostWindow(today.AddDays(-Days + 1), today);
        var quarter = new CostWindow(today.AddDays(-89), today);
        var cases = new List<(string Name, Func<Task> Run)>
        {
            ("summary by team, 12 months, finance", () => queries.SummaryAsync(finance, year, CostGroupBy.Team, CancellationToken.None)),
            ("summary by tier, 12 months, finance", () => queries.SummaryAsync(finance, year, CostGroupBy.Tier, CancellationToken.None)),
            ("summary by service, 12 months, finance", () => queries.SummaryAsync(finance, year, CostGroupBy.Service, CancellationToken.None)),
            ("summary by account, 12 months, finance", () => queries.SummaryAsync(finance, year, CostGroupBy.Account, CancellationToken.None)),
            ("summary by environment, 90 days, finance", () => queries.SummaryAsync(finance, quarter, CostGroupBy.Environment, CancellationToken.None)),
            ("daily, 90 days, finance", () => queries.DailyAsync(finance, quarter, CancellationToken.None)),
            ("summary by service, 12 months, developer (one team)", () => queries.SummaryAsync(developer, year, CostGroupBy.Service, CancellationToken.None)),
            ("daily, 90 days, developer (one team)", () => queries.DailyAsync(developer, quarter, CancellationToken.None)),
        };
        foreach (var (name, run) in cases)
        {
            lines.Add(await TimeAsync(name, run));
        }

        // One day's ingestion: the sandbox bills one tagged stack per generated environment; Cost Explorer pages ~1,000 groups.
        var stacks = Stopwatch.StartNew();
        await CreateStacksAsync(portal);
        lines.Add($"{Environments:N0} sandbox stacks created in {stacks.Elapsed.TotalSeconds:0} s");
        // The same day read straight from the sandbox's Cost Explorer (every page), to tell reading from upserting.
        var client = portal.Services.GetRequiredService<ICostExplorerClientFactory>().Create(portal.Services.GetRequiredService<AwsAccountDirectory>().ContextFor(Account));
        var read = Stopwatch.StartNew();
        var pages = 0;
        await foreach (var page in client.GetCostAndUsagePagesAsync(
            new GetCostAndUsageRequest
            {
                TimePeriod = DateInterval.Days(today, today.AddDays(1)),
                Granularity = Granularity.Daily,
                Metrics = [CostMetric.UnblendedCost, CostMetric.AmortizedCost],
                GroupBy = [GroupDefinition.Tag(PortalStackTags.EnvironmentId), GroupDefinition.Dimension("SERVICE")],
                Filter = Expression.Dimension("LINKED_ACCOUNT", Account),
            },
            CancellationToken.None))
        {
            pages += page.ResultsByTime.Count > 0 ? 1 : 0;
        }

        lines.Add($"reading that day from the sandbox's Cost Explorer alone: {read.Elapsed.TotalSeconds:0.0} s, {pages} pages");
        var ingestion = portal.Services.GetRequiredService<CostIngestion>();
        var day = Stopwatch.StartNew();
        var result = await ingestion.IngestAccountAsync(Account, CancellationToken.None);
        lines.Add($"ingestion of {result.From:yyyy-MM-dd}..{result.To:yyyy-MM-dd} (one day, {result.Status}): {day.Elapsed.TotalSeconds:0.0} s, "
            + $"{result.Calls} Cost Explorer calls, {result.Inserted:N0} inserted, {result.Updated:N0} restated, {result.Deleted:N0} removed");
        var again = Stopwatch.StartNew();
        var rerun = await ingestion.IngestAccountAsync(Account, CancellationToken.None);
        lines.Add($"re-ingestion of the same day: {again.Elapsed.TotalSeconds:0.0} s, {rerun.Calls} calls, {rerun.Inserted:N0} inserted, {rerun.Updated:N0} restated, {rerun.Deleted:N0} removed");
        Report("costs-10m", lines);
    }

    private static async Task<long> GenerateAsync(PortalWebFactory portal)
    {
        await using var db = await portal.DbAsync();
        var owner = await db.Users.Where(u => u.Email == "dev@example.com").Select(u => u.Id).SingleAsync();
        var n = Environments;
        var people = $"""
            INSERT INTO "Teams" ("Id", "Slug", "Name", "CostCenter", "MonthlyBudgetUsd", "CreatedAt", "UpdatedAt")
            SELECT gen_random_uuid(), 'bench-' || i, 'Bench ' || i, 'CC-' || i, 50000, now(), now() FROM generate_series(1, {Teams}) i;

            INSERT INTO "Environments" ("Id", "Name", "TeamId", "OwnerId", "TemplateSlug", "TemplateVersion", "Tier", "AccountId", "Region",
                "StackName", "Status", "OutputsJson", "ParametersJson", "OffHoursSchedule", "HoursSavedBySchedule", "CreatedAt", "UpdatedAt",
                "Version", "MonthlyEstimateUsd")
            SELECT gen_random_uuid(), 'bench-' || i, t."Id", '{owner}', 'network-vpc', '1.0.0',
                (ARRAY['dev', 'staging', 'prod'])[1 + i % 3], '{Account}', 'us-east-1', 'bench-' || i, 'Ready', '{EmptyJson}', '{EmptyJson}', false, 0,
                now() - interval '400 days', now(), 1, 30 + i % 500
            FROM generate_series(1, {n}) i
            JOIN (SELECT "Id", row_number() OVER (ORDER BY "Slug") - 1 AS k FROM "Teams" WHERE "Slug" LIKE 'bench-%') t ON t.k = i % {Teams};
            """;
        await ExecAsync(db, people);

        // Facts without their indexes, then the indexes rebuilt: the way a bulk load is done.
        await ExecAsync(db, """
            DROP INDEX "IX_CostFacts_Date_AccountId_EnvironmentTag_Service";
            DROP INDEX "IX_CostFacts_EnvironmentId_Date";
            DROP INDEX "IX_CostFacts_TeamId_Date";
            ALTER TABLE "CostFacts" DROP CONSTRAINT "FK_CostFacts_Environments_EnvironmentId";
            ALTER TABLE "CostFacts" DROP CONSTRAINT "FK_CostFacts_Teams_TeamId";
            """);
        var factsSql = $"""
            INSERT INTO "CostFacts" ("Id", "Date", "AccountId", "EnvironmentTag", "EnvironmentId", "TeamId", "Tier", "Service",
                "UnblendedUsd", "AmortizedUsd", "Estimated", "IngestedAt")
            SELECT gen_random_uuid(), d::date, '{Account}', e."Id"::text, e."Id", e."TeamId", e."Tier", s.name,
                round((e."MonthlyEstimateUsd" * s.share * 12 / 365 * (0.8 + random() * 0.4))::numeric, 6),
                round((e."MonthlyEstimateUsd" * s.share * 12 / 365)::numeric, 6), false, now()
            FROM "Environments" e
            CROSS JOIN generate_series(current_date - {Days}, current_date - 1, interval '1 day') d
            CROSS JOIN (VALUES ('{Services[0]}', 0.6), ('{Services[1]}', 0.3), ('{Services[2]}', 0.1)) s(name, share)
            WHERE e."Name" LIKE 'bench-%';
            """;
        await ExecAsync(db, factsSql);
        await ExecAsync(db, """
            CREATE UNIQUE INDEX "IX_CostFacts_Date_AccountId_EnvironmentTag_Service" ON "CostFacts" ("Date", "AccountId", "EnvironmentTag", "Service");
            CREATE INDEX "IX_CostFacts_EnvironmentId_Date" ON "CostFacts" ("EnvironmentId", "Date");
            CREATE INDEX "IX_CostFacts_TeamId_Date" ON "CostFacts" ("TeamId", "Date");
            ALTER TABLE "CostFacts" ADD CONSTRAINT "FK_CostFacts_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE RESTRICT;
            ALTER TABLE "CostFacts" ADD CONSTRAINT "FK_CostFacts_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE RESTRICT;
            ANALYZE "CostFacts";
            ANALYZE "Environments";
            """);

        // The developer's team (payments) owns a share of the generated environments, so the developer's queries read real rows.
        await ExecAsync(db, """
            UPDATE "CostFacts" SET "TeamId" = (SELECT "Id" FROM "Teams" WHERE "Slug" = 'payments')
            WHERE "TeamId" = (SELECT "Id" FROM "Teams" WHERE "Slug" = 'bench-1');
            """);
        return await db.CostFacts.LongCountAsync();
    }

    // Plain commands: EF's raw SQL would treat the JSON braces as format items.
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

    private static async Task CreateStacksAsync(PortalWebFactory portal)
    {
        var sandbox = portal.Services.GetRequiredService<ISandboxAdmin>();
        await using var db = await portal.DbAsync();
        var environments = await db.Environments.AsNoTracking().Where(e => e.Name.StartsWith("bench-")).Select(e => new { e.Id, e.StackName }).ToListAsync();
        var created = DateTimeOffset.UtcNow.AddDays(-3);
        foreach (var environment in environments)
        {
            await sandbox.CreateBackdatedStackAsync(
                new BackdatedStack(
                    Account, "us-east-1", environment.StackName, Template, [],
                    [KeyValuePair.Create(PortalStackTags.EnvironmentId, environment.Id.ToString())], [], created, null),
                CancellationToken.None);
        }
    }

    private const string Template = """
        {
          "Metadata": { "Portal::Usage": { "s3StorageGb": 20, "logsIngestGb": 2, "logsStorageGb": 5 } },
          "Resources": {
            "Ip": { "Type": "AWS::EC2::EIP", "Properties": { "Domain": "vpc" } },
            "Assets": { "Type": "AWS::S3::Bucket" },
            "Logs": { "Type": "AWS::Logs::LogGroup", "Properties": { "RetentionInDays": 30 } }
          }
        }
        """;

    private static async Task<string> TimeAsync(string name, Func<Task> run)
    {
        for (var i = 0; i < 3; i++)
        {
            await run();
        }

        var samples = new List<double>();
        for (var i = 0; i < Iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            await run();
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        return $"{name}: p50 {Percentile(samples, 0.50):0.0} ms, p95 {Percentile(samples, 0.95):0.0} ms, max {samples[^1]:0.0} ms ({Iterations} calls)";
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private void Report(string name, IReadOnlyList<string> lines)
    {
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        var directory = Path.Combine(RepositoryPaths.Root, "TestResults", "benchmarks");
        Directory.CreateDirectory(directory);
        File.WriteAllLines(Path.Combine(directory, name + ".txt"), lines);
    }
}
