using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Tests.Infrastructure;

/// <summary>Creating environments through the real <see cref="RequestWorkflow"/> and waiting for them, as a demo user.</summary>
internal static class PortalLifecycleExtensions
{
    public static async Task<LifecycleActor> ActorAsync(this PortalWebFactory portal, string email)
    {
        await using var db = await portal.DbAsync();
        var user = await db.Users.SingleAsync(u => u.Email == email);
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == user.Id select r.Name).ToListAsync();
        var teams = await db.TeamMemberships.Where(m => m.UserId == user.Id).Select(m => m.TeamId).ToListAsync();
        var platform = roles.Contains("PlatformEngineer");
        return new LifecycleActor(user.Id, email, platform, platform || roles.Contains("Admin") || roles.Contains("Finance"), teams.ToHashSet());
    }

    /// <summary>Submits an auto-approved dev create of a static site and returns the new environment's id.</summary>
    public static async Task<Guid> CreateDevSiteAsync(this PortalWebFactory portal, string email, string team, string name)
    {
        var workflow = portal.Services.GetRequiredService<RequestWorkflow>();
        var outcome = await workflow.SubmitAsync(await portal.ActorAsync(email), new SubmitRequest("create", "static-site", "dev", Team: team, Name: name), CancellationToken.None);
        outcome.Status.ShouldBe(RequestStatus.Approved, outcome.Reason);
        return outcome.EnvironmentId!.Value;
    }

    public static async Task<RequestOutcome> SubmitAsync(this PortalWebFactory portal, string email, SubmitRequest request) =>
        await portal.Services.GetRequiredService<RequestWorkflow>().SubmitAsync(await portal.ActorAsync(email), request, CancellationToken.None);

    public static async Task<PortalEnvironment> WaitForAsync(this PortalWebFactory portal, Guid environmentId, EnvironmentStatus status, int seconds = 90)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(seconds);
        PortalEnvironment? environment = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await using var db = await portal.DbAsync();
            environment = await db.Environments.AsNoTracking().SingleAsync(e => e.Id == environmentId);
            if (environment.Status == status)
            {
                return environment;
            }

            if (status != EnvironmentStatus.Failed)
            {
                environment.Status.ShouldNotBe(EnvironmentStatus.Failed, environment.FailureReason);
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"Environment {environmentId} is {environment?.Status} ({environment?.LastStackStatus}), not {status}, after {seconds} s.");
    }

    /// <summary>Waits until the environment is no longer in <paramref name="status"/> (an operation has begun).</summary>
    public static async Task WaitUntilStatusLeftAsync(this PortalWebFactory portal, Guid environmentId, EnvironmentStatus status, int seconds = 30)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(seconds);
        while (DateTimeOffset.UtcNow < deadline)
        {
            await using var db = await portal.DbAsync();
            if (await db.Environments.AnyAsync(e => e.Id == environmentId && e.Status != status))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Environment {environmentId} stayed {status} for {seconds} s.");
    }

    /// <summary>Polls the database until <paramref name="condition"/> holds (default: within 30 s).</summary>
    public static async Task WaitUntilAsync(this PortalWebFactory portal, Func<PortalDbContext, Task<bool>> condition, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var deadline = DateTimeOffset.UtcNow + limit;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await using var db = await portal.DbAsync();
            if (await condition(db))
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The condition did not hold within {limit.TotalSeconds} s.");
    }

    public static Task<PortalDbContext> DbAsync(this PortalWebFactory portal) =>
        portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
}
