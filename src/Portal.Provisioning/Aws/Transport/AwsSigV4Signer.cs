using System.Globalization;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;
using Amazon.Util;

namespace Portal.Provisioning.Aws.Transport;

/// <summary>
/// AWS Signature Version 4 for a request Portal builds itself. The canonical request is assembled here;
/// the string to sign, key derivation and HMAC come from AWSSDK.Core's <see cref="AWS4Signer.ComputeSignature(ImmutableCredentials, string, DateTime, string, string, string)"/>.
/// </summary>
internal static class AwsSigV4Signer
{
    public const string DateHeader = "x-amz-date";
    public const string SecurityTokenHeader = "x-amz-security-token";
    private const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>Adds X-Amz-Date, X-Amz-Security-Token (when the credentials carry one), Host and Authorization to <paramref name="request"/>.</summary>
    public static void Sign(HttpRequestMessage request, byte[] body, ImmutableCredentials credentials, string region, string service, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(credentials);
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        var signedAt = now.UtcDateTime;
        var amzDate = signedAt.ToString(DateFormat, CultureInfo.InvariantCulture);

        // Re-signing a retried request: drop the previous attempt's signature headers first.
        request.Headers.Remove(DateHeader);
        request.Headers.Remove(SecurityTokenHeader);
        request.Headers.Authorization = null;

        request.Headers.Host = uri.Authority;
        request.Headers.TryAddWithoutValidation(DateHeader, amzDate);
        if (credentials.UseToken)
        {
            request.Headers.TryAddWithoutValidation(SecurityTokenHeader, credentials.Token);
        }

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var header in request.Headers)
        {
            headers.Add(new(header.Key, string.Join(",", header.Value)));
        }

        if (request.Content is not null)
        {
            foreach (var header in request.Content.Headers)
            {
                if (!header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    headers.Add(new(header.Key, string.Join(",", header.Value)));
                }
            }
        }

        var authorization = ComputeAuthorization(
            request.Method.Method, CanonicalUri(uri), [], headers, PayloadHash(body), credentials, region, service, signedAt);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
    }

    /// <summary>The Authorization header value for a canonical request built from these parts (the SigV4 test suite's inputs).</summary>
    public static string ComputeAuthorization(
        string method,
        string canonicalUri,
        IEnumerable<KeyValuePair<string, string>> queryParameters,
        IEnumerable<KeyValuePair<string, string>> headers,
        string payloadHash,
        ImmutableCredentials credentials,
        string region,
        string service,
        DateTime signedAtUtc)
    {
        var canonicalHeaders = headers
            .Where(h => !h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
                && !h.Key.Equals("User-Agent", StringComparison.OrdinalIgnoreCase))
            .GroupBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Value: string.Join(",", g.Select(h => CollapseWhitespace(h.Value)))))
            .OrderBy(h => h.Name, StringComparer.Ordinal)
            .ToList();
        var signedHeaders = string.Join(";", canonicalHeaders.Select(h => h.Name));

        var canonicalRequest = new StringBuilder()
            .Append(method).Append('\n')
            .Append(canonicalUri).Append('\n')
            .Append(CanonicalQuery(queryParameters)).Append('\n');
        foreach (var (name, value) in canonicalHeaders)
        {
            canonicalRequest.Append(name).Append(':').Append(value).Append('\n');
        }

        canonicalRequest.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);

        var result = AWS4Signer.ComputeSignature(credentials, region, signedAtUtc, service, signedHeaders, canonicalRequest.ToString());
        return result.ForAuthorizationHeader;
    }

    public static string PayloadHash(byte[] body) => AWSSDKUtils.ToHex(AWS4Signer.ComputeHash(body), true);

    /// <summary>RFC 3986 encoding, every byte outside the unreserved set percent-encoded (what SigV4 requires).</summary>
    public static string UriEncode(string value) => AWSSDKUtils.UrlEncode(value, false);

    private static string CanonicalUri(Uri uri)
    {
        var path = uri.AbsolutePath;
        if (string.IsNullOrEmpty(path) || path == "/")
        {
            return "/";
        }

        // Non-S3 services encode each path segment twice: once in the URI and once more in the canonical form.
        var segments = path.Split('/').Select(s => UriEncode(UriEncode(Uri.UnescapeDataString(s))));
        return string.Join("/", segments);
    }

    private static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> parameters) =>
        string.Join("&", parameters
            .Select(p => (Key: UriEncode(p.Key), Value: UriEncode(p.Value)))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={p.Value}"));

    private static string CollapseWhitespace(string value)
    {
        var builder = new StringBuilder(value.Length);
        var previousSpace = false;
        foreach (var c in value.Trim())
        {
            var isSpace = c is ' ' or '\t';
            if (!isSpace || !previousSpace)
            {
                builder.Append(isSpace ? ' ' : c);
            }

            previousSpace = isSpace;
        }

        return builder.ToString();
    }
}
