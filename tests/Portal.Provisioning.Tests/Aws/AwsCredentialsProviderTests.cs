using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.Credentials;

namespace Portal.Provisioning.Tests.Aws;

public sealed class AwsCredentialsProviderTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly ManualTimeProvider _time = new(AwsTestHost.Start);
    private readonly FakeRoleAssumer _assumer;

    public AwsCredentialsProviderTests() => _assumer = new FakeRoleAssumer(_time);

    private AwsCredentialsProvider Provider(AwsMode mode = AwsMode.Aws, string? stsUrl = null) =>
        new(
            Options.Create(new AwsOptions { Mode = mode, ServiceUrls = new AwsServiceUrls { Sts = stsUrl } }),
            new FakePortalCredentials(),
            _assumer,
            _time,
            NullLogger<AwsCredentialsProvider>.Instance);

    [Fact]
    public async Task AccountWithoutRole_UsesPortalsOwnCredentials()
    {
        var credentials = await Provider().GetCredentialsAsync(AwsTestHost.NonProd, Ct);

        credentials.ShouldBe(FakePortalCredentials.Credentials);
        _assumer.Calls.ShouldBe(0);
    }

    [Fact]
    public async Task AssumedRole_IsCachedUntilFiveMinutesBeforeExpiry_ThenRefreshed()
    {
        var provider = Provider();

        var first = await provider.GetCredentialsAsync(AwsTestHost.Prod, Ct);
        _time.Advance(TimeSpan.FromMinutes(54) + TimeSpan.FromSeconds(59));
        var stillCached = await provider.GetCredentialsAsync(AwsTestHost.Prod, Ct);
        _time.Advance(TimeSpan.FromSeconds(1)); // now exactly expiry - 5 minutes
        var refreshed = await provider.GetCredentialsAsync(AwsTestHost.Prod, Ct);

        first.AccessKey.ShouldBe("ASIAROLE1");
        first.Token.ShouldBe("role-token-1");
        stillCached.ShouldBeSameAs(first);
        refreshed.AccessKey.ShouldBe("ASIAROLE2");
        _assumer.Calls.ShouldBe(2);
    }

    [Fact]
    public async Task ConcurrentCallers_ShareOneAssumeRole()
    {
        var provider = Provider();

        var all = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => provider.GetCredentialsAsync(AwsTestHost.Prod, Ct)));

        all.Select(c => c.AccessKey).Distinct().ShouldBe(["ASIAROLE1"]);
        _assumer.Calls.ShouldBe(1);
    }

    [Fact]
    public async Task FailedEarlyRefresh_KeepsTheStillValidSession()
    {
        var provider = Provider();
        var first = await provider.GetCredentialsAsync(AwsTestHost.Prod, Ct);
        _time.Advance(TimeSpan.FromMinutes(57));
        _assumer.FailWith = new InvalidOperationException("STS is down");

        var during = await provider.GetCredentialsAsync(AwsTestHost.Prod, Ct);

        during.ShouldBeSameAs(first);
        _time.Advance(TimeSpan.FromMinutes(3)); // expired now
        await Should.ThrowAsync<InvalidOperationException>(() => provider.GetCredentialsAsync(AwsTestHost.Prod, Ct));
    }

    [Fact]
    public async Task DifferentRoles_HaveSeparateSessions()
    {
        var provider = Provider();
        var other = AwsTestHost.Prod with { AccountId = "333333333333", RoleToAssume = "arn:aws:iam::333333333333:role/portal-deployer" };

        var a = await provider.GetCredentialsAsync(AwsTestHost.Prod, Ct);
        var b = await provider.GetCredentialsAsync(other, Ct);

        a.AccessKey.ShouldNotBe(b.AccessKey);
        _assumer.Calls.ShouldBe(2);
    }

    [Fact]
    public async Task Sandbox_WithoutAnStsEndpoint_DoesNotAssumeRoles()
    {
        var credentials = await Provider(AwsMode.Sandbox).GetCredentialsAsync(AwsTestHost.Prod, Ct);

        credentials.ShouldBe(FakePortalCredentials.Credentials);
        _assumer.Calls.ShouldBe(0);
    }

    [Fact]
    public async Task Sandbox_WithAnStsEndpoint_AssumesRoles()
    {
        await Provider(AwsMode.Sandbox, "http://localhost:4566").GetCredentialsAsync(AwsTestHost.Prod, Ct);

        _assumer.Calls.ShouldBe(1);
    }

    [Fact]
    public async Task RequestsForAnAccountWithARole_AreSignedWithTheAssumedCredentials()
    {
        using var host = new AwsTestHost();
        host.Handler.EnqueueFile(System.Net.HttpStatusCode.OK, "cloudformation/DeleteStack.xml");

        await host.CloudFormation("eu-west-1", AwsTestHost.Prod).DeleteStackAsync(new() { StackName = "env-x" }, Ct);

        var sent = host.Handler.Requests.Single();
        sent.Header("Authorization").ShouldStartWith("AWS4-HMAC-SHA256 Credential=ASIAROLE1/20260314/eu-west-1/cloudformation/aws4_request");
        sent.Header("X-Amz-Security-Token").ShouldBe("role-token-1");
        sent.Uri.Host.ShouldBe("cloudformation.eu-west-1.amazonaws.com");
    }

    [Fact]
    public void StsSessionName_NamesPortalAndTheAccount() =>
        StsRoleAssumer.SessionName(AwsTestHost.Prod).ShouldBe("portal-222222222222");
}
