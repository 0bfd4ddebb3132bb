using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Portal.Web.Security;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;token&gt;</c> against the hashed personal access tokens, through the node's
/// <see cref="AccessCache"/>: a warm call runs no SQL (its last use is written at most once a minute).
/// </summary>
public sealed class PersonalAccessTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AccessCache cache,
    TokenUsage usage,
    TimeProvider timeProvider)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var secret = header["Bearer ".Length..].Trim();
        if (!TokenFormat.LooksLikeToken(secret))
        {
            return AuthenticateResult.Fail("The bearer token is not a Portal personal access token.");
        }

        var now = timeProvider.GetUtcNow();
        var token = await cache.TokenAsync(TokenFormat.Hash(secret), Context.RequestAborted);
        if (token is null || await cache.UserAsync(token.UserId, Context.RequestAborted) is not { } user)
        {
            return AuthenticateResult.Fail("The token is not valid.");
        }

        if (token.RevokedAt is not null)
        {
            return AuthenticateResult.Fail("The token has been revoked.");
        }

        if (token.ExpiresAt is { } expiry && expiry <= now)
        {
            return AuthenticateResult.Fail($"The token expired at {expiry:u}.");
        }

        if (user.LockoutEnd is { } lockedUntil && lockedUntil > now)
        {
            return AuthenticateResult.Fail("The token's user is locked out.");
        }

        await usage.RecordAsync(token.Id, now, Context.RequestAborted);
        var roles = user.Roles;

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new(ClaimTypes.Name, user.UserName),
            new(ClaimTypes.Email, user.Email),
            new(PortalAuthentication.MethodClaim, "pat"),
            new(PortalAuthentication.TokenIdClaim, token.Id.ToString()),
        };
        claims.AddRange(roles.Select(r => new Claim(ClaimTypes.Role, r)));
        claims.AddRange(TokenFormat.ScopeNames(token.Scopes).Select(s => new Claim(PortalAuthentication.ScopeClaim, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }
}
