using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Portal.Data.Entities;

namespace Portal.Web.Security;

/// <summary>One front door: a bearer personal access token when the request carries one, the sign-in cookie otherwise.</summary>
public static class PortalAuthentication
{
    public const string Scheme = "Portal";

    /// <summary>Claim that records how the caller authenticated (<c>pat</c> or <c>cookie</c>).</summary>
    public const string MethodClaim = "portal:auth_method";

    public const string ScopeClaim = "scope";

    public const string TokenIdClaim = "portal:token_id";

    public static string SelectScheme(HttpContext context) =>
        context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? PersonalAccessTokenHandler.SchemeName
            : IdentityConstants.ApplicationScheme;

    public static bool IsApiRequest(this HttpRequest request) =>
        request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    public static Guid? UserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    public static string Email(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.Email) ?? user.Identity?.Name ?? "";

    public static AuditActor ToActor(this ClaimsPrincipal user) =>
        user.UserId() is { } id ? new AuditActor(id, user.Email()) : AuditActor.System;
}
