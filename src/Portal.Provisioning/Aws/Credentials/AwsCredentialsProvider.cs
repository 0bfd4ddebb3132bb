using System.Collections.Concurrent;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Provisioning.Aws.Credentials;

/// <summary>
/// Portal's own credentials for accounts without a role; for the others, an assumed-role session cached per role
/// and refreshed <see cref="AwsOptions.CredentialRefreshMargin"/> before it expires (one refresh at a time per role).
/// </summary>
internal sealed partial class AwsCredentialsProvider(
    IOptions<AwsOptions> options,
    IPortalCredentialsSource portalCredentials,
    IRoleAssumer roleAssumer,
    TimeProvider timeProvider,
    ILogger<AwsCredentialsProvider> logger) : IAwsCredentialsProvider
{
    private readonly ConcurrentDictionary<string, RoleSession> _sessions = new(StringComparer.Ordinal);

    public async Task<ImmutableCredentials> GetCredentialsAsync(AwsAccountContext account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (account.RoleToAssume is null || !RolesAreAssumed())
        {
            return await portalCredentials.GetCredentialsAsync(cancellationToken).ConfigureAwait(false);
        }

        var session = _sessions.GetOrAdd($"{account.RoleToAssume}|{account.ExternalId}", _ => new RoleSession());
        var current = session.Current;
        if (current is not null && !NeedsRefresh(current))
        {
            return current.Credentials;
        }

        await session.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            current = session.Current;
            if (current is not null && !NeedsRefresh(current))
            {
                return current.Credentials;
            }

            try
            {
                var source = await portalCredentials.GetCredentialsAsync(cancellationToken).ConfigureAwait(false);
                var fresh = await roleAssumer.AssumeRoleAsync(account, source, cancellationToken).ConfigureAwait(false);
                session.Current = fresh;
                LogAssumedRole(account.RoleToAssume, fresh.Expiration);
                return fresh.Credentials;
            }
            catch (Exception ex) when (current is not null && timeProvider.GetUtcNow() < current.Expiration && ex is not OperationCanceledException)
            {
                // Early refresh failed but the old session is still valid: keep using it and try again next call.
                LogRefreshFailed(ex, account.RoleToAssume, current.Expiration);
                return current.Credentials;
            }
        }
        finally
        {
            session.Lock.Release();
        }
    }

    // In the sandbox, roles are only assumed when an STS endpoint is configured there.
    private bool RolesAreAssumed() =>
        options.Value.Mode == AwsMode.Aws || !string.IsNullOrWhiteSpace(options.Value.ServiceUrls.Sts);

    private bool NeedsRefresh(AssumedRoleCredentials credentials) =>
        timeProvider.GetUtcNow() >= credentials.Expiration - options.Value.CredentialRefreshMargin;

    [LoggerMessage(Level = LogLevel.Information, Message = "Assumed role {RoleArn}; session expires at {Expiration:O}")]
    private partial void LogAssumedRole(string roleArn, DateTimeOffset expiration);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing role {RoleArn} failed; using the current session until {Expiration:O}")]
    private partial void LogRefreshFailed(Exception exception, string roleArn, DateTimeOffset expiration);

    private sealed class RoleSession
    {
        private volatile AssumedRoleCredentials? _current;

        public SemaphoreSlim Lock { get; } = new(1, 1);

        // Read without the lock on the fast path; written only under it.
        public AssumedRoleCredentials? Current
        {
            get => _current;
            set => _current = value;
        }
    }
}
