using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Environments;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Api;

/// <summary>
/// The environment reads the API calls hot (by id, and the newest-first list) run as EF compiled queries, one per model
/// (issue 18). One process, a PostgreSQL and a SQLite portal side by side, called in turn: a compiled query shared across
/// models would throw on the second one. The compiled list answers as the general query does, on both providers.
/// </summary>
public sealed class CompiledEnvironmentReadsTests : IAsyncLifetime
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
                        // HideDestroyed takes the general (uncompiled) query; nothing here is destroyed, so both must agree.
                        var compiled = await queries.ListAsync(actor, new EnvironmentFilter(team, tier, status), skip, take, CancellationToken.None);
                        var general = await queries.ListAsync(actor, new EnvironmentFilter(team, tier, status, HideDestroyed: true), skip, take, CancellationToken.None);

                        compiled.Total.ShouldBe(general.Total, $"{email} {team} {tier} {status} {skip}/{take}");
                        compiled.Items.ShouldBe(general.Items, $"{email} {team} {tier} {status} {skip}/{take}");
                    }
                }

                var all = await queries.ListAsync(actor, new EnvironmentFilter(), 0, 50, CancellationToken.None);
                all.Items.Select(i => i.Name).ShouldBe(email == "dev@example.com" ? ["beta", "alpha"] : ["delta", "beta", "alpha"], ignoreOrder: true);
            }
        }
    }
}
