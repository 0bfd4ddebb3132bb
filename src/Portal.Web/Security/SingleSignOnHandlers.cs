using System.Net;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Portal.Web.Security;

/// <summary>Shared by the single-sign-on handlers: map the identity to a user, and never redirect (the SSO front end signs people in).</summary>
public abstract class SingleSignOnHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected async Task<AuthenticateResult> SignInAsync(SsoIdentity identity)
    {
        var recent = Context.RequestServices.GetRequiredService<SsoSignIns>();
        if (recent.Find(identity) is not { } principal)
        {
            var sync = Context.RequestServices.GetRequiredService<SsoUserSync>();
            (principal, var error) = await sync.SignInAsync(identity, Context.RequestAborted);
            if (principal is null)
            {
                return AuthenticateResult.Fail(error!);
            }

            recent.Remember(identity, principal);
        }

        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        if (Request.IsApiRequest())
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
        }
        else
        {
            Response.Redirect("/account/access-denied");
        }

        return Task.CompletedTask;
    }
}

/// <summary>Authenticates the <c>x-amzn-oidc-data</c> header an AWS ALB adds after its authenticate-oidc/cognito action.</summary>
public sealed class AlbAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AlbTokenValidator validator)
    : SingleSignOnHandler(options, logger, encoder)
{
    public const string SchemeName = "Alb";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers[AlbAuthOptions.HeaderName].ToString() is not { Length: > 0 } token)
        {
            return AuthenticateResult.NoResult();
        }

        var (identity, error) = await validator.ValidateAsync(token, Context.RequestAborted);
        return identity is null ? AuthenticateResult.Fail(error!) : await SignInAsync(identity);
    }
}

/// <summary>Authenticates a trusted reverse proxy's identity headers (oauth2-proxy's <c>X-Forwarded-Email</c> and friends).</summary>
public sealed class ProxyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptionsMonitor<AuthOptions> auth, TrustedProxies proxies)
    : SingleSignOnHandler(options, logger, encoder)
{
    public const string SchemeName = "Proxy";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var proxy = auth.CurrentValue.Proxy;
        if (!proxy.Enabled || Request.Headers[proxy.EmailHeader].ToString() is not { Length: > 0 } email || !proxies.IsTrusted(Context))
        {
            return AuthenticateResult.NoResult();
        }

        email = email.Trim();
        if (!email.Contains('@', StringComparison.Ordinal) || email.Length > 256)
        {
            return AuthenticateResult.Fail($"The proxy's {proxy.EmailHeader} header is not an email address.");
        }

        var name = new[] { Request.Headers[proxy.NameHeader].ToString(), Request.Headers[proxy.UserHeader].ToString() }
            .Select(n => n.Trim()).FirstOrDefault(n => n.Length is > 0 and <= 200) ?? email;
        var groups = AlbTokenValidator.SplitGroups(string.Join(',', Request.Headers[proxy.GroupsHeader].ToArray()));
        return await SignInAsync(new SsoIdentity(email, name, groups, "proxy"));
    }
}

/// <summary>Whether a request's connection comes from one of <c>Auth:Proxy:TrustedAddresses</c>.</summary>
public sealed partial class TrustedProxies(IOptionsMonitor<AuthOptions> options, ILogger<TrustedProxies> logger)
{
    public bool IsTrusted(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (remote is { IsIPv4MappedToIPv6: true })
        {
            remote = remote.MapToIPv4();
        }

        if (remote is not null && options.CurrentValue.Proxy.TrustedNetworks().Any(n => n.Contains(remote)))
        {
            return true;
        }

        // Never log the header values: they are whatever an untrusted caller chose to send.
        LogIgnored(logger, remote);
        return false;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored reverse-proxy identity headers from untrusted address {RemoteAddress}")]
    private static partial void LogIgnored(ILogger logger, IPAddress? remoteAddress);
}
