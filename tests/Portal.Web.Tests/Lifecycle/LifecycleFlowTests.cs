using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Lifecycle;

/// <summary>The whole lifecycle through the real services, job layer and sandbox, on PostgreSQL: request → policy → stack → Ready → destroy.</summary>
public sealed class LifecycleFlowTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task DevRequest_IsAutoApproved_ProvisionedToReady_ThenDestroyed()
    {
        var workflow = _portal.Services.GetRequiredService<RequestWorkflow>();
        var dev = await ActorAsync("dev@example.com");

        var outcome = await workflow.SubmitAsync(dev, new SubmitRequest("create", "ecs-web-service", "dev", Team: "payments", Name: "checkout"), CancellationToken.None);

        outcome.Status.ShouldBe(RequestStatus.Approved);
        outcome.Reason.ShouldStartWith("Auto-approved");
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

    private async Task<LifecycleActor> ActorAsync(string email)
    {
        await using var db = await DbAsync();
        var user = await db.Users.SingleAsync(u => u.Email == email);
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == user.Id select r.Name).ToListAsync();
        var teams = await db.TeamMemberships.Where(m => m.UserId == user.Id).Select(m => m.TeamId).ToListAsync();
        var platform = roles.Contains("PlatformEngineer");
        return new LifecycleActor(user.Id, email, platform, platform || roles.Contains("Admin") || roles.Contains("Finance"), teams.ToHashSet());
    }

    private async Task<PortalEnvironment> WaitForAsync(Guid environmentId, EnvironmentStatus status)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(90);
        PortalEnvironment? environment = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await using var db = await DbAsync();
            environment = await db.Environments.AsNoTracking().SingleAsync(e => e.Id == environmentId);
            if (environment.Status == status)
            {
                return environment;
            }

            environment.Status.ShouldNotBe(EnvironmentStatus.Failed, environment.FailureReason);
            await Task.Delay(250);
        }

        throw new TimeoutException($"Environment {environmentId} is {environment?.Status} ({environment?.LastStackStatus}), not {status}, after 90 s.");
    }

    private Task<PortalDbContext> DbAsync() =>
        _portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
}
