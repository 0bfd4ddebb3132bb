using System.ComponentModel.DataAnnotations;

namespace Portal.Provisioning.Aws;

/// <summary>Where Portal's AWS calls go: the real AWS endpoints or a sandbox that speaks the same protocols.</summary>
public enum AwsMode
{
    Sandbox,
    Aws,
}

/// <summary>The <c>Aws</c> configuration section: mode, endpoints, retry policy and the accounts Portal deploys into.</summary>
public sealed class AwsOptions
{
    public const string SectionName = "Aws";

    /// <summary>The tiers every deployment of Portal must be able to serve.</summary>
    public static readonly IReadOnlyList<string> KnownTiers = ["dev", "staging", "prod"];

    public AwsMode Mode { get; set; } = AwsMode.Sandbox;

    [Required]
    public string DefaultRegion { get; set; } = "us-east-1";

    public AwsServiceUrls ServiceUrls { get; set; } = new();

    public AwsRetryOptions Retry { get; set; } = new();

    /// <summary>How long an assumed-role session lasts (STS DurationSeconds, 900 to 43200).</summary>
    [Range(typeof(TimeSpan), "00:15:00", "12:00:00")]
    public TimeSpan AssumeRoleSessionDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Assumed-role credentials are refreshed this long before they expire.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:14:00")]
    public TimeSpan CredentialRefreshMargin { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Timeout of one HTTP attempt against an AWS endpoint.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public List<AwsAccountOptions> Accounts { get; set; } = [];
}

/// <summary>Endpoint overrides (sandbox, LocalStack, VPC endpoints). Unset means AWS's public regional endpoint.</summary>
public sealed class AwsServiceUrls
{
    public string? CloudFormation { get; set; }

    public string? CostExplorer { get; set; }

    public string? Sts { get; set; }
}

/// <summary>Exponential backoff with jitter for throttling and 5xx responses.</summary>
public sealed class AwsRetryOptions
{
    /// <summary>Retries after the first attempt (0 to 10).</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>First backoff delay (up to 1 minute); doubles per retry, with jitter.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Cap on any one backoff delay (up to 5 minutes).</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(20);
}

/// <summary>One AWS account Portal deploys into (<c>Aws:Accounts:N</c>).</summary>
public sealed class AwsAccountOptions
{
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary>Tiers this account serves: dev, staging, prod.</summary>
    public List<string> Tiers { get; set; } = [];

    /// <summary>Regions stacks may be created in; empty means only <see cref="AwsOptions.DefaultRegion"/>.</summary>
    public List<string> AllowedRegions { get; set; } = [];

    /// <summary>Role Portal assumes to act in this account; unset means Portal's own credentials are used directly.</summary>
    public string? RoleToAssume { get; set; }

    /// <summary>Optional STS ExternalId for <see cref="RoleToAssume"/>.</summary>
    public string? ExternalId { get; set; }

    /// <summary>Service role CloudFormation uses for stack operations (passed as RoleARN).</summary>
    public string? CloudFormationServiceRole { get; set; }

    /// <summary>Per region, the IPv4 pool (/8 to /16) environments' VPC CIDRs are carved from.</summary>
    public Dictionary<string, string> CidrPools { get; set; } = [];
}
