using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Portal.Web.Security;

/// <summary>Who single sign-on says the caller is: the claims the portal maps to a user, roles and teams.</summary>
public sealed record SsoIdentity(string Email, string DisplayName, IReadOnlyList<string> Groups, string Method);

/// <summary>
/// Validates the ALB's <c>x-amzn-oidc-data</c> JWT: ES256 over <c>header.payload</c> as sent (ALB's base64url may carry
/// <c>=</c> padding), the key from the ALB key endpoint by <c>kid</c>, <c>signer</c> = the configured ALB ARN, <c>exp</c>
/// not passed, and <c>iss</c> when configured.
/// </summary>
public sealed class AlbTokenValidator(AlbPublicKeys keys, IOptionsMonitor<AuthOptions> options, TimeProvider timeProvider)
{
    /// <summary>Far above a real token (a few hundred bytes of claims); keeps parsing cheap.</summary>
    private const int MaxLength = 16 * 1024;

    public async Task<(SsoIdentity? Identity, string? Error)> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var alb = options.CurrentValue.Alb;
        var parts = token.Trim().Split('.');
        if (token.Length > MaxLength || parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            return (null, "The ALB token is malformed.");
        }

        if (Decode(parts[0]) is not { } headerBytes || Decode(parts[1]) is not { } payloadBytes || Decode(parts[2]) is not { } signature)
        {
            return (null, "The ALB token is not base64url.");
        }

        try
        {
            using var header = JsonDocument.Parse(headerBytes);
            using var payload = JsonDocument.Parse(payloadBytes);
            if (header.RootElement.ValueKind != JsonValueKind.Object || payload.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, "The ALB token is malformed.");
            }

            if (Text(header.RootElement, "alg") != "ES256")
            {
                return (null, "The ALB token is not signed with ES256.");
            }

            if (!string.Equals(Text(header.RootElement, "signer"), alb.SignerArn, StringComparison.Ordinal))
            {
                return (null, "The ALB token was not signed by the configured load balancer.");
            }

            if (Text(header.RootElement, "kid") is not { } kid || await keys.GetAsync(kid, cancellationToken) is not { } key)
            {
                return (null, "The ALB token's signing key is unknown.");
            }

            var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
            if (signature.Length != 64 || !key.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            {
                return (null, "The ALB token's signature is not valid.");
            }

            // ALB puts exp in the header; the identity provider's claims may carry their own. Both must hold; one must exist.
            var expiries = new[] { Number(header.RootElement, "exp"), Number(payload.RootElement, "exp") }.OfType<long>().ToList();
            var now = timeProvider.GetUtcNow();
            if (expiries.Count == 0)
            {
                return (null, "The ALB token has no expiry.");
            }

            if (expiries.Any(e => DateTimeOffset.FromUnixTimeSeconds(e) + alb.ClockSkew <= now))
            {
                return (null, "The ALB token has expired.");
            }

            if (alb.Issuer is { Length: > 0 } issuer
                && !string.Equals(Text(header.RootElement, "iss") ?? Text(payload.RootElement, "iss"), issuer, StringComparison.Ordinal))
            {
                return (null, "The ALB token comes from another identity provider.");
            }

            var email = Text(payload.RootElement, alb.EmailClaim)?.Trim();
            if (string.IsNullOrEmpty(email) || !email.Contains('@', StringComparison.Ordinal) || email.Length > 256)
            {
                return (null, $"The ALB token carries no '{alb.EmailClaim}' claim with an email address.");
            }

            var name = Text(payload.RootElement, alb.NameClaim)?.Trim();
            return (new SsoIdentity(email, string.IsNullOrEmpty(name) ? email : name, Groups(payload.RootElement, alb.GroupsClaim), "alb"), null);
        }
        catch (JsonException)
        {
            return (null, "The ALB token is malformed.");
        }
    }

    /// <summary>A JSON array of strings, or one string of space- or comma-separated names.</summary>
    internal static IReadOnlyList<string> Groups(JsonElement claims, string claim) =>
        claims.TryGetProperty(claim, out var value) ? value.ValueKind switch
        {
            JsonValueKind.Array => [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!.Trim()).Where(g => g.Length > 0)],
            JsonValueKind.String => SplitGroups(value.GetString()),
            JsonValueKind.Undefined or JsonValueKind.Object or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => [],
            _ => [],
        } : [];

    internal static IReadOnlyList<string> SplitGroups(string? text) =>
        (text ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>base64url, with or without <c>=</c> padding (ALB pads).</summary>
    internal static byte[]? Decode(string segment)
    {
        var text = segment.TrimEnd('=').Replace('-', '+').Replace('_', '/');
        text += (text.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        var buffer = new byte[text.Length * 3 / 4];
        return text.Length % 4 != 1 && Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;
}
