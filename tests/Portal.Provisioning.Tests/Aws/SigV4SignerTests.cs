using System.Net.Http.Headers;
using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Amazon.Util;
using Portal.Provisioning.Aws.Transport;

namespace Portal.Provisioning.Tests.Aws;

// Vectors from AWS's published SigV4 test suite (aws-sig-v4-test-suite) and the IAM example in the SigV4 docs.
public sealed class SigV4SignerTests
{
    private static readonly ImmutableCredentials Example = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
    private static readonly DateTime SignedAt = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public void GetVanilla_MatchesTheTestSuiteSignature()
    {
        var authorization = AwsSigV4Signer.ComputeAuthorization(
            "GET", "/", [],
            [new("Host", "example.amazonaws.com"), new("X-Amz-Date", "20150830T123600Z")],
            EmptyHash, Example, "us-east-1", "service", SignedAt);

        authorization.ShouldBe(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, " +
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    }

    [Fact]
    public void PostXWwwFormUrlencoded_MatchesTheTestSuiteSignature()
    {
        var authorization = AwsSigV4Signer.ComputeAuthorization(
            "POST", "/", [],
            [new("Content-Type", "application/x-www-form-urlencoded"), new("Host", "example.amazonaws.com"), new("X-Amz-Date", "20150830T123600Z")],
            AwsSigV4Signer.PayloadHash(Encoding.UTF8.GetBytes("Param1=value1")), Example, "us-east-1", "service", SignedAt);

        authorization.ShouldEndWith(
            "SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
    }

    [Fact]
    public void IamListUsersExample_WithQueryString_MatchesTheDocumentedSignature()
    {
        var authorization = AwsSigV4Signer.ComputeAuthorization(
            "GET", "/", [new("Version", "2010-05-08"), new("Action", "ListUsers")],
            [new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), new("Host", "iam.amazonaws.com"), new("X-Amz-Date", "20150830T123600Z")],
            EmptyHash, Example, "us-east-1", "iam", SignedAt);

        authorization.ShouldBe(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, " +
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    }

    [Fact]
    public void SigningKey_MatchesTheDocumentedDerivation() =>
        AWSSDKUtils.ToHex(AWS4Signer.ComposeSigningKey(Example.SecretKey, "us-east-1", "20150830", "iam"), true)
            .ShouldBe("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");

    [Fact]
    public void Sign_SessionCredentials_AddsAndSignsTheSecurityToken()
    {
        var body = Encoding.UTF8.GetBytes("Action=DescribeStacks&Version=2010-05-15");
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://cloudformation.eu-west-1.amazonaws.com/");
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded; charset=utf-8");
        var credentials = new ImmutableCredentials("ASIATEST", "secret", "session-token");

        AwsSigV4Signer.Sign(request, body, credentials, "eu-west-1", "cloudformation", new DateTimeOffset(SignedAt));

        request.Headers.GetValues("x-amz-date").Single().ShouldBe("20150830T123600Z");
        request.Headers.GetValues("x-amz-security-token").Single().ShouldBe("session-token");
        request.Headers.Host.ShouldBe("cloudformation.eu-west-1.amazonaws.com");
        var authorization = request.Headers.GetValues("Authorization").Single();
        authorization.ShouldStartWith("AWS4-HMAC-SHA256 Credential=ASIATEST/20150830/eu-west-1/cloudformation/aws4_request, ");
        authorization.ShouldContain("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, ");
    }

    [Fact]
    public void Sign_Twice_ReplacesThePreviousSignature()
    {
        var body = Encoding.UTF8.GetBytes("{}");
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://localhost:4566/");
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/x-amz-json-1.1");

        AwsSigV4Signer.Sign(request, body, Example, "us-east-1", "ce", new DateTimeOffset(SignedAt));
        AwsSigV4Signer.Sign(request, body, Example, "us-east-1", "ce", new DateTimeOffset(SignedAt.AddSeconds(5)));

        request.Headers.GetValues("x-amz-date").Single().ShouldBe("20150830T123605Z");
        request.Headers.GetValues("Authorization").Count().ShouldBe(1);
        request.Headers.Host.ShouldBe("localhost:4566");
    }

    [Theory]
    [InlineData("https://cloudformation.eu-west-1.amazonaws.com/", "eu-west-1", "cloudformation", "application/x-www-form-urlencoded; charset=utf-8", null,
        "Action=CreateStack&Version=2010-05-15&StackName=env-orders-dev&Tags.member.1.Key=portal%3Atier&Tags.member.1.Value=dev")]
    [InlineData("https://ce.us-east-1.amazonaws.com/", "us-east-1", "ce", "application/x-amz-json-1.1", "AWSInsightsIndexService.GetCostAndUsage",
        "{\"TimePeriod\":{\"Start\":\"2026-03-01\",\"End\":\"2026-04-01\"},\"Granularity\":\"DAILY\",\"Metrics\":[\"UnblendedCost\"]}")]
    [InlineData("http://localhost:4566/", "eu-central-1", "cloudformation", "application/x-www-form-urlencoded; charset=utf-8", null, "Action=DescribeStacks&Version=2010-05-15")]
    public void Sign_AgreesWithAwsSdkCoresOwnRequestSigner(string url, string region, string service, string contentType, string? target, string payload)
    {
        var body = Encoding.UTF8.GetBytes(payload);
        var at = new DateTime(2026, 3, 14, 9, 26, 53, DateTimeKind.Utc);

        // What AWSSDK.Core's full signer produces for the same request...
        var sdkRequest = new DefaultRequest(new AssumeRoleRequest(), "Portal")
        {
            HttpMethod = "POST",
            Endpoint = new Uri(url),
            ResourcePath = "/",
            Content = body,
            AuthenticationRegion = region,
            OverrideSigningServiceName = service,
        };
        sdkRequest.Headers["Content-Type"] = contentType;
        if (target is not null)
        {
            sdkRequest.Headers["X-Amz-Target"] = target;
        }

        var config = new AmazonSecurityTokenServiceConfig { ServiceURL = url, AuthenticationRegion = region };
        var sdk = new AWS4Signer(signPayload: true).SignRequest(sdkRequest, config, null, Example.AccessKey, Example.SecretKey, at);

        // ...and what Portal's signer puts on the HttpRequestMessage it sends.
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (target is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        }

        // The SDK signer always adds X-Amz-Content-SHA256 (the body hash); send the same header so the signed sets match.
        foreach (var (name, value) in sdkRequest.Headers.Where(h => h.Key.Equals("X-Amz-Content-SHA256", StringComparison.OrdinalIgnoreCase)))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        AwsSigV4Signer.Sign(request, body, Example, region, service, new DateTimeOffset(at));

        request.Headers.GetValues("Authorization").Single().ShouldBe(sdk.ForAuthorizationHeader);
    }
}
