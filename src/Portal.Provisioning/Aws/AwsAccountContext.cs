namespace Portal.Provisioning.Aws;

/// <summary>The account a client acts in and how to get credentials for it.</summary>
public sealed record AwsAccountContext(
    string AccountId,
    string Name,
    string? RoleToAssume = null,
    string? CloudFormationServiceRole = null,
    string? ExternalId = null)
{
    /// <summary>Portal's own identity (the default credential chain, no role assumed).</summary>
    public static AwsAccountContext Portal { get; } = new("self", "Portal");

    public static AwsAccountContext FromOptions(AwsAccountOptions account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return new(
            account.Id,
            account.Name,
            NullIfBlank(account.RoleToAssume),
            NullIfBlank(account.CloudFormationServiceRole),
            NullIfBlank(account.ExternalId));
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
