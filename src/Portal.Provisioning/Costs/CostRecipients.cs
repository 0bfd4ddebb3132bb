using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;

namespace Portal.Provisioning.Costs;

/// <summary>Who hears about a team's costs: its members and every Finance user (for the organisation: Finance only).</summary>
internal static class CostRecipients
{
    public static async Task<List<(Guid UserId, string Email)>> ForAsync(PortalDbContext db, Guid? teamId, CancellationToken cancellationToken)
    {
        var finance = db.UserRoles.Join(db.Roles.Where(r => r.Name == PortalRoles.Finance), ur => ur.RoleId, r => r.Id, (ur, _) => ur.UserId);
        var ids = await finance.ToListAsync(cancellationToken);
        if (teamId is { } id)
        {
            ids.AddRange(await db.TeamMemberships.Where(m => m.TeamId == id).Select(m => m.UserId).ToListAsync(cancellationToken));
        }

        var distinct = ids.Distinct().ToList();
        var users = await db.Users.Where(u => distinct.Contains(u.Id)).Select(u => new { u.Id, u.Email }).ToListAsync(cancellationToken);
        return [.. users.OrderBy(u => u.Id).Select(u => (u.Id, u.Email ?? ""))];
    }
}
