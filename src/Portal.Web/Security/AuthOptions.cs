using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Portal.Data.Entities;

namespace Portal.Web.Security;

/// <summary>Options under <c>Auth</c>: single sign-on (ALB or a trusted reverse proxy), local accounts, group mappings.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    public AlbAuthOptions Alb { get; set; } = new();

    public ProxyAuthOptions Proxy { get; set; } = new();

    public LocalAccountOptions LocalAccounts { get; set; } = new();

    /// <summary>
    /// Identity-provider group → grants, e.g. <c>Auth:GroupMappings:platform-engineers = "role:PlatformEngineer"</c> or
    /// <c>"role:Developer, team:payments"</c>. Synced on every single sign-on; only the roles and teams named here are managed.
    /// </summary>
    public Dictionary<string, string> GroupMappings { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public bool SingleSignOnEnabled => Alb.Enabled || Proxy.Enabled;
}

/// <summary>Options under <c>Auth:Alb</c>: trust the <c>x-amzn-oidc-data</c> header an AWS ALB's authenticate action adds.</summary>
public sealed class AlbAuthOptions
{
    public const string HeaderName = "x-amzn-oidc-data";

    public bool Enabled { get; set; }

    /// <summary>The load balancer's ARN; the token's <c>signer</c> must equal it.</summary>
    public string SignerArn { get; set; } = "";

    /// <summary>Region of the key endpoint; unset means the region in <see cref="SignerArn"/>.</summary>
    public string? Region { get; set; }

    /// <summary>Base URL of the public keys (<c>{endpoint}/{kid}</c>); default <c>https://public-keys.auth.elb.{region}.amazonaws.com</c>.</summary>
    public string? PublicKeyEndpoint { get; set; }

    /// <summary>When set, the token's <c>iss</c> (the identity provider) must equal it.</summary>
    public string? Issuer { get; set; }

    public string EmailClaim { get; set; } = "email";

    public string NameClaim { get; set; } = "name";

    /// <summary>A JSON array or a space- or comma-separated string.</summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>Tolerance for the token's expiry (clocks drift).</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    public string? EffectiveRegion => Region is { Length: > 0 } ? Region : ArnRegion(SignerArn);

    public Uri KeyEndpoint => new((PublicKeyEndpoint is { Length: > 0 } endpoint
        ? endpoint
        : $"https://public-keys.auth.elb.{EffectiveRegion}.amazonaws.com").TrimEnd('/') + "/");

    /// <summary><c>arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/name/id</c> → <c>us-east-1</c>.</summary>
    internal static string? ArnRegion(string arn) =>
        arn.Split(':') is [ "arn", _, "elasticloadbalancing", { Length: > 0 } region, _, ..] ? region : null;
}

/// <summary>Options under <c>Auth:Proxy</c>: identity headers from a reverse proxy such as oauth2-proxy.</summary>
public sealed class ProxyAuthOptions
{
    public bool Enabled { get; set; }

    /// <summary>IP addresses or CIDR ranges the proxy connects from; headers from anywhere else are ignored.</summary>
    public List<string> TrustedAddresses { get; set; } = [];

    public string EmailHeader { get; set; } = "X-Forwarded-Email";

    public string UserHeader { get; set; } = "X-Forwarded-User";

    /// <summary>Display name; falls back to <see cref="UserHeader"/>, then the email.</summary>
    public string NameHeader { get; set; } = "X-Forwarded-Preferred-Username";

    /// <summary>Comma- or space-separated groups.</summary>
    public string GroupsHeader { get; set; } = "X-Forwarded-Groups";

    public IReadOnlyList<IPNetwork> TrustedNetworks() =>
        [.. TrustedAddresses.Select(a => AuthOptionsValidator.TryParseNetwork(a, out var network) ? network : (IPNetwork?)null).OfType<IPNetwork>()];
}

/// <summary>Options under <c>Auth:LocalAccounts</c>.</summary>
public sealed class LocalAccountOptions
{
    /// <summary>Email and password sign-in; may be turned off only while single sign-on is on. Tokens work either way.</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>One grant of a group mapping: a portal role or membership of a team.</summary>
public sealed record GroupGrant(string Kind, string Value)
{
    public const string Role = "role";
    public const string Team = "team";

    /// <summary>Parses <c>role:PlatformEngineer, team:payments</c>; null and an error for anything else.</summary>
    public static IReadOnlyList<GroupGrant>? ParseList(string text, out string? error)
    {
        error = null;
        var grants = new List<GroupGrant>();
        foreach (var part in text.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (kind, value) = part.IndexOf(':', StringComparison.Ordinal) is var colon and > 0
                ? (part[..colon].Trim().ToLowerInvariant(), part[(colon + 1)..].Trim())
                : ("", part);
            if (kind == Role && PortalRoles.Normalize(value) is { } role)
            {
                grants.Add(new GroupGrant(Role, role));
            }
            else if (kind == Team && Regex.IsMatch(value, global::Portal.Data.Entities.Team.SlugPattern))
            {
                grants.Add(new GroupGrant(Team, value));
            }
            else
            {
                error = $"'{part}' is not a grant: use 'role:<{string.Join("|", PortalRoles.All)}>' or 'team:<team slug>', separated by commas.";
                return null;
            }
        }

        if (grants.Count == 0)
        {
            error = "no grants: use 'role:<role>' or 'team:<team slug>', separated by commas.";
            return null;
        }

        return grants;
    }
}

/// <summary>Cross-field checks; every message names the configuration key.</summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    private static readonly Regex RegionPattern = new("^[a-z]{2}(-[a-z]+)+-\\d$", RegexOptions.CultureInvariant);

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        var alb = options.Alb;
        if (alb.Enabled)
        {
            if (AlbAuthOptions.ArnRegion(alb.SignerArn) is null)
            {
                failures.Add($"Auth:Alb:SignerArn must be the load balancer's ARN (arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>) when Auth:Alb:Enabled is true (got '{alb.SignerArn}').");
            }

            if (alb.PublicKeyEndpoint is { Length: > 0 } endpoint)
            {
                if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
                {
                    failures.Add($"Auth:Alb:PublicKeyEndpoint must be an absolute http(s) URL (got '{endpoint}').");
                }
            }
            else if (alb.EffectiveRegion is not { } region || !RegionPattern.IsMatch(region))
            {
                failures.Add($"Auth:Alb:Region must be an AWS region such as us-east-1 (got '{alb.EffectiveRegion}').");
            }

            if (string.IsNullOrWhiteSpace(alb.EmailClaim) || string.IsNullOrWhiteSpace(alb.GroupsClaim))
            {
                failures.Add("Auth:Alb:EmailClaim and Auth:Alb:GroupsClaim must not be empty.");
            }

            if (alb.ClockSkew < TimeSpan.Zero || alb.ClockSkew > TimeSpan.FromMinutes(5))
            {
                failures.Add($"Auth:Alb:ClockSkew must be between 00:00:00 and 00:05:00 (got {alb.ClockSkew}).");
            }
        }

        var proxy = options.Proxy;
        if (proxy.Enabled)
        {
            if (proxy.TrustedAddresses.Count == 0)
            {
                failures.Add("Auth:Proxy:TrustedAddresses must list the proxy's IP addresses or CIDR ranges when Auth:Proxy:Enabled is true.");
            }

            for (var i = 0; i < proxy.TrustedAddresses.Count; i++)
            {
                if (!TryParseNetwork(proxy.TrustedAddresses[i], out _))
                {
                    failures.Add($"Auth:Proxy:TrustedAddresses:{i} '{proxy.TrustedAddresses[i]}' is not an IP address or CIDR range (e.g. 10.0.0.0/16).");
                }
            }

            if (string.IsNullOrWhiteSpace(proxy.EmailHeader))
            {
                failures.Add("Auth:Proxy:EmailHeader must not be empty.");
            }
        }

        if (!options.LocalAccounts.Enabled && !options.SingleSignOnEnabled)
        {
            failures.Add("Auth:LocalAccounts:Enabled can be false only when single sign-on is on (Auth:Alb:Enabled or Auth:Proxy:Enabled); otherwise nobody could sign in.");
        }

        foreach (var (group, grants) in options.GroupMappings)
        {
            if (GroupGrant.ParseList(grants ?? "", out var error) is null)
            {
                failures.Add($"Auth:GroupMappings:{group}: {error}");
            }
        }

        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }

    /// <summary>An address (a /32 or /128) or a CIDR range.</summary>
    internal static bool TryParseNetwork(string text, out IPNetwork network)
    {
        text = text.Trim();
        if (IPAddress.TryParse(text, out var address) && !text.Contains('/', StringComparison.Ordinal))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return IPNetwork.TryParse(text, out network);
    }
}
