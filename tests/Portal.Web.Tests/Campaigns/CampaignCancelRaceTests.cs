using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Data;
using Portal.Data.Entities.Campaigns;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Campaigns;
using Portal.Provisioning.Lifecycle;
using Portal.TestSupport;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Campaigns;

/// <summary>
/// A campaign's cancel racing its wave's steps on PostgreSQL, with the steps and cancel called in parallel (the campaign's
/// jobs are not run by Hangfire here, so the test decides when each runs): the target row's version makes one of them lose,
/// so an environment is either cancelled without an update request, or submitted with one — never cancelled with a request
/// made anyway.
/// </summary>
public sealed class CampaignCancelRaceTests : IAsyncLifetime
{
    private readonly UpgradeCatalog _catalog = UpgradeCatalog.Create();
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true,
        settings: new Dictionary<string, string?> { ["Catalog:Directory"] = _catalog.Directory },
        services: services => services.Replace(ServiceDescriptor.Singleton<ICampaignQueue, ManualCampaignQueue>()));

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        _catalog.Dispose();
    }

    [Fact]
    public async Task CancelAndWaveSteps_InParallel_NeverBothWin()
    {
        var fleet = await CampaignFlowTests.CreateFleetAsync(_portal, devPerTeam: 3, stagingPerTeam: 0, prodPerTeam: 0);
        await CampaignFlowTests.PublishNextVersionAsync(_portal, _catalog);
        var platform = await _portal.ActorAsync("platform@example.com");
        var actor = new CampaignActor(platform.UserId, platform.Name);

        // payments: the cancel is called together with the steps; search: the cancel is called once the first step got somewhere.
        var together = await RunningWaveAsync(actor, "payments");
        var later = await RunningWaveAsync(actor, "search");
        var runner = _portal.Services.GetRequiredService<CampaignRunner>();
        var signalled = 0;
        using var subscription = _portal.Services.GetRequiredService<CampaignSignals>().Subscribe(later.Id, () =>
        {
            Interlocked.Increment(ref signalled);
            return Task.CompletedTask;
        });

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var steps = together.Targets.Select(e => (together.Id, e)).Concat(later.Targets.Select(e => (later.Id, e))).Select(step => Task.Run(async () =>
        {
            await start.Task;
            await runner.SubmitAsync(step.Item1, step.Item2, CancellationToken.None);
        })).ToList();
        var cancelTogether = Task.Run(async () =>
        {
            await start.Task;
            return await TryCancelAsync(runner, actor, together.Id);
        });
        start.SetResult();
        await _portal.WaitUntilAsync(async db =>
            await db.CampaignTargets.AnyAsync(t => t.CampaignId == later.Id && t.Status != CampaignTargetStatus.Queued)
            || await db.EnvironmentRequests.AnyAsync(r => r.Kind == RequestKind.Update && r.Justification.Contains(CampaignRunner.Marker(later.Id))), TimeSpan.FromSeconds(60));
        var cancelLater = await TryCancelAsync(runner, actor, later.Id);
        await Task.WhenAll(steps);
        var outcomes = new[] { (together.Id, await cancelTogether), (later.Id, cancelLater) };
        Volatile.Read(ref signalled).ShouldBeGreaterThan(0, "live pages are told of the campaign's steps (LifecycleSignals, kind Campaign)");

        await using var db = await _portal.DbAsync();
        foreach (var (id, cancelled) in outcomes)
        {
            var campaign = await db.UpgradeCampaigns.SingleAsync(c => c.Id == id);
            campaign.Status.ShouldBe(cancelled ? CampaignStatus.Cancelled : CampaignStatus.Running, "a cancel that lost changed nothing");
            var targets = await db.CampaignTargets.Where(t => t.CampaignId == id).ToListAsync();
            var marker = CampaignRunner.Marker(id);
            var requests = await db.EnvironmentRequests.Where(r => r.Kind == RequestKind.Update && r.Justification.Contains(marker)).ToListAsync();
            foreach (var target in targets)
            {
                var made = requests.Where(r => r.EnvironmentId == target.EnvironmentId).Select(r => r.Id).ToList();
                var name = fleet.Single(f => f.Value == target.EnvironmentId).Key;
                if (target.Status == CampaignTargetStatus.Cancelled)
                {
                    made.ShouldBeEmpty($"{name} was cancelled, yet its update was requested");
                }
                else
                {
                    target.Status.ShouldBe(CampaignTargetStatus.Submitted, $"{name}: {target.Detail}");
                    made.Count.ShouldBe(1, name);
                    target.RequestId.ShouldBe(made[0], name);
                }
            }

            if (!cancelled)
            {
                // The cancel that lost is answered 409 and may be tried again: it then cancels what was not yet requested.
                (await TryCancelAsync(runner, actor, id)).ShouldBeTrue();
            }
        }
    }

    private async Task<(Guid Id, IReadOnlyList<Guid> Targets)> RunningWaveAsync(CampaignActor actor, string team)
    {
        var planner = _portal.Services.GetRequiredService<CampaignPlanner>();
        var runner = _portal.Services.GetRequiredService<CampaignRunner>();
        var id = await planner.CreateAsync(actor, new NewCampaign($"race {team}", "static-site", Teams: [team], WaveSize: 10), CancellationToken.None);
        List<Guid> targets;
        await using (var db = await _portal.DbAsync())
        {
            targets = await db.CampaignTargets.Where(t => t.CampaignId == id).Select(t => t.EnvironmentId).ToListAsync();
        }

        targets.Count.ShouldBe(3);
        foreach (var environmentId in targets)
        {
            await planner.PreviewAsync(id, environmentId, false, CancellationToken.None);
        }

        await runner.AdvanceAsync(id, CancellationToken.None);
        await runner.StartAsync(actor, id, CancellationToken.None);
        await runner.AdvanceAsync(id, CancellationToken.None);
        await using (var db = await _portal.DbAsync())
        {
            (await db.CampaignTargets.Where(t => t.CampaignId == id).Select(t => t.Status).ToListAsync()).ShouldAllBe(s => s == CampaignTargetStatus.Queued);
        }

        return (id, targets);
    }

    private static async Task<bool> TryCancelAsync(CampaignRunner runner, CampaignActor actor, Guid id)
    {
        try
        {
            await runner.CancelAsync(actor, id, CancellationToken.None);
            return true;
        }
        catch (LifecycleConflictException)
        {
            return false;
        }
    }
}

/// <summary>Campaign jobs that are never run: the test calls the runner itself.</summary>
public sealed class ManualCampaignQueue : ICampaignQueue
{
    public void EnqueueStep(Guid campaignId, Guid environmentId)
    {
    }

    public void ScheduleAdvance(Guid campaignId, TimeSpan delay)
    {
    }
}
