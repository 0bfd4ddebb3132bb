using Microsoft.Extensions.Options;

namespace Portal.Provisioning.Aws;

/// <summary>Looks up the configured accounts: by id, and which serve a tier in a region.</summary>
public sealed class AwsAccountDirectory(IOptions<AwsOptions> options)
{
    private readonly AwsOptions _options = options.Value;

    public IReadOnlyList<AwsAccountOptions> Accounts => _options.Accounts;

    public AwsAccountOptions? Find(string accountId) =>
        _options.Accounts.FirstOrDefault(a => a.Id == accountId);

    public AwsAccountOptions Get(string accountId) =>
        Find(accountId) ?? throw new KeyNotFoundException($"AWS account {accountId} is not configured under {AwsOptions.SectionName}:Accounts.");

    public IReadOnlyList<AwsAccountOptions> ForTier(string tier) =>
        [.. _options.Accounts.Where(a => a.Tiers.Contains(tier, StringComparer.OrdinalIgnoreCase))];

    /// <summary>Regions the account may deploy to; the default region when none are listed.</summary>
    public IReadOnlyList<string> RegionsOf(AwsAccountOptions account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.AllowedRegions.Count > 0 ? account.AllowedRegions : [_options.DefaultRegion];
    }

    public bool IsRegionAllowed(AwsAccountOptions account, string region) =>
        RegionsOf(account).Contains(region, StringComparer.Ordinal);

    public AwsAccountContext ContextFor(string accountId) => AwsAccountContext.FromOptions(Get(accountId));
}
