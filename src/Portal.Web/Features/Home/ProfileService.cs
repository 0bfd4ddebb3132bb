using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Web.Features.Home;

/// <summary>What the home page shows about the signed-in user.</summary>
public sealed class ProfileService(IDbContextFactory<PortalDbContext> contextFactory)
{
    public async Task<Profile> GetAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var name = await db.Users.Where(u => u.Id == userId).Select(u => u.DisplayName).SingleOrDefaultAsync(cancellationToken);
        var teams = await db.TeamMemberships.Where(m => m.UserId == userId)
            .Select(m => new ProfileTeam(m.Team!.Slug, m.Team.Name, m.Team.MonthlyBudgetUsd))
            .ToListAsync(cancellationToken);
        return new Profile(name ?? "", [.. teams.OrderBy(t => t.Slug, StringComparer.Ordinal)]);
    }
}

public sealed record Profile(string DisplayName, IReadOnlyList<ProfileTeam> Teams);

public sealed record ProfileTeam(string Slug, string Name, decimal MonthlyBudgetUsd);
