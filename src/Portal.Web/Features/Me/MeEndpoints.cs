using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Web.Security;

namespace Portal.Web.Features.Me;

/// <summary><c>GET /api/v1/me</c>: who the caller is, their roles and teams.</summary>
public static class MeEndpoints
{
    public static RouteGroupBuilder MapMeEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/me", GetMeAsync).RequireAuthorization(PortalPolicies.ApiRead).WithName("GetMe");
        return api;
    }

    private static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> GetMeAsync(
        HttpContext http, IDbContextFactory<PortalDbContext> contextFactory, CancellationToken cancellationToken)
    {
        if (http.User.UserId() is not { } userId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "No user is signed in.");
        }

        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Id == userId, cancellationToken);
        if (user is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "The user no longer exists.");
        }

        var roles = await db.UserRoles.Where(ur => ur.UserId == userId)
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!)
            .OrderBy(n => n).ToListAsync(cancellationToken);
        var teams = await db.TeamMemberships.Where(m => m.UserId == userId)
            .OrderBy(m => m.Team!.Slug)
            .Select(m => new MeTeam(m.Team!.Slug, m.Team.Name))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new MeResponse(user.Email ?? "", user.DisplayName, roles, teams));
    }
}

public sealed record MeResponse(string Email, string DisplayName, IReadOnlyList<string> Roles, IReadOnlyList<MeTeam> Teams);

public sealed record MeTeam(string Slug, string Name);
