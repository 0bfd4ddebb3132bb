using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Portal.Data.Entities;

namespace Portal.Web.Security;

/// <summary>Named authorization policies: by role, and by token scope for the API.</summary>
public static class PortalPolicies
{
    public const string ApiRead = "api:read";
    public const string ApiWrite = "api:write";
    public const string ApiApprove = "api:approve";
    public const string Admin = "role:admin";
    public const string PlatformEngineer = "role:platform-engineer";
    public const string Finance = "role:finance";

    /// <summary>Deciding on requests: platform engineers only (admins administer the portal; they do not approve).</summary>
    public const string Approver = "role:approver";

    public static IServiceCollection AddPortalAuthorization(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(ApiRead, p => p.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement("read")))
            .AddPolicy(ApiWrite, p => p.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement("write")))
            .AddPolicy(ApiApprove, p => p.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement("approve")))
            .AddPolicy(Admin, p => p.RequireRole(PortalRoles.Admin))
            .AddPolicy(PlatformEngineer, p => p.RequireRole(PortalRoles.PlatformEngineer, PortalRoles.Admin))
            .AddPolicy(Finance, p => p.RequireRole(PortalRoles.Finance, PortalRoles.Admin))
            .AddPolicy(Approver, p => p.RequireRole(PortalRoles.PlatformEngineer));
        services.AddSingleton<IAuthorizationHandler, ScopeRequirementHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ApiAuthorizationResultHandler>();
        return services;
    }
}

/// <summary>A personal access token must carry the scope; a signed-in browser session has every scope its roles allow.</summary>
public sealed record ScopeRequirement(string Scope) : IAuthorizationRequirement;

internal sealed class ScopeRequirementHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        var viaToken = context.User.HasClaim(PortalAuthentication.MethodClaim, "pat");
        if (!viaToken || context.User.HasClaim(PortalAuthentication.ScopeClaim, requirement.Scope))
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, $"This token lacks the '{requirement.Scope}' scope."));
        }

        return Task.CompletedTask;
    }
}

/// <summary>API callers get problem details (401/403) instead of the browser's redirects to the sign-in page.</summary>
internal sealed class ApiAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!context.Request.IsApiRequest() || authorizeResult.Succeeded)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        if (authorizeResult.Challenged)
        {
            var authentication = await context.AuthenticateAsync(PortalAuthentication.SelectScheme(context));
            var detail = authentication.Failure?.Message
                ?? "Sign in, or send a personal access token as 'Authorization: Bearer <token>'.";
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteProblemAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", detail);
            return;
        }

        var reasons = authorizeResult.AuthorizationFailure?.FailureReasons.Select(r => r.Message).ToList() ?? [];
        var message = reasons.Count > 0 ? string.Join(" ", reasons) : "You are not allowed to do this.";
        await WriteProblemAsync(context, StatusCodes.Status403Forbidden, "Forbidden", message);
    }

    private static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
