using Amazon.Runtime;

namespace Portal.Provisioning.Aws.Credentials;

/// <summary>Credentials to sign a request made on behalf of an account (assuming its role when it has one).</summary>
public interface IAwsCredentialsProvider
{
    Task<ImmutableCredentials> GetCredentialsAsync(AwsAccountContext account, CancellationToken cancellationToken);
}

/// <summary>Portal's own identity, before any role is assumed.</summary>
public interface IPortalCredentialsSource
{
    Task<ImmutableCredentials> GetCredentialsAsync(CancellationToken cancellationToken);
}

/// <summary>Exchanges Portal's credentials for a role session in another account (STS AssumeRole).</summary>
public interface IRoleAssumer
{
    Task<AssumedRoleCredentials> AssumeRoleAsync(AwsAccountContext account, ImmutableCredentials sourceCredentials, CancellationToken cancellationToken);
}

public sealed record AssumedRoleCredentials(ImmutableCredentials Credentials, DateTimeOffset Expiration);
