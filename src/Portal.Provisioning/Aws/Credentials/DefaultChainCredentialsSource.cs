using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Portal.Provisioning.Aws.Credentials;

/// <summary>
/// AWSSDK.Core's default credential chain (environment, web identity, profile, container, EC2 instance metadata)
/// via <see cref="DefaultAWSCredentialsIdentityResolver"/>. The SDK object refreshes expiring credentials itself.
/// </summary>
internal sealed class DefaultChainCredentialsSource : IPortalCredentialsSource
{
    private readonly SemaphoreSlim _resolveLock = new(1, 1);
    private AWSCredentials? _credentials;

    public async Task<ImmutableCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
    {
        var credentials = _credentials ?? await ResolveAsync(cancellationToken).ConfigureAwait(false);
        return await credentials.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<AWSCredentials> ResolveAsync(CancellationToken cancellationToken)
    {
        await _resolveLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _credentials ??= await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync(null)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _resolveLock.Release();
        }
    }
}

/// <summary>Fixed credentials for the sandbox, which checks signatures' shape but not their secret.</summary>
internal sealed class SandboxCredentialsSource : IPortalCredentialsSource
{
    private static readonly ImmutableCredentials Credentials = new(AwsSandboxCredentials.AccessKeyId, AwsSandboxCredentials.SecretAccessKey, null);

    public Task<ImmutableCredentials> GetCredentialsAsync(CancellationToken cancellationToken) => Task.FromResult(Credentials);
}
