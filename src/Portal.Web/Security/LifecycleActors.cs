using System.Security.Claims;
using Portal.Data.Entities;
using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Security;

/// <summary>
/// Turns the signed-in principal (cookie or token) into the <see cref="LifecycleActor"/> the lifecycle services check; the
/// user's teams come from the node's <see cref="AccessCache"/> (no SQL on a warm path).
/// </summary>
public sealed class LifecycleActors(AccessCache cache)
{
    public async Task<LifecycleActor> ForAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var userId = user.UserId() ?? throw new InvalidOperationException("The caller is not signed in.");
        var cached = await cache.UserAsync(userId, cancellationToken);
        var teams = cached?.Teams.Select(t => t.Id).ToHashSet() ?? [];

        // Admins administer the portal; deciding on requests is the platform engineers' job.
        var isPlatformEngineer = user.IsInRole(PortalRoles.PlatformEngineer);
        var seesAll = isPlatformEngineer || user.IsInRole(PortalRoles.Finance) || user.IsInRole(PortalRoles.Admin);
        return new LifecycleActor(userId, user.Email(), isPlatformEngineer, seesAll, teams);
    }
}
