using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Lifecycle;

/// <summary>
/// The whole lifecycle through the real services, job layer and sandbox: request → policy → stack → Ready → destroy; on
/// PostgreSQL (Hangfire.PostgreSql) and on the embedded default, SQLite (Hangfire.Storage.SQLite).
/// </summary>
public abstract class LifecycleFlowTests(DatabaseProvider provider) : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(provider, kestrel: true);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task DevRequest_IsAutoApproved_ProvisionedToReady_ThenDestroyed()
    {
        var workflow = _portal.Services.GetRequiredService<RequestWorkflow>();
        var dev = await ActorAsync("dev@example.com");

        var outcome = await workflow.SubmitAsync(dev, new SubmitRequest("create", "ecs-web-service", "dev", Team: "payments", Name: "checkout"), CancellationToken.None);

        outcome.Status.ShouldBe(RequestStatus.Approved);
        outcome.Reason.ShouldStartWith("Auto-approved");
        _portal.Services.GetRequiredService<Hangfire.JobStorage>().ShouldBeOfType(
            provider == DatabaseProvider.Postgres ? typeof(Hangfire.PostgreSql.PostgreSqlStorage) : typeof(Hangfire.Storage.SQLite.SQLiteStorage),
            "each hosted portal has its own job storage, on its own database");
        outcome.EnvironmentId.ShouldNotBeNull();
        var ready = await WaitForAsync(outcome.EnvironmentId.Value, EnvironmentStatus.Ready);
        ready.StackName.ShouldBe("payments-checkout-dev");
        ready.StackId.ShouldNotBeNull();
        ready.VpcCidr.ShouldNotBeNull();
        ready.OutputsJson.ShouldContain("ServiceUrl");
        await using (var db = await DbAsync())
        {
            (await db.StackEvents.CountAsync(e => e.EnvironmentId == ready.Id)).ShouldBeGreaterThan(10);
            (await db.EnvironmentRequests.SingleAsync(r => r.Id == outcome.Id)).Status.ShouldBe(RequestStatus.Completed);
            (await db.Notifications.Where(n => n.Kind == "environment.ready").CountAsync()).ShouldBe(1);
            (await db.AuditEvents.Select(a => a.Action).ToListAsync()).ShouldContain("environment.ready");
        }

        var destroy = await workflow.SubmitAsync(dev, new SubmitRequest("destroy", EnvironmentId: ready.Id), CancellationToken.None);

        destroy.Status.ShouldBe(RequestStatus.Approved);
        var destroyed = await WaitForAsync(ready.Id, EnvironmentStatus.Destroyed);
        destroyed.DestroyedAt.ShouldNotBeNull();
        await using (var db = await DbAsync())
        {
            (await db.CidrAllocations.SingleAsync(a => a.EnvironmentId == ready.Id)).ReleasedAt.ShouldNotBeNull();
            (await db.EnvironmentRequests.SingleAsync(r => r.Id == destroy.Id)).Status.ShouldBe(RequestStatus.Completed);
        }
    }

    [Fact]
    public async Task StagingRequest_WaitsForAPlatformEngineer_ThenProvisions()
    {
        var workflow = _portal.Services.GetRequiredService<RequestWorkflow>();
        var dev = await ActorAsync("dev@example.com");

        var outcome = await workflow.SubmitAsync(
            dev, new SubmitRequest("create", "static-site", "staging", Team: "payments", Name: "docs", Justification: "Release candidate"), CancellationToken.None);

        outcome.Status.ShouldBe(RequestStatus.PendingApproval);
        outcome.EnvironmentId.ShouldBeNull();
        await Should.ThrowAsync<DecisionForbiddenException>(() => workflow.ApproveAsync(dev, outcome.Id, null, CancellationToken.None));

        var approved = await workflow.ApproveAsync(await ActorAsync("platform@example.com"), outcome.Id, "ok", CancellationToken.None);

        approved.Status.ShouldBe(RequestStatus.Approved);
        (await WaitForAsync(approved.EnvironmentId!.Value, EnvironmentStatus.Ready)).Tier.ShouldBe(EnvironmentTier.Staging);
        var second = ActorWithoutTeams(await ActorAsync("platform2@example.com"));
        await Should.ThrowAsync<InvalidTransitionException>(() => workflow.ApproveAsync(second, outcome.Id, null, CancellationToken.None));
    }

    private static LifecycleActor ActorWithoutTeams(LifecycleActor actor) => actor with { TeamIds = new HashSet<Guid>() };

    private Task<LifecycleActor> ActorAsync(string email) => _portal.ActorAsync(email);

    private Task<PortalEnvironment> WaitForAsync(Guid environmentId, EnvironmentStatus status) => _portal.WaitForAsync(environmentId, status);

    private Task<PortalDbContext> DbAsync() => _portal.DbAsync();
}

public sealed class LifecycleFlowPostgresTests() : LifecycleFlowTests(DatabaseProvider.Postgres);

public sealed class LifecycleFlowSqliteTests() : LifecycleFlowTests(DatabaseProvider.Sqlite);
