using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Tests.Lifecycle;

/// <summary>What the lifecycle tests share: actors as the host resolves them, the database, and waiting for a status.</summary>
internal static class LifecycleKit
{
    public static async Task<LifecycleActor> ActorAsync(IServiceProvider services, string email)
    {
        await using var db = await DbAsync(services);
        var user = await db.Users.SingleAsync(u => u.Email == email);
        var roles = await (from ur in db.UserRoles join r in db.Roles on ur.RoleId equals r.Id where ur.UserId == user.Id select r.Name).ToListAsync();
        var teams = await db.TeamMemberships.Where(m => m.UserId == user.Id).Select(m => m.TeamId).ToListAsync();
        var platform = roles.Contains("PlatformEngineer");
        return new LifecycleActor(user.Id, email, platform, platform || roles.Contains("Admin") || roles.Contains("Finance"), teams.ToHashSet());
    }

    public static Task<PortalDbContext> DbAsync(IServiceProvider services) =>
        services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();

    /// <summary>Polls the database until the environment reaches <paramref name="status"/>; fails fast on an unexpected Failed.</summary>
    public static async Task<PortalEnvironment> WaitForAsync(IServiceProvider services, Guid environmentId, EnvironmentStatus status, int seconds = 90)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(seconds);
        PortalEnvironment? environment = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            await using var db = await DbAsync(services);
            environment = await db.Environments.AsNoTracking().SingleAsync(e => e.Id == environmentId);
            if (environment.Status == status)
            {
                return environment;
            }

            if (status != EnvironmentStatus.Failed)
            {
                environment.Status.ShouldNotBe(EnvironmentStatus.Failed, environment.FailureReason);
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"Environment {environmentId} is {environment?.Status} ({environment?.LastStackStatus}), not {status}, after {seconds} s.");
    }

    /// <summary>Waits until the environment is no longer in <paramref name="status"/> (an operation has begun).</summary>
    public static async Task WaitUntilStatusLeftAsync(IServiceProvider services, Guid environmentId, EnvironmentStatus status, int seconds = 30)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(seconds);
        while (DateTimeOffset.UtcNow < deadline)
        {
            await using var db = await DbAsync(services);
            if (await db.Environments.AnyAsync(e => e.Id == environmentId && e.Status != status))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Environment {environmentId} stayed {status} for {seconds} s.");
    }
}
