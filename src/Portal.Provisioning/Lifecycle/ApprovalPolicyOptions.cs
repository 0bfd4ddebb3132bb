using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Provisioning.Lifecycle;

/// <summary>Approval rules (configuration section <c>Policies</c>).</summary>
public sealed class ApprovalPolicyOptions
{
    public const string SectionName = "Policies";

    [Required]
    public DevPolicyOptions Dev { get; set; } = new();

    /// <summary>Live environments a team may hold per tier (<c>dev</c>, <c>staging</c>, <c>prod</c>).</summary>
    public Dictionary<string, int> Quotas { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["dev"] = 10,
        ["staging"] = 3,
        ["prod"] = 2,
    };

    public int QuotaFor(EnvironmentTier tier) => Quotas.TryGetValue(tier.Slug(), out var quota) ? quota : 0;
}

/// <summary>When a dev request is approved without a person (<c>Policies:Dev</c>); checked by the options validator.</summary>
public sealed class DevPolicyOptions
{
    public decimal AutoApproveMaxMonthlyUsd { get; set; } = 500m;

    public int MaxTtlDays { get; set; } = 14;
}

internal sealed class ApprovalPolicyOptionsValidator : IValidateOptions<ApprovalPolicyOptions>
{
    public ValidateOptionsResult Validate(string? name, ApprovalPolicyOptions options)
    {
        var failures = new List<string>();
        const string Prefix = ApprovalPolicyOptions.SectionName;
        if (options.Dev.AutoApproveMaxMonthlyUsd < 0)
        {
            failures.Add($"{Prefix}:Dev:AutoApproveMaxMonthlyUsd must be zero or more.");
        }

        if (options.Dev.MaxTtlDays < 1)
        {
            failures.Add($"{Prefix}:Dev:MaxTtlDays must be at least 1.");
        }

        foreach (var (tier, quota) in options.Quotas)
        {
            if (!EnvironmentTiers.TryParse(tier, out _))
            {
                failures.Add($"{Prefix}:Quotas:{tier} is not a tier; use dev, staging or prod.");
            }
            else if (quota < 0)
            {
                failures.Add($"{Prefix}:Quotas:{tier} must be zero or more.");
            }
        }

        foreach (var tier in Enum.GetValues<EnvironmentTier>().Where(t => !options.Quotas.ContainsKey(t.Slug())))
        {
            failures.Add($"{Prefix}:Quotas:{tier.Slug()} is missing.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
