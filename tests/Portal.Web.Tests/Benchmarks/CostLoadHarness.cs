using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CostExplorer;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Lifecycle;
using Portal.Sandbox;
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
[Collection(CostBenchmarkData.Collection)]
public sealed class CostLoadHarness(ITestOutputHelper output)
{
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
        var iterations = CostBenchmarkData.Iterations(30);
        var facts = await CostBenchmarkData.GenerateAsync(portal);
        lines.Add($"{CostBenchmarkData.Environments:N0} environments in {CostBenchmarkData.Teams} teams, {facts:N0} cost facts ({CostBenchmarkData.Days} days × {CostBenchmarkData.Services} services) generated in {clock.Elapsed.TotalSeconds:0} s");

        // Cost queries, as Finance (everything) and as a developer (one team's rows).
        var queries = portal.Services.GetRequiredService<CostQueries>();
        var finance = await portal.ActorAsync("finance@example.com");
        var developer = await portal.ActorAsync("dev@example.com");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var year = new CostWindow(today.AddDays(-CostBenchmarkData.Days + 1), today);
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
            lines.Add(await CostBenchmarkData.TimeAsync(name, iterations, run));
        }

        // One day's ingestion: the sandbox bills one tagged stack per generated environment; Cost Explorer pages ~1,000 groups.
        var stacks = Stopwatch.StartNew();
        await CreateStacksAsync(portal);
        lines.Add($"{CostBenchmarkData.Environments:N0} sandbox stacks created in {stacks.Elapsed.TotalSeconds:0} s");
        // The same day read straight from the sandbox's Cost Explorer (every page), to tell reading from upserting.
        var client = portal.Services.GetRequiredService<ICostExplorerClientFactory>().Create(portal.Services.GetRequiredService<AwsAccountDirectory>().ContextFor(CostBenchmarkData.Account));
        var read = Stopwatch.StartNew();
        var pages = 0;
        await foreach (var page in client.GetCostAndUsagePagesAsync(
            new GetCostAndUsageRequest
            {
                TimePeriod = DateInterval.Days(today, today.AddDays(1)),
                Granularity = Granularity.Daily,
                Metrics = [CostMetric.UnblendedCost, CostMetric.AmortizedCost],
                GroupBy = [GroupDefinition.Tag(PortalStackTags.EnvironmentId), GroupDefinition.Dimension("SERVICE")],
                Filter = Expression.Dimension("LINKED_ACCOUNT", CostBenchmarkData.Account),
            },
            CancellationToken.None))
        {
            pages += page.ResultsByTime.Count > 0 ? 1 : 0;
        }

        lines.Add($"reading that day from the sandbox's Cost Explorer alone: {read.Elapsed.TotalSeconds:0.0} s, {pages} pages");
        var ingestion = portal.Services.GetRequiredService<CostIngestion>();
        var day = Stopwatch.StartNew();
        var result = await ingestion.IngestAccountAsync(CostBenchmarkData.Account, CancellationToken.None);
        lines.Add($"ingestion of {result.From:yyyy-MM-dd}..{result.To:yyyy-MM-dd} (one day, {result.Status}): {day.Elapsed.TotalSeconds:0.0} s, "
            + $"{result.Calls} Cost Explorer calls, {result.Inserted:N0} inserted, {result.Updated:N0} restated, {result.Deleted:N0} removed");
        var again = Stopwatch.StartNew();
        var rerun = await ingestion.IngestAccountAsync(CostBenchmarkData.Account, CancellationToken.None);
        lines.Add($"re-ingestion of the same day: {again.Elapsed.TotalSeconds:0.0} s, {rerun.Calls} calls, {rerun.Inserted:N0} inserted, {rerun.Updated:N0} restated, {rerun.Deleted:N0} removed");
        CostBenchmarkData.Report(output, "costs-10m", lines);
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
                    CostBenchmarkData.Account, "us-east-1", environment.StackName, Template, [],
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
}
