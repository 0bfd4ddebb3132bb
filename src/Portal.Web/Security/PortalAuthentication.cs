using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Data.Entities;

namespace Portal.Web.Security;

/// <summary>
/// One front door: a bearer personal access token when the request carries one; else, with single sign-on on, the ALB's
/// token or a trusted proxy's headers; the sign-in cookie otherwise.
/// </summary>
public static class PortalAuthentication
{
    public const string Scheme = "Portal";

    /// <summary>Claim that records how the caller authenticated (<c>pat</c>, <c>alb</c> or <c>proxy</c>; absent for the cookie).</summary>
    public const string MethodClaim = "portal:auth_method";

    public const string ScopeClaim = "scope";

    public const string TokenIdClaim = "portal:token_id";

    public static string SelectScheme(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return PersonalAccessTokenHandler.SchemeName;
        }

        var auth = context.RequestServices.GetRequiredService<IOptionsMonitor<AuthOptions>>().CurrentValue;
        if (auth.Alb.Enabled && headers.ContainsKey(AlbAuthOptions.HeaderName))
        {
            return AlbAuthenticationHandler.SchemeName;
        }

        // Headers from an untrusted address are ignored: the caller gets the cookie path like anyone else.
        if (auth.Proxy.Enabled && headers.ContainsKey(auth.Proxy.EmailHeader) && context.RequestServices.GetRequiredService<TrustedProxies>().IsTrusted(context))
        {
            return ProxyAuthenticationHandler.SchemeName;
        }

        return IdentityConstants.ApplicationScheme;
    }

    public static bool IsApiRequest(this HttpRequest request) =>
        request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase);

    public static Guid? UserId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    public static string Email(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.Email) ?? user.Identity?.Name ?? "";

    public static AuditActor ToActor(this ClaimsPrincipal user) =>
        user.UserId() is { } id ? new AuditActor(id, user.Email()) : AuditActor.System;
}
