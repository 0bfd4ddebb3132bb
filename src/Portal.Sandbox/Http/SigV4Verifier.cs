using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;
using Amazon.Util;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Portal.Sandbox.Http;

/// <summary>
/// Checks a request's SigV4 Authorization header as AWS does: present (else 403 MissingAuthenticationToken), well formed
/// (else 403 IncompleteSignature), scoped to this service, made with a key of <c>Sandbox:Credentials</c> (else 403
/// InvalidClientTokenId, UnrecognizedClientException on JSON services), within 15 minutes of now (else 403 "Signature
/// expired", from which SDKs correct their clock), and its signature recomputed and compared.
/// </summary>
internal sealed partial class SigV4Verifier(IOptions<SandboxOptions> options, TimeProvider simulation)
{
    /// <summary>How far a request's signing time may be from now, either way (AWS: 15 minutes).</summary>
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(15);

    private const string InvalidToken = "The security token included in the request is invalid.";

    // Signatures are checked against the wall clock, as AWS does. The registered TimeProvider is the simulation's clock, which
    // tests freeze or shift to bill days that have not passed, and the portal in the same process signs with it: a signature
    // current for either clock is current. Outside tests both are the system clock, so this is AWS's rule exactly.
    private readonly TimeProvider _wallClock = TimeProvider.System;

    public CallerContext Verify(HttpRequest request, byte[] body, string service, bool json, string requestId)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(authorization))
        {
            throw json
                ? new SandboxApiException("MissingAuthenticationTokenException", "Missing Authentication Token", 403)
                : new SandboxApiException("MissingAuthenticationToken", "Request is missing Authentication Token", 403);
        }

        var match = Header().Match(authorization);
        if (!match.Success)
        {
            var missing = new List<string>();
            foreach (var part in new[] { "Credential", "SignedHeaders", "Signature" })
            {
                if (!authorization.Contains(part + "=", StringComparison.Ordinal))
                {
                    missing.Add($"Authorization header requires '{part}' parameter.");
                }
            }

            var detail = missing.Count > 0 ? string.Join(" ", missing) : "Authorization header is not a well-formed AWS4-HMAC-SHA256 signature.";
            throw Incomplete($"{detail} Authorization={authorization}");
        }

        var accessKey = match.Groups["key"].Value;
        var date = match.Groups["date"].Value;
        var region = match.Groups["region"].Value;
        var scopeService = match.Groups["service"].Value;
        var signedHeaders = match.Groups["headers"].Value;
        var signature = match.Groups["signature"].Value;

        var amzDate = request.Headers["X-Amz-Date"].ToString();
        if (string.IsNullOrEmpty(amzDate))
        {
            throw Incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }

        if (!DateTime.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var signedAt))
        {
            throw Incomplete($"Date must be in ISO-8601 'basic format'. Got '{amzDate}'.");
        }

        if (!amzDate.StartsWith(date, StringComparison.Ordinal))
        {
            throw Mismatch(json, $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{date}' != '{amzDate[..8]}', from '{amzDate}'.");
        }

        if (scopeService != service)
        {
            throw Mismatch(json, $"Credential should be scoped to correct service: '{service}'. ");
        }

        if (!signedHeaders.Split(';').Contains("host"))
        {
            throw Mismatch(json, "'Host' must be a 'SignedHeader' in the AWS Authorization.");
        }

        if (!options.Value.Credentials.TryGetValue(accessKey, out var secret))
        {
            // Only configured keys act: AWS knows every key it issued, and so does the sandbox.
            throw json ? new SandboxApiException("UnrecognizedClientException", InvalidToken, 403) : new SandboxApiException("InvalidClientTokenId", InvalidToken, 403);
        }

        var now = _wallClock.GetUtcNow().UtcDateTime;
        var simulated = simulation.GetUtcNow().UtcDateTime;
        if ((signedAt - simulated).Duration() <= MaxSkew)
        {
            now = simulated;
        }

        if (signedAt < now - MaxSkew)
        {
            throw Mismatch(json, $"Signature expired: {amzDate} is now earlier than {Basic(now - MaxSkew)} ({Basic(now)} - 15 min.)");
        }

        if (signedAt > now + MaxSkew)
        {
            throw Mismatch(json, $"Signature not yet current: {amzDate} is still later than {Basic(now + MaxSkew)} ({Basic(now)} + 15 min.)");
        }

        var canonical = CanonicalRequest(request, body, signedHeaders);
        var expected = AWS4Signer.ComputeSignature(new ImmutableCredentials(accessKey, secret, null), region, signedAt, service, signedHeaders, canonical).Signature;
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature)))
        {
            throw Mismatch(json, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        }

        var account = options.Value.AccessKeyAccounts.GetValueOrDefault(accessKey) ?? options.Value.AccountId;
        return new CallerContext(accessKey, account, region, requestId);
    }

    private static string CanonicalRequest(HttpRequest request, byte[] body, string signedHeaders)
    {
        var path = (request.PathBase + request.Path).ToUriComponent();
        var canonicalUri = string.IsNullOrEmpty(path) || path == "/"
            ? "/"
            : string.Join("/", path.Split('/').Select(s => AWSSDKUtils.UrlEncode(AWSSDKUtils.UrlEncode(Uri.UnescapeDataString(s), false), false)));
        var query = string.Join("&", request.Query
            .SelectMany(q => q.Value.Select(v => (Key: AWSSDKUtils.UrlEncode(q.Key, false), Value: AWSSDKUtils.UrlEncode(v ?? "", false))))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));
        var builder = new StringBuilder().Append(request.Method).Append('\n').Append(canonicalUri).Append('\n').Append(query).Append('\n');
        foreach (var name in signedHeaders.Split(';'))
        {
            var value = name == "host" ? request.Host.Value ?? "" : string.Join(",", request.Headers[name].Select(v => Collapse(v ?? "")));
            builder.Append(name).Append(':').Append(value).Append('\n');
        }

        var payloadHash = request.Headers["X-Amz-Content-Sha256"].ToString() is { Length: > 0 } given ? given : Convert.ToHexStringLower(SHA256.HashData(body));
        builder.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        return builder.ToString();
    }

    private static string Collapse(string value) => Spaces().Replace(value.Trim(), " ");

    private static string Basic(DateTime utc) => utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private static SandboxApiException Incomplete(string message) => new("IncompleteSignature", message, 403);

    private static SandboxApiException Mismatch(bool json, string message) =>
        new(json ? "InvalidSignatureException" : "SignatureDoesNotMatch", message, 403);

    [GeneratedRegex(@"^AWS4-HMAC-SHA256\s+Credential=(?<key>[A-Za-z0-9]+)/(?<date>\d{8})/(?<region>[a-z0-9-]+)/(?<service>[a-z0-9-]+)/aws4_request,\s*SignedHeaders=(?<headers>[a-z0-9-]+(;[a-z0-9-]+)*),\s*Signature=(?<signature>[0-9a-f]{64})$")]
    private static partial Regex Header();

    [GeneratedRegex(@"[ \t]+")]
    private static partial Regex Spaces();
}
