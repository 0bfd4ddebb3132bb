using System.Text.RegularExpressions;
using Amazon;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Microsoft.Extensions.Options;

namespace Portal.Provisioning.Aws.Credentials;

/// <summary>STS AssumeRole through AWSSDK.SecurityToken, on an HttpClient from IHttpClientFactory.</summary>
internal sealed partial class StsRoleAssumer(IOptions<AwsOptions> options, IHttpClientFactory httpClientFactory) : IRoleAssumer
{
    public const string HttpClientName = AwsHttpClientNames.Sts;

    public async Task<AssumedRoleCredentials> AssumeRoleAsync(
        AwsAccountContext account, ImmutableCredentials sourceCredentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(sourceCredentials);
        var settings = options.Value;
        var config = new AmazonSecurityTokenServiceConfig
        {
            RegionEndpoint = RegionEndpoint.GetBySystemName(settings.DefaultRegion),
            HttpClientFactory = new SdkHttpClientFactory(httpClientFactory),
        };
        if (!string.IsNullOrWhiteSpace(settings.ServiceUrls.Sts))
        {
            config.ServiceURL = settings.ServiceUrls.Sts;
            config.AuthenticationRegion = settings.DefaultRegion;
        }

        AWSCredentials credentials = sourceCredentials.UseToken
            ? new SessionAWSCredentials(sourceCredentials.AccessKey, sourceCredentials.SecretKey, sourceCredentials.Token)
            : new BasicAWSCredentials(sourceCredentials.AccessKey, sourceCredentials.SecretKey);

        using var client = new AmazonSecurityTokenServiceClient(credentials, config);
        var response = await client.AssumeRoleAsync(
            new AssumeRoleRequest
            {
                RoleArn = account.RoleToAssume,
                RoleSessionName = SessionName(account),
                ExternalId = account.ExternalId,
                DurationSeconds = (int)settings.AssumeRoleSessionDuration.TotalSeconds,
            },
            cancellationToken).ConfigureAwait(false);

        var issued = response.Credentials ?? throw new InvalidOperationException($"STS AssumeRole for {account.RoleToAssume} returned no credentials.");
        var expiration = issued.Expiration is { } expires
            ? new DateTimeOffset(expires.Kind == DateTimeKind.Local ? expires.ToUniversalTime() : DateTime.SpecifyKind(expires, DateTimeKind.Utc))
            : throw new InvalidOperationException($"STS AssumeRole for {account.RoleToAssume} returned credentials without an expiration.");
        return new AssumedRoleCredentials(new ImmutableCredentials(issued.AccessKeyId, issued.SecretAccessKey, issued.SessionToken), expiration);
    }

    /// <summary>Session names show up in CloudTrail: say it is Portal, and for which account (2-64 chars of [\w+=,.@-]).</summary>
    internal static string SessionName(AwsAccountContext account)
    {
        var name = "portal-" + InvalidSessionChars().Replace(account.AccountId, "-");
        return name.Length > 64 ? name[..64] : name;
    }

    [GeneratedRegex(@"[^\w+=,.@-]")]
    private static partial Regex InvalidSessionChars();

    private sealed class SdkHttpClientFactory(IHttpClientFactory factory) : HttpClientFactory
    {
        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => factory.CreateClient(HttpClientName);

        public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

        public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => true;
    }
}
