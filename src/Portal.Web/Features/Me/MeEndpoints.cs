using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Web.Security;

namespace Portal.Web.Features.Me;

/// <summary><c>GET /api/v1/me</c>: who the caller is, their roles and teams (from the node's <see cref="AccessCache"/>: no SQL when warm).</summary>
public static class MeEndpoints
{
    public static RouteGroupBuilder MapMeEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/me", GetMeAsync).RequireAuthorization(PortalPolicies.ApiRead).WithName("GetMe");
        return api;
    }

    private static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> GetMeAsync(HttpContext http, AccessCache access, CancellationToken cancellationToken)
    {
        if (http.User.UserId() is not { } userId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "No user is signed in.");
        }

        if (await access.UserAsync(userId, cancellationToken) is not { } user)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "The user no longer exists.");
        }

        return TypedResults.Ok(new MeResponse(user.Email, user.DisplayName, user.Roles, [.. user.Teams.Select(t => new MeTeam(t.Slug, t.Name))]));
    }
}

public sealed record MeResponse(string Email, string DisplayName, IReadOnlyList<string> Roles, IReadOnlyList<MeTeam> Teams);

public sealed record MeTeam(string Slug, string Name);
