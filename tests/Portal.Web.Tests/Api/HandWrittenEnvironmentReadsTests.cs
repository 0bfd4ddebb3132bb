using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Environments;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Api;

/// <summary>
/// The environment reads the API calls hot (by id, and the newest-first list) are hand-written SQL through EF's command
/// pipeline, read column by column (issue 18). One process, a PostgreSQL and a SQLite portal side by side, called in turn
/// (the built commands are cached per model). The detail reads every column as EF's own materializer does — instants and money
/// included, which SQLite stores as ticks and REAL — and the list answers as the general LINQ query does, on both providers.
/// </summary>
public sealed class HandWrittenEnvironmentReadsTests : IAsyncLifetime
{
    private readonly List<(PortalWebFactory Portal, Guid Alpha, Guid Search)> _portals = [];

    public async Task InitializeAsync()
    {
        foreach (var provider in new[] { DatabaseProvider.Postgres, DatabaseProvider.Sqlite })
        {
            var portal = await PortalWebFactory.StartAsync(provider, kestrel: true); // the sandbox provisions over HTTP
            var alpha = await portal.CreateDevSiteAsync("dev@example.com", "payments", "alpha");
            var beta = await portal.CreateDevSiteAsync("dev@example.com", "payments", "beta");
            var search = await portal.CreateDevSiteAsync("dev2@example.com", "search", "delta");
            foreach (var id in new[] { alpha, beta, search })
            {
                await portal.WaitForAsync(id, EnvironmentStatus.Ready);
            }

            _portals.Add((portal, alpha, search));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var (portal, _, _) in _portals)
        {
            await portal.DisposeAsync();
        }
    }

    [Fact]
    public async Task ById_OnBothProvidersInOneProcess_ReadsTheDetail_AndHidesAnotherTeams()
    {
        for (var round = 0; round < 2; round++)
        {
            foreach (var (portal, alpha, search) in _portals)
            {
                var queries = portal.Services.GetRequiredService<EnvironmentQueries>();
                var developer = await portal.ActorAsync("dev@example.com");

                var detail = await queries.GetAsync(developer, alpha, CancellationToken.None);

                detail.Name.ShouldBe("alpha");
                detail.Team.ShouldBe("payments");
                detail.Owner.ShouldBe("dev@example.com");
                detail.Status.ShouldBe(EnvironmentStatus.Ready);
                detail.EventCount.ShouldBeGreaterThan(0);
                detail.Resources.ShouldNotBeEmpty();
                await Should.ThrowAsync<LifecycleNotFoundException>(() => queries.GetAsync(developer, search, CancellationToken.None));
                await Should.ThrowAsync<LifecycleNotFoundException>(() => queries.GetAsync(developer, Guid.NewGuid(), CancellationToken.None));
            }
        }
    }

    [Fact]
    public async Task ById_OnBothProviders_ReadsEveryColumnAsEfMaterializesIt_NullsAndFractionsIncluded()
    {
        foreach (var (portal, alpha, _) in _portals)
        {
            var instant = new DateTimeOffset(2026, 11, 30, 17, 45, 12, 345, TimeSpan.Zero); // milliseconds: SQLite keeps 100 µs, PostgreSQL 1 µs
            await using (var db = await portal.DbAsync())
            {
                // Every nullable column set on alpha (fractions of a dollar and of a second), none on beta.
                await db.Environments.Where(e => e.Id == alpha).ExecuteUpdateAsync(s => s
                    .SetProperty(e => e.ExpiresAt, instant)
                    .SetProperty(e => e.StoppedAt, instant.AddHours(-1))
                    .SetProperty(e => e.DestroyedAt, instant.AddHours(-2))
                    .SetProperty(e => e.FailureReason, "Resource Bucket: Access Denied")
                    .SetProperty(e => e.FailedFrom, EnvironmentStatus.Updating)
                    .SetProperty(e => e.HoursSavedBySchedule, 12.25m)
                    .SetProperty(e => e.MonthlyEstimateUsd, 1234.56m)
                    .SetProperty(e => e.MonthlyEstimateMaxUsd, 2345.67m)
                    .SetProperty(e => e.OffHoursSchedule, true)
                    .SetProperty(e => e.StackId, "arn:aws:cloudformation:eu-west-1:123456789012:stack/alpha/1")
                    .SetProperty(e => e.LastStackStatus, "UPDATE_COMPLETE"));
            }

            var queries = portal.Services.GetRequiredService<EnvironmentQueries>();
            var platform = await portal.ActorAsync("platform@example.com");
            await using var ef = await portal.DbAsync();
            foreach (var entity in await ef.Environments.AsNoTracking().ToListAsync())
            {
                var detail = await queries.GetAsync(platform, entity.Id, CancellationToken.None);
                var because = $"{portal.Database.Provider} {entity.Name}";

                (detail.Id, detail.Name, detail.TeamId, detail.Template, detail.TemplateVersion, detail.Tier, detail.Account, detail.Region)
                    .ShouldBe((entity.Id, entity.Name, entity.TeamId, entity.TemplateSlug, entity.TemplateVersion, entity.Tier.Slug(), entity.AccountId, entity.Region), because);
                (detail.Status, detail.StackName, detail.StackId, detail.StackStatus, detail.VpcCidr, detail.FailureReason, detail.FailedFrom, detail.OffHoursSchedule)
                    .ShouldBe((entity.Status, entity.StackName, entity.StackId, entity.LastStackStatus, entity.VpcCidr, entity.FailureReason, entity.FailedFrom, entity.OffHoursSchedule), because);
                (detail.ExpiresAt, detail.StoppedAt, detail.DestroyedAt, detail.CreatedAt, detail.UpdatedAt)
                    .ShouldBe((entity.ExpiresAt, entity.StoppedAt, entity.DestroyedAt, entity.CreatedAt, entity.UpdatedAt), because);
                (detail.MonthlyEstimateUsd, detail.MonthlyEstimateMaxUsd, detail.HoursSavedBySchedule)
                    .ShouldBe((entity.MonthlyEstimateUsd, entity.MonthlyEstimateMaxUsd ?? entity.MonthlyEstimateUsd, entity.HoursSavedBySchedule), because);
                detail.Team.ShouldBe(await ef.Teams.Where(t => t.Id == entity.TeamId).Select(t => t.Slug).SingleAsync(), because);
                detail.Owner.ShouldBe(await ef.Users.Where(u => u.Id == entity.OwnerId).Select(u => u.Email).SingleAsync(), because);
                detail.Outputs.Count.ShouldBe(System.Text.Json.JsonDocument.Parse(entity.OutputsJson).RootElement.EnumerateObject().Count(), because);
                detail.Parameters.Keys.ShouldBe(System.Text.Json.JsonDocument.Parse(entity.ParametersJson).RootElement.EnumerateObject().Select(p => p.Name), ignoreOrder: true);
                var events = await ef.StackEvents.AsNoTracking().Where(e => e.EnvironmentId == entity.Id).ToListAsync();
                detail.EventCount.ShouldBe(events.Count, because);
                detail.Resources.Select(r => (r.LogicalId, r.Type, r.PhysicalId, r.Status)).ShouldBe(
                    events.Where(e => e.ResourceType != "AWS::CloudFormation::Stack").GroupBy(e => e.LogicalResourceId)
                        .Select(g => g.OrderBy(e => e.Timestamp).ThenBy(e => e.Id).Last()).OrderBy(e => e.LogicalResourceId, StringComparer.Ordinal)
                        .Select(e => (e.LogicalResourceId, e.ResourceType, e.PhysicalResourceId, e.ResourceStatus)),
                    because);
            }

            var changed = await queries.GetAsync(platform, alpha, CancellationToken.None);
            (changed.ExpiresAt, changed.MonthlyEstimateUsd, changed.MonthlyEstimateMaxUsd, changed.HoursSavedBySchedule, changed.FailedFrom)
                .ShouldBe((instant, 1234.56m, 2345.67m, 12.25m, EnvironmentStatus.Updating), portal.Database.Provider.ToString());
        }
    }

    [Fact]
    public async Task ManyReadsAtOnce_OnBothProviders_EachCallGetsItsOwnRows()
    {
        foreach (var (portal, _, _) in _portals)
        {
            var queries = portal.Services.GetRequiredService<EnvironmentQueries>();
            var platform = await portal.ActorAsync("platform@example.com");
            var all = await queries.ListAsync(platform, new EnvironmentFilter(), 0, 50, CancellationToken.None);
            var names = all.Items.ToDictionary(i => i.Id, i => i.Name);
            var pages = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var team in new[] { "payments", "search" })
            {
                pages[team] = [.. (await queries.ListAsync(platform, new EnvironmentFilter(team), 0, 50, CancellationToken.None)).Items.Select(i => i.Name)];
            }

            // 32 callers at once, by id and by list, each checking it got what it asked for (a command shared between calls
            // once handed one call's reader to another: 404s for rows that exist, and hung calls).
            await Parallel.ForEachAsync(Enumerable.Range(0, 32), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (caller, ct) =>
            {
                for (var i = 0; i < 25; i++)
                {
                    var id = all.Items[(caller + i) % all.Items.Count].Id;
                    (await queries.GetAsync(platform, id, ct)).Name.ShouldBe(names[id]);
                    var team = (caller + i) % 2 == 0 ? "payments" : "search";
                    (await queries.ListAsync(platform, new EnvironmentFilter(team), 0, 50, ct)).Items.Select(e => e.Name).ShouldBe(pages[team]);
                }
            });
        }
    }

    [Fact]
    public async Task NewestList_OnBothProviders_AnswersAsTheGeneralQuery_ForEveryFilterAndActor()
    {
        var filters = new (string? Team, EnvironmentTier? Tier, EnvironmentStatus? Status)[]
        {
            (null, null, null), ("payments", null, null), ("search", null, null), ("nope", null, null), (null, EnvironmentTier.Dev, null),
            (null, EnvironmentTier.Prod, null), (null, null, EnvironmentStatus.Ready), (null, null, EnvironmentStatus.Failed), (" Payments ", EnvironmentTier.Dev, EnvironmentStatus.Ready),
        };
        foreach (var (portal, _, _) in _portals)
        {
            var queries = portal.Services.GetRequiredService<EnvironmentQueries>();
            foreach (var email in new[] { "platform@example.com", "dev@example.com" })
            {
                var actor = await portal.ActorAsync(email);
                foreach (var (team, tier, status) in filters)
                {
                    foreach (var (skip, take) in new[] { (0, 50), (0, 1), (1, 1), (2, 1), (5, 10) })
                    {
                        // HideDestroyed takes the general (LINQ) query; nothing here is destroyed, so both must agree.
                        var handWritten = await queries.ListAsync(actor, new EnvironmentFilter(team, tier, status), skip, take, CancellationToken.None);
                        var general = await queries.ListAsync(actor, new EnvironmentFilter(team, tier, status, HideDestroyed: true), skip, take, CancellationToken.None);

                        handWritten.Total.ShouldBe(general.Total, $"{email} {team} {tier} {status} {skip}/{take}");
                        handWritten.Items.ShouldBe(general.Items, $"{email} {team} {tier} {status} {skip}/{take}");
                    }
                }

                var all = await queries.ListAsync(actor, new EnvironmentFilter(), 0, 50, CancellationToken.None);
                all.Items.Select(i => i.Name).ShouldBe(email == "dev@example.com" ? ["beta", "alpha"] : ["delta", "beta", "alpha"], ignoreOrder: true);
            }
        }
    }
}
