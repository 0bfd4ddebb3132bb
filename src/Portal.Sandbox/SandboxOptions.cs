using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Aws.Credentials;

namespace Portal.Sandbox;

/// <summary>The <c>Sandbox</c> configuration section: speed of simulated time, where state lives, injected faults.</summary>
public sealed class SandboxOptions
{
    public const string SectionName = "Sandbox";

    /// <summary>The portal's built-in sandbox key (<see cref="AwsSandboxCredentials"/>); its signatures are verified.</summary>
    public const string DefaultAccessKeyId = AwsSandboxCredentials.AccessKeyId;

    public const string DefaultSecretAccessKey = AwsSandboxCredentials.SecretAccessKey;

    /// <summary>How many times faster than AWS resources are created (30 makes a 10-minute RDS instance take 20 s).</summary>
    [Range(0.001, 1_000_000)]
    public double Speed { get; set; } = 30;

    /// <summary>Directory for persisted state (one JSON file per stack, written atomically); empty keeps state in memory only.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>The account every request acts in, unless its access key is listed in <see cref="AccessKeyAccounts"/>.</summary>
    [RegularExpression("^[0-9]{12}$")]
    public string AccountId { get; set; } = "123456789012";

    /// <summary>Access key id → account id, for several sandbox accounts.</summary>
    public Dictionary<string, string> AccessKeyAccounts { get; set; } = [];

    /// <summary>Access key id → secret: only these keys act (their signatures verified); any other key is refused as AWS refuses an unknown one.</summary>
    public Dictionary<string, string> Credentials { get; set; } = new() { [DefaultAccessKeyId] = DefaultSecretAccessKey };

    /// <summary>Untagged spend billed per account per day (a deterministic amount up to this figure), like the stray costs of a real account.</summary>
    [Range(0, 10_000)]
    public decimal UntaggedDailyUsd { get; set; } = 1.50m;

    /// <summary>
    /// How many months before the first day of the current month a Cost Explorer start may reach: 14 by default (AWS keeps
    /// 13 months of history besides the current one, and speaks of "the past 14 months"; the portal's 395-day backfill fits
    /// on every day of the year), 38 once multi-year data is enabled. Older starts are refused with a ValidationException.
    /// </summary>
    [Range(1, 38)]
    public int CostExplorerHistoryMonths { get; set; } = 14;

    /// <summary>Groups per GetCostAndUsage page (AWS pages after about 1,000 groups).</summary>
    [Range(1, 10_000)]
    public int CostExplorerPageSize { get; set; } = 1000;

    /// <summary>Whether user-defined cost allocation tags start Active (AWS starts them Inactive; inactive tags group as untagged).</summary>
    public bool CostAllocationTagsActiveByDefault { get; set; }

    public SandboxFaultOptions Faults { get; set; } = new();

    /// <summary><c>Sandbox:Limits</c>: the account quotas the sandbox enforces as AWS does (AWS's defaults).</summary>
    public SandboxLimitOptions Limits { get; set; } = new();
}

/// <summary>
/// <c>Sandbox:Limits</c>: quotas per account and region, AWS's defaults. CreateStack (and a CREATE change set) beyond
/// <see cref="StackLimit"/> is a <c>LimitExceededException</c>; a VPC, Elastic IP or NAT gateway beyond its quota fails to
/// create with EC2's message and the stack rolls back, as in AWS.
/// </summary>
public sealed class SandboxLimitOptions
{
    /// <summary>Stacks per account and region (CloudFormation's StackLimit; deleted stacks do not count).</summary>
    [Range(1, 1_000_000)]
    public int StackLimit { get; set; } = 2000;

    /// <summary>VPCs per region (Amazon VPC's "VPCs per Region").</summary>
    [Range(0, 100_000)]
    public int VpcsPerRegion { get; set; } = 5;

    /// <summary>Elastic IP addresses per region (EC2's "EC2-VPC Elastic IPs").</summary>
    [Range(0, 100_000)]
    public int ElasticIpsPerRegion { get; set; } = 5;

    /// <summary>NAT gateways per Availability Zone.</summary>
    [Range(0, 100_000)]
    public int NatGatewaysPerAz { get; set; } = 5;
}

/// <summary><c>Sandbox:Faults</c>: failures, throttling and latency injected into the sandbox (changeable at runtime with <see cref="ISandboxFaults"/>).</summary>
public sealed class SandboxFaultOptions
{
    /// <summary>
    /// Resources that fail when created or updated: <c>Sandbox:Faults:Failures:N:ResourceType</c> (e.g. AWS::RDS::DBInstance) or
    /// <c>...:LogicalId</c>, with <c>...:Reason</c> (the event's ResourceStatusReason). A list because type names contain colons.
    /// </summary>
    public List<SandboxFailureOptions> Failures { get; set; } = [];

    /// <summary>Fraction (0 to 1) of API calls answered with a throttling error.</summary>
    [Range(0, 1)]
    public double ThrottleFraction { get; set; }

    /// <summary>Added to every API call.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan Latency { get; set; }

    /// <summary>UpdateCostAllocationTagsStatus answers AccessDeniedException (the caller may not activate tags).</summary>
    public bool DenyCostAllocationTagUpdates { get; set; }
}

/// <summary>One configured failure: a resource type or a logical id, and the reason reported.</summary>
public sealed class SandboxFailureOptions
{
    public string? ResourceType { get; set; }

    public string? LogicalId { get; set; }

    /// <summary>The ResourceStatusReason reported; empty uses a typical AWS message for the type.</summary>
    public string Reason { get; set; } = "";
}

/// <summary>Cross-field checks; messages name the configuration key.</summary>
public sealed class SandboxOptionsValidator : IValidateOptions<SandboxOptions>
{
    public ValidateOptionsResult Validate(string? name, SandboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (key, account) in options.AccessKeyAccounts)
        {
            if (account.Length != 12 || !account.All(char.IsAsciiDigit))
            {
                failures.Add($"{SandboxOptions.SectionName}:AccessKeyAccounts:{key} must be a 12-digit account id (got '{account}').");
            }
        }

        if (options.Credentials.Count == 0)
        {
            failures.Add($"{SandboxOptions.SectionName}:Credentials needs at least one access key and secret; the sandbox acts only on configured keys.");
        }

        for (var i = 0; i < options.Faults.Failures.Count; i++)
        {
            var failure = options.Faults.Failures[i];
            if (string.IsNullOrWhiteSpace(failure.ResourceType) == string.IsNullOrWhiteSpace(failure.LogicalId))
            {
                failures.Add($"{SandboxOptions.SectionName}:Faults:Failures:{i} needs exactly one of ResourceType and LogicalId.");
            }
        }

        var limits = options.Limits;
        if (limits.StackLimit < 1 || limits.VpcsPerRegion < 0 || limits.ElasticIpsPerRegion < 0 || limits.NatGatewaysPerAz < 0)
        {
            failures.Add($"{SandboxOptions.SectionName}:Limits: StackLimit must be at least 1 and VpcsPerRegion, ElasticIpsPerRegion and NatGatewaysPerAz at least 0.");
        }

        if (options.DataDirectory is { Length: > 0 } dir && dir.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            failures.Add($"{SandboxOptions.SectionName}:DataDirectory '{dir}' is not a valid path.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
