using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Costs;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CostExplorer;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Tests.Aws;
using Portal.TestSupport;

namespace Portal.Provisioning.Tests.Costs;

/// <summary>
/// Ingestion through the real Cost Explorer client (SigV4, JSON 1.1, paging) against recorded responses in AWS's documented
/// form: groups keyed <c>portal:environment-id$&lt;value&gt;</c> and SERVICE, the day's result repeated across pages, untagged
/// spend as <c>portal:environment-id$</c>. On both stores (PostgreSQL takes the single-statement upsert).
/// </summary>
public sealed class CostIngestionRecordedTests
{
    private const string Account = "111111111111";
    private static readonly Guid EnvironmentId = Guid.Parse("0196a0b4-7e2c-7a31-9c55-1f2e3d4c5b6a");
    private static readonly Guid TeamId = Guid.Parse("0196a0b4-0000-7000-8000-000000000001");

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task RecordedPages_BecomeFacts_AllocatedOrUnallocated_AndRollups(DatabaseProvider provider)
    {
        await using var database = await SeededAsync(provider);
        using var host = new AwsTestHost();
        host.Handler.EnqueueFile(HttpStatusCode.OK, "costexplorer/GetCostAndUsage-tagged-page1.json", "application/x-amz-json-1.1");
        host.Handler.EnqueueFile(HttpStatusCode.OK, "costexplorer/GetCostAndUsage-tagged-page2.json", "application/x-amz-json-1.1");
        var ingestion = new CostIngestion(
            database.CreateFactory(),
            host.Services.GetRequiredService<ICostExplorerClientFactory>(),
            host.Services.GetRequiredService<AwsAccountDirectory>(),
            Options.Create(new CostOptions { BackfillDays = 2, RestateDays = 1 }),
            host.Time,
            NullLogger<CostIngestion>.Instance);

        var result = await ingestion.IngestAccountAsync(Account, CancellationToken.None);

        result.Status.ShouldBe(CostIngestionStatus.Succeeded, result.Error);
        (result.From, result.To).ShouldBe((new DateOnly(2026, 3, 13), new DateOnly(2026, 3, 15)));
        result.Calls.ShouldBe(2);
        result.Inserted.ShouldBe(5);

        // What was asked: one query for the window, grouped by the tag and SERVICE, filtered to the account; page 2 by its token.
        host.Handler.Requests.Count.ShouldBe(2);
        host.Handler.Requests.ShouldAllBe(r => r.Header("x-amz-target") == "AWSInsightsIndexService.GetCostAndUsage");
        using (var first = JsonDocument.Parse(host.Handler.Requests[0].Body))
        {
            var body = first.RootElement;
            body.GetProperty("TimePeriod").GetProperty("Start").GetString().ShouldBe("2026-03-13");
            body.GetProperty("TimePeriod").GetProperty("End").GetString().ShouldBe("2026-03-15");
            body.GetProperty("Granularity").GetString().ShouldBe("DAILY");
            body.GetProperty("GroupBy")[0].GetProperty("Type").GetString().ShouldBe("TAG");
            body.GetProperty("GroupBy")[0].GetProperty("Key").GetString().ShouldBe("portal:environment-id");
            body.GetProperty("GroupBy")[1].GetProperty("Key").GetString().ShouldBe("SERVICE");
            body.GetProperty("Filter").GetProperty("Dimensions").GetProperty("Values")[0].GetString().ShouldBe(Account);
            body.TryGetProperty("NextPageToken", out _).ShouldBeFalse();
        }

        using (var second = JsonDocument.Parse(host.Handler.Requests[1].Body))
        {
            second.RootElement.GetProperty("NextPageToken").GetString().ShouldBe("AAMA-EFRSURBSGg0UW9kZ3lYZk5mc1BwdE");
        }

        await using var db = database.CreateContext();
        var facts = await db.CostFacts.AsNoTracking().OrderBy(f => f.Date).ThenBy(f => f.Service).ToListAsync();
        facts.Count.ShouldBe(5);
        var rds = facts.Single(f => f.Date == new DateOnly(2026, 3, 13) && f.Service == "Amazon Relational Database Service");
        (rds.EnvironmentId, rds.TeamId, rds.Tier).ShouldBe((EnvironmentId, TeamId, EnvironmentTier.Dev));
        rds.UnblendedUsd.ShouldBe(4.123457m);
        rds.AmortizedUsd.ShouldBe(4.12m);
        rds.Estimated.ShouldBeFalse();
        var untagged = facts.Single(f => f.Service == "AmazonCloudWatch");
        (untagged.EnvironmentTag, untagged.EnvironmentId, untagged.TeamId).ShouldBe((CostFact.Untagged, null, null));
        var stranger = facts.Single(f => f.Service == "Amazon Simple Storage Service");
        (stranger.EnvironmentTag, stranger.EnvironmentId).ShouldBe(("legacy-billing-app", null));
        facts.Single(f => f.Date == new DateOnly(2026, 3, 14)).Estimated.ShouldBeTrue();

        // Rollups: day 13 holds the team's two services and the unallocated two; day 14 the team's one.
        var rollups = await db.CostDailyRollups.AsNoTracking().ToListAsync();
        rollups.Count.ShouldBe(5);
        rollups.Where(r => r.TeamId == TeamId).Sum(r => r.UnblendedUsd).ShouldBe(4.123457m + 1.08m + 1.5m);
        rollups.Where(r => r.TeamId == null).Sum(r => r.UnblendedUsd).ShouldBe(0.75m + 2.5m);
    }

    private static async Task<TestDatabase> SeededAsync(DatabaseProvider provider)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var now = AwsTestHost.Start.AddDays(-10);
        await new DatabaseMigrator(database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await using var db = database.CreateContext();
        var team = Team.Create("payments", "Payments", "CC-1", 5000m, now);
        typeof(Team).GetProperty(nameof(Team.Id))!.SetValue(team, TeamId);
        db.Teams.Add(team);
        var ownerId = Guid.NewGuid();
        db.Users.Add(new PortalUser { Id = ownerId, UserName = "owner", NormalizedUserName = "OWNER", DisplayName = "Owner", CreatedAt = now });
        var environment = PortalEnvironment.Create("ledger", TeamId, "payments", ownerId, "rds-postgres", "1.0.0", EnvironmentTier.Dev, Account, "eu-west-1", "{}", null, false, now);
        typeof(PortalEnvironment).GetProperty(nameof(PortalEnvironment.Id))!.SetValue(environment, EnvironmentId);
        db.Environments.Add(environment);
        await db.SaveChangesAsync();
        return database;
    }
}
