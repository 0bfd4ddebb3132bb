using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Security;

/// <summary>Turns the signed-in principal (cookie or token) into the <see cref="LifecycleActor"/> the lifecycle services check.</summary>
public sealed class LifecycleActors(IDbContextFactory<PortalDbContext> contextFactory)
{
    public async Task<LifecycleActor> ForAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var userId = user.UserId() ?? throw new InvalidOperationException("The caller is not signed in.");
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var teams = await db.TeamMemberships.Where(m => m.UserId == userId).Select(m => m.TeamId).ToListAsync(cancellationToken);

        // Admins administer the portal; deciding on requests is the platform engineers' job.
        var isPlatformEngineer = user.IsInRole(PortalRoles.PlatformEngineer);
        var seesAll = isPlatformEngineer || user.IsInRole(PortalRoles.Finance) || user.IsInRole(PortalRoles.Admin);
        return new LifecycleActor(userId, user.Email(), isPlatformEngineer, seesAll, teams.ToHashSet());
    }
}
