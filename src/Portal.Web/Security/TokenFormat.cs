using System.Security.Cryptography;
using System.Text;
using Portal.Data.Entities;

namespace Portal.Web.Security;

/// <summary>The shape of personal access tokens: <c>portal_pat_</c> plus 43 URL-safe random characters (256 bits).</summary>
public static class TokenFormat
{
    public const string Prefix = "portal_pat_";

    private static readonly (TokenScopes Scope, string Name)[] Names = [(TokenScopes.Read, "read"), (TokenScopes.Write, "write"), (TokenScopes.Approve, "approve")];

    public static string NewSecret() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool LooksLikeToken(string value) =>
        value.StartsWith(Prefix, StringComparison.Ordinal) && value.Length is > 20 and < 200;

    /// <summary>SHA-256 is enough here: the secret has 256 bits of entropy, so there is nothing to brute-force.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>What is shown to tell tokens apart: the prefix and four characters of the secret.</summary>
    public static string DisplayPrefix(string secret) => secret[..(Prefix.Length + 4)];

    public static IEnumerable<string> ScopeNames(TokenScopes scopes) => Names.Where(n => scopes.HasFlag(n.Scope)).Select(n => n.Name);

    /// <summary>Parses <c>read,write</c>; returns null and an error message for unknown names.</summary>
    public static TokenScopes? ParseScopes(string? text, out string? error)
    {
        error = null;
        var scopes = TokenScopes.None;
        foreach (var part in (text ?? "").Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = Names.FirstOrDefault(n => string.Equals(n.Name, part, StringComparison.OrdinalIgnoreCase));
            if (match.Name is null)
            {
                error = $"Unknown scope '{part}'. Scopes are read, write and approve.";
                return null;
            }

            scopes |= match.Scope;
        }

        if (scopes == TokenScopes.None)
        {
            error = "Give at least one scope: read, write or approve.";
            return null;
        }

        return scopes;
    }
}
