using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Portal.Provisioning.Aws;

/// <summary>
/// Idempotency tokens for mutating CloudFormation calls: deterministic per (operation, request), so a job that
/// retries a step sends the same token and CloudFormation recognises the repeat. Format <c>[a-zA-Z0-9][-a-zA-Z0-9]*</c>, at most 128.
/// </summary>
public static partial class ClientRequestTokens
{
    public const int MaxLength = 128;

    /// <summary>E.g. <c>portal-CreateStack-3f2504e04f8911d39a0c0305e82c3301</c>; same inputs, same token.</summary>
    public static string For(string operation, Guid requestId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operation);
        var op = NotAllowed().Replace(operation, "-").Trim('-');
        if (op.Length == 0)
        {
            // Nothing usable in the name: keep it deterministic with a hash of it.
            op = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(operation)))[..12];
        }

        var suffix = "-" + requestId.ToString("N");
        var prefix = "portal-" + op;
        var maxPrefix = MaxLength - suffix.Length;
        return (prefix.Length > maxPrefix ? prefix[..maxPrefix].TrimEnd('-') : prefix) + suffix;
    }

    /// <summary>Refuses a malformed token before it reaches AWS, where it would fail as a ValidationError.</summary>
    public static void ThrowIfInvalid(string? token, string parameterName)
    {
        if (token is not null && !IsValid(token))
        {
            throw new ArgumentException(
                $"'{token}' is not a valid client request token: 1-{MaxLength} characters matching [a-zA-Z0-9][-a-zA-Z0-9]*.", parameterName);
        }
    }

    public static bool IsValid(string? token) => token is { Length: > 0 and <= MaxLength } && Pattern().IsMatch(token);

    [GeneratedRegex("[^-a-zA-Z0-9]+")]
    private static partial Regex NotAllowed();

    [GeneratedRegex("^[a-zA-Z0-9][-a-zA-Z0-9]*$")]
    private static partial Regex Pattern();
}
