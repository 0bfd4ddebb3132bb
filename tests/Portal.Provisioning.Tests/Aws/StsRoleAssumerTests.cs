using System.Net;
using Amazon.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.Credentials;

namespace Portal.Provisioning.Tests.Aws;

/// <summary>AWSSDK.SecurityToken's AssumeRole, sent through the IHttpClientFactory client (answered by the fake handler).</summary>
public sealed class StsRoleAssumerTests
{
    [Theory]
    [InlineData(null, "https://sts.eu-west-1.amazonaws.com/")]
    [InlineData("https://sts-sandbox.internal.example/", "https://sts-sandbox.internal.example/")]
    public async Task AssumeRole_SendsTheRoleSessionAndExternalId_AndReadsTheSession(string? stsUrl, string expectedUrl)
    {
        var handler = new FakeHttpHandler().EnqueueFile(HttpStatusCode.OK, "sts/AssumeRole.xml");
        var services = new ServiceCollection();
        services.AddHttpClient(StsRoleAssumer.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => handler);
        using var provider = services.BuildServiceProvider();
        var options = Options.Create(new AwsOptions
        {
            Mode = AwsMode.Aws,
            DefaultRegion = "eu-west-1",
            AssumeRoleSessionDuration = TimeSpan.FromMinutes(45),
            ServiceUrls = new AwsServiceUrls { Sts = stsUrl },
        });
        var assumer = new StsRoleAssumer(options, provider.GetRequiredService<IHttpClientFactory>());
        var account = AwsTestHost.Prod with { ExternalId = "portal-external-id" };

        var session = await assumer.AssumeRoleAsync(account, new ImmutableCredentials("AKIDPORTAL", "secret", null), CancellationToken.None);

        session.Credentials.AccessKey.ShouldBe("ASIAJEXAMPLEXEG2JICEA");
        session.Credentials.SecretKey.ShouldBe("9drTJvcXLB89EXAMPLELB8923FB892xMFI");
        session.Credentials.Token.ShouldStartWith("AQoXdzELDDY//////////wEaoAK1wvxJY12r2IrDFT2IvAzTCn3zHoZ7YNtpiQLF0MqZye");
        session.Expiration.ShouldBe(new DateTimeOffset(2026, 3, 14, 10, 26, 53, TimeSpan.Zero));

        var sent = handler.Requests.ShouldHaveSingleItem();
        sent.Uri.Host.ShouldBe(new Uri(expectedUrl).Host);
        sent.FormValue("Action").ShouldBe("AssumeRole");
        sent.FormValue("RoleArn").ShouldBe("arn:aws:iam::222222222222:role/portal-deployer");
        sent.FormValue("RoleSessionName").ShouldBe("portal-222222222222");
        sent.FormValue("ExternalId").ShouldBe("portal-external-id");
        sent.FormValue("DurationSeconds").ShouldBe("2700");
        sent.Header("Authorization").ShouldContain("Credential=AKIDPORTAL/");
        sent.Header("Authorization").ShouldContain("/eu-west-1/sts/aws4_request");
    }
}
