using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Provisioning.Jobs;
using Portal.Provisioning.Costs;
using Portal.TestSupport;
using Portal.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Benchmarks;

/// <summary>
/// The cost harnesses' data set on PostgreSQL, generated in SQL: <see cref="Environments"/> environments in <see cref="Teams"/>
/// teams (the demo team payments among them; a tenth destroyed 20 days ago and still billing, a tenth stopped, a tenth past
/// expiry; each with its create request, approved by the policy for dev and by one or two platform engineers otherwise) × <see cref="Days"/> days × 3 services of cost facts, a day of unallocated spend each day, and the rollups
/// ingestion keeps beside them (built by <see cref="CostRollups"/>, ingestion's own statements). Sizes from <c>PORTAL_BENCH_ENVIRONMENTS</c> (default 10,000) and <c>PORTAL_BENCH_ITERATIONS</c>.
/// </summary>
internal static class CostBenchmarkData
{
    /// <summary>The harnesses' xunit collection: one at a time, so neither measures while the other generates its data.</summary>
    public const string Collection = "Cost benchmarks";

    public const string Account = "123456789012";
    public const int Days = 365;
    public const int Teams = 50;
    public const int Services = 3;
    private const string EmptyJson = "{}";

    public static int Environments => FromEnvironment("PORTAL_BENCH_ENVIRONMENTS", 10_000);

    public static int Iterations(int fallback) => FromEnvironment("PORTAL_BENCH_ITERATIONS", fallback);

    /// <summary>Runs <paramref name="run"/> once to warm up, then <paramref name="iterations"/> times; "name: p50 …, p95 …".</summary>
    public static async Task<string> TimeAsync(string name, int iterations, Func<Task> run)
    {
        await run();
        var samples = new List<double>();
        for (var i = 0; i < iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            await run();
            samples.Add(clock.Elapsed.TotalMilliseconds);
        }

        return Percentiles(name, samples);
    }

    public static string Percentiles(string name, List<double> samples)
    {
        samples.Sort();
        return $"{name,-50} p50 {Percentile(samples, 0.50),8:0.0} ms   p95 {Percentile(samples, 0.95),8:0.0} ms   ({samples.Count} runs)";
    }

    /// <summary>Writes the lines to the test output and to <c>TestResults/benchmarks/{name}.txt</c>.</summary>
    public static void Report(ITestOutputHelper output, string name, IReadOnlyList<string> lines)
    {
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        var directory = Path.Combine(RepositoryPaths.TryRoot ?? AppContext.BaseDirectory, "TestResults", "benchmarks");
        Directory.CreateDirectory(directory);
        File.WriteAllLines(Path.Combine(directory, name + ".txt"), [$"# {DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture)}", .. lines]);
    }

    /// <summary>Generates the data set; returns the number of cost facts.</summary>
    public static async Task<long> GenerateAsync(PortalWebFactory portal)
    {
        // The generated environments have no stacks: the recurring jobs and the stack watcher are stopped so they neither act on
        // them (off-hours, expiry) nor compete with the measured queries for the two cores.
        RecurringJobs.RemoveAll(portal.Services.GetRequiredService<Hangfire.IRecurringJobManager>());
        portal.Services.GetRequiredService<StackWatcherService>().Pause();
        await using var db = await portal.DbAsync();
        // A copy of a kept data set (PORTAL_TEST_DATABASE_TEMPLATE): generated already.
        if (await db.Environments.CountAsync(e => e.Name.StartsWith("bench-")) == Environments)
        {
            return await db.CostFacts.LongCountAsync();
        }

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

            -- Each environment's create request: dev ones approved by the policy, the others by a platform engineer (prod by two).
            INSERT INTO "EnvironmentRequests" ("Id", "Kind", "RequesterId", "TeamId", "EnvironmentId", "EnvironmentName", "TemplateSlug", "TemplateVersion",
                "Tier", "AccountId", "Region", "ParametersJson", "Justification", "TtlDays", "EstimateLineItemsJson", "EstimateMonthlyUsd", "Status",
                "PolicyOutcome", "ApprovalsRequired", "PolicyReason", "CreatedAt", "UpdatedAt", "DecidedAt", "CompletedAt", "Version")
            SELECT gen_random_uuid(), 'Create', '{owner}', e."TeamId", e."Id", e."Name", e."TemplateSlug", '1.0.0', e."Tier", e."AccountId", e."Region",
                '{EmptyJson}', 'Benchmark.', NULL, '[]', e."MonthlyEstimateUsd", 'Completed',
                CASE e."Tier" WHEN 'dev' THEN 'AutoApproved' ELSE 'NeedsApproval' END, CASE e."Tier" WHEN 'dev' THEN 0 WHEN 'staging' THEN 1 ELSE 2 END,
                'Benchmark.', e."CreatedAt", e."CreatedAt", e."CreatedAt", e."CreatedAt", 1
            FROM "Environments" e WHERE e."Name" LIKE 'bench-%';

            INSERT INTO "RequestDecisions" ("Id", "RequestId", "DeciderId", "Verdict", "Comment", "DecidedAt")
            SELECT gen_random_uuid(), r."Id", u."Id", 'Approve', NULL, r."CreatedAt"
            FROM "EnvironmentRequests" r
            JOIN "Users" u ON u."Email" = 'platform@example.com' OR (u."Email" = 'platform2@example.com' AND r."Tier" = 'prod')
            WHERE r."EnvironmentName" LIKE 'bench-%' AND r."PolicyOutcome" = 'NeedsApproval';
            ANALYZE "EnvironmentRequests";
            ANALYZE "RequestDecisions";
            """);

        // Facts without their indexes, then the indexes rebuilt: the way a bulk load is done.
        await ExecAsync(db, """
            DROP INDEX "IX_CostFacts_Date_AccountId_EnvironmentTag_Service";
            DROP INDEX "IX_CostFacts_EnvironmentId_Date";
            DROP INDEX "IX_CostFacts_TeamId_Date";
            DROP INDEX "IX_CostFacts_Date_TeamId";
            DROP INDEX "IX_CostFacts_Date_Unallocated";
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
            """);
        await ExecAsync(db, """
            CREATE UNIQUE INDEX "IX_CostFacts_Date_AccountId_EnvironmentTag_Service" ON "CostFacts" ("Date", "AccountId", "EnvironmentTag", "Service");
            CREATE INDEX "IX_CostFacts_EnvironmentId_Date" ON "CostFacts" ("EnvironmentId", "Date");
            CREATE INDEX "IX_CostFacts_TeamId_Date" ON "CostFacts" ("TeamId", "Date");
            CREATE INDEX "IX_CostFacts_Date_TeamId" ON "CostFacts" ("Date", "TeamId") INCLUDE ("Tier", "EnvironmentId", "AccountId", "Service", "UnblendedUsd");
            CREATE INDEX "IX_CostFacts_Date_Unallocated" ON "CostFacts" ("Date") INCLUDE ("AccountId", "EnvironmentTag", "UnblendedUsd") WHERE "EnvironmentId" IS NULL;
            ALTER TABLE "CostFacts" ADD CONSTRAINT "FK_CostFacts_Environments_EnvironmentId" FOREIGN KEY ("EnvironmentId") REFERENCES "Environments" ("Id") ON DELETE RESTRICT;
            ALTER TABLE "CostFacts" ADD CONSTRAINT "FK_CostFacts_Teams_TeamId" FOREIGN KEY ("TeamId") REFERENCES "Teams" ("Id") ON DELETE RESTRICT;
            ANALYZE "Environments";
            """);

        // The rollups ingestion keeps beside the facts, built by ingestion's own statements over the whole year.
        // A month at a time: one statement over the whole year outlasted its 5-minute timeout on a loaded machine.
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        for (var start = today.AddDays(-Days); start <= today; start = new DateOnly(start.Year, start.Month, 1).AddMonths(1))
        {
            var next = new DateOnly(start.Year, start.Month, 1).AddMonths(1);
            await CostRollups.RebuildAsync(db, Account, start, next < today.AddDays(1) ? next : today.AddDays(1), CancellationToken.None);
        }

        // Their own statements (VACUUM refuses a transaction): set the visibility maps, so covering indexes serve index-only scans.
        foreach (var table in new[] { "CostFacts", "CostDailyRollups", "CostMonthlyRollups", "CostEnvironmentDays", "CostEnvironmentMonths" })
        {
            await ExecAsync(db, $"""VACUUM ANALYZE "{table}";""");
        }
        return await db.CostFacts.LongCountAsync();
    }

    // Generated SQL from constants and ids read above, never from input; sent as is (EF's raw SQL would read "{}" as a placeholder).
    public static async Task ExecAsync(PortalDbContext db, string sql)
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

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static int FromEnvironment(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : fallback;
}
