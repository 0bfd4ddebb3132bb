using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Portal.Provisioning.Aws;

/// <summary>Cross-field checks on <see cref="AwsOptions"/>; every message names the configuration key at fault.</summary>
public sealed partial class AwsOptionsValidator : IValidateOptions<AwsOptions>
{
    private const string Section = AwsOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, AwsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();

        if (!AwsRegions.IsValid(options.DefaultRegion))
        {
            failures.Add($"{Section}:DefaultRegion '{options.DefaultRegion}' is not a valid AWS region name (e.g. us-east-1).");
        }

        ValidateServiceUrl(options.ServiceUrls.CloudFormation, "CloudFormation", options.Mode, requiredInSandbox: true, failures);
        ValidateServiceUrl(options.ServiceUrls.CostExplorer, "CostExplorer", options.Mode, requiredInSandbox: true, failures);
        ValidateServiceUrl(options.ServiceUrls.Sts, "Sts", options.Mode, requiredInSandbox: false, failures);

        if (options.Retry.MaxRetryAttempts is < 0 or > 10)
        {
            failures.Add($"{Section}:Retry:MaxRetryAttempts must be between 0 and 10 (got {options.Retry.MaxRetryAttempts}).");
        }

        if (options.Retry.BaseDelay < TimeSpan.Zero || options.Retry.BaseDelay > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{Section}:Retry:BaseDelay must be between 00:00:00 and 00:01:00 (got {options.Retry.BaseDelay}).");
        }

        if (options.Retry.MaxDelay > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{Section}:Retry:MaxDelay must be at most 00:05:00 (got {options.Retry.MaxDelay}).");
        }

        if (options.Retry.MaxDelay < options.Retry.BaseDelay)
        {
            failures.Add($"{Section}:Retry:MaxDelay must not be shorter than {Section}:Retry:BaseDelay.");
        }

        if (options.Accounts.Count == 0)
        {
            failures.Add($"{Section}:Accounts must list at least one account.");
        }

        var seenIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < options.Accounts.Count; i++)
        {
            ValidateAccount(options.Accounts[i], $"{Section}:Accounts:{i}", i, seenIds, failures);
        }

        foreach (var tier in AwsOptions.KnownTiers)
        {
            if (options.Accounts.Count > 0 && !options.Accounts.Any(a => a.Tiers.Contains(tier, StringComparer.OrdinalIgnoreCase)))
            {
                failures.Add($"{Section}:Accounts: no account serves tier '{tier}'; add it to some {Section}:Accounts:N:Tiers.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateServiceUrl(string? value, string service, AwsMode mode, bool requiredInSandbox, List<string> failures)
    {
        var key = $"{Section}:ServiceUrls:{service}";
        if (string.IsNullOrWhiteSpace(value))
        {
            if (requiredInSandbox && mode == AwsMode.Sandbox)
            {
                failures.Add($"{key} is required when {Section}:Mode is Sandbox.");
            }

            return;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"{key} '{value}' must be an absolute http(s) URL.");
        }
        else if (mode == AwsMode.Aws && uri.Scheme != Uri.UriSchemeHttps)
        {
            failures.Add($"{key} must use https when {Section}:Mode is Aws.");
        }
    }

    private static void ValidateAccount(AwsAccountOptions account, string key, int index, Dictionary<string, int> seenIds, List<string> failures)
    {
        var id = account.Id ?? "";
        if (!AccountIdPattern().IsMatch(id))
        {
            failures.Add($"{key}:Id must be 12 digits (got '{id}').");
        }
        else if (seenIds.TryGetValue(id, out var first))
        {
            failures.Add($"{key}:Id {id} duplicates {Section}:Accounts:{first}:Id.");
        }
        else
        {
            seenIds[id] = index;
        }

        if (string.IsNullOrWhiteSpace(account.Name))
        {
            failures.Add($"{key}:Name is required.");
        }

        if (account.Tiers.Count == 0)
        {
            failures.Add($"{key}:Tiers must list at least one of {string.Join(", ", AwsOptions.KnownTiers)}.");
        }

        for (var t = 0; t < account.Tiers.Count; t++)
        {
            if (!AwsOptions.KnownTiers.Contains(account.Tiers[t], StringComparer.OrdinalIgnoreCase))
            {
                failures.Add($"{key}:Tiers:{t} '{account.Tiers[t]}' is not a tier ({string.Join(", ", AwsOptions.KnownTiers)}).");
            }
        }

        for (var r = 0; r < account.AllowedRegions.Count; r++)
        {
            if (!AwsRegions.IsValid(account.AllowedRegions[r]))
            {
                failures.Add($"{key}:AllowedRegions:{r} '{account.AllowedRegions[r]}' is not a valid AWS region name.");
            }
        }

        ValidateRoleArn(account.RoleToAssume, $"{key}:RoleToAssume", account.Id, failures);
        ValidateRoleArn(account.CloudFormationServiceRole, $"{key}:CloudFormationServiceRole", account.Id, failures);

        if (account.ExternalId is { Length: > 0 } externalId && string.IsNullOrWhiteSpace(account.RoleToAssume))
        {
            failures.Add($"{key}:ExternalId '{externalId}' is set but {key}:RoleToAssume is not.");
        }

        foreach (var (region, cidr) in account.CidrPools)
        {
            var poolKey = $"{key}:CidrPools:{region}";
            if (!AwsRegions.IsValid(region))
            {
                failures.Add($"{poolKey}: '{region}' is not a valid AWS region name.");
            }
            else if (account.AllowedRegions.Count > 0 && !account.AllowedRegions.Contains(region, StringComparer.Ordinal))
            {
                failures.Add($"{poolKey}: region '{region}' is not in {key}:AllowedRegions.");
            }

            if (!IPNetwork.TryParse(cidr, out var network) || network.BaseAddress.AddressFamily != AddressFamily.InterNetwork || HasHostBits(cidr, network))
            {
                failures.Add($"{poolKey} '{cidr}' is not an IPv4 CIDR block with no host bits set (e.g. 10.0.0.0/12).");
            }
            else if (network.PrefixLength is < 8 or > 16)
            {
                failures.Add($"{poolKey} '{cidr}' must be between /8 and /16 (got /{network.PrefixLength}).");
            }
        }
    }

    // A pool written with host bits set (10.64.1.0/12) is almost always a typo for a different block.
    private static bool HasHostBits(string cidr, IPNetwork network)
    {
        var written = IPAddress.Parse(cidr[..cidr.IndexOf('/', StringComparison.Ordinal)]).GetAddressBytes();
        var value = (uint)(written[0] << 24 | written[1] << 16 | written[2] << 8 | written[3]);
        var hostMask = network.PrefixLength == 0 ? uint.MaxValue : (1u << (32 - network.PrefixLength)) - 1;
        return (value & hostMask) != 0;
    }

    private static void ValidateRoleArn(string? arn, string key, string? accountId, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(arn))
        {
            return;
        }

        var match = RoleArnPattern().Match(arn);
        if (!match.Success)
        {
            failures.Add($"{key} '{arn}' is not an IAM role ARN (arn:aws:iam::123456789012:role/name).");
        }
        else if (match.Groups["account"].Value != accountId && AccountIdPattern().IsMatch(accountId ?? ""))
        {
            failures.Add($"{key} '{arn}' is a role in account {match.Groups["account"].Value}, not {accountId}.");
        }
    }

    [GeneratedRegex(@"^\d{12}$")]
    private static partial Regex AccountIdPattern();

    [GeneratedRegex(@"^arn:aws(-[a-z]+)*:iam::(?<account>\d{12}):role/[\w+=,.@/-]{1,512}$")]
    private static partial Regex RoleArnPattern();
}

/// <summary>AWS region name syntax (us-east-1, eu-central-2, us-gov-west-1, cn-north-1).</summary>
public static partial class AwsRegions
{
    public static bool IsValid(string? region) => region is not null && RegionPattern().IsMatch(region);

    [GeneratedRegex(@"^[a-z]{2}(-gov|-iso[a-z]?)?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-\d{1,2}$")]
    private static partial Regex RegionPattern();
}
