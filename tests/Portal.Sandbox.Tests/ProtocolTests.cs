using System.Net;
using System.Text;
using System.Xml.Linq;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Util;

namespace Portal.Sandbox.Tests;

/// <summary>Protocol edges over raw HTTP: authentication the way AWS answers it, and a request signed the way an SDK signs it.</summary>
public sealed class ProtocolTests : IAsyncLifetime
{
    private static readonly XNamespace Ns = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
    private readonly HttpClient _http = new();
    private SandboxServer _server = null!;

    public async Task InitializeAsync() => _server = await SandboxServer.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task An_UnsignedRequest_IsRefusedWith403MissingAuthenticationToken()
    {
        using var response = await _http.PostAsync(_server.CloudFormationUrl, Form("Action=DescribeStacks&Version=2010-05-15"));

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var error = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        error.Name.ShouldBe(Ns + "ErrorResponse");
        error.Element(Ns + "Error")!.Element(Ns + "Type")!.Value.ShouldBe("Sender");
        error.Element(Ns + "Error")!.Element(Ns + "Code")!.Value.ShouldBe("MissingAuthenticationToken");
        error.Element(Ns + "RequestId")!.Value.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task An_UnsignedCostExplorerRequest_IsRefusedWithAJsonError()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.CostExplorerUrl) { Content = new StringContent("{}", Encoding.UTF8, "application/x-amz-json-1.1") };
        request.Headers.Add("X-Amz-Target", "AWSInsightsIndexService.GetCostAndUsage");
        using var response = await _http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).ShouldContain("\"__type\":\"com.amazonaws.awsinsightsindexservice#MissingAuthenticationTokenException\"");
    }

    [Fact]
    public async Task A_MalformedAuthorizationHeader_IsIncompleteSignature()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _server.CloudFormationUrl) { Content = Form("Action=DescribeStacks&Version=2010-05-15") };
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261120/us-east-1/cloudformation/aws4_request");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", "20261120T100000Z");
        using var response = await _http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldContain("<Code>IncompleteSignature</Code>");
        body.ShouldContain("Authorization header requires 'SignedHeaders' parameter.");
    }

    [Fact]
    public async Task A_SignatureScopedToAnotherService_IsRefused()
    {
        using var response = await SendSignedAsync("Action=DescribeStacks&Version=2010-05-15", SandboxOptions.DefaultAccessKeyId, SandboxOptions.DefaultSecretAccessKey, service: "ce");

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).ShouldContain("Credential should be scoped to correct service: 'cloudformation'.");
    }

    [Fact]
    public async Task A_WrongSecretForTheSandboxKey_IsSignatureDoesNotMatch()
    {
        using var response = await SendSignedAsync("Action=DescribeStacks&Version=2010-05-15", SandboxOptions.DefaultAccessKeyId, "not-the-secret");

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).ShouldContain("<Code>SignatureDoesNotMatch</Code>");
    }

    [Fact]
    public async Task The_ConfiguredKey_IsAnswered()
    {
        using var response = await SendSignedAsync("Action=DescribeAccountLimits&Version=2010-05-15", SandboxOptions.DefaultAccessKeyId, SandboxOptions.DefaultSecretAccessKey);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues("x-amzn-RequestId").Single().ShouldNotBeNullOrEmpty();
        var root = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        root.Name.ShouldBe(Ns + "DescribeAccountLimitsResponse");
        root.Element(Ns + "ResponseMetadata")!.Element(Ns + "RequestId")!.Value.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task An_UnknownKey_IsInvalidClientTokenId_AndDeletesNothing()
    {
        // A well-formed signature with an invented key and any secret: AWS knows no such key, and neither does the sandbox.
        var cloudFormation = _server.CloudFormation();
        await cloudFormation.CreateStackAsync(
            new Portal.Provisioning.Aws.CloudFormation.CreateStackRequest { StackName = "team-stack", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);
        using var response = await SendSignedAsync("Action=DeleteStack&Version=2010-05-15&StackName=team-stack", "AKIAANYOTHERKEY00000", "whatever");

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var error = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!.Element(Ns + "Error")!;
        error.Element(Ns + "Code")!.Value.ShouldBe("InvalidClientTokenId");
        error.Element(Ns + "Message")!.Value.ShouldBe("The security token included in the request is invalid.");
        var stacks = await cloudFormation.DescribeStacksAsync(
            new Portal.Provisioning.Aws.CloudFormation.DescribeStacksRequest { StackName = "team-stack" }, CancellationToken.None);
        stacks.Stacks.ShouldHaveSingleItem().StackStatus.ShouldNotStartWith("DELETE");
    }

    [Fact]
    public async Task An_UnknownKey_OnCostExplorer_IsUnrecognizedClientException()
    {
        using var response = await SendSignedCostExplorerAsync("{}", "AKIAANYOTHERKEY00000", "whatever");

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldContain("\"__type\":\"com.amazonaws.awsinsightsindexservice#UnrecognizedClientException\"");
        body.ShouldContain("The security token included in the request is invalid.");
    }

    [Fact]
    public async Task A_SignatureOlderThan15Minutes_IsExpired_AndSaysTheServersTime()
    {
        var signedAt = DateTime.UtcNow.AddMinutes(-20);
        using var response = await SendSignedAsync("Action=DescribeStacks&Version=2010-05-15", SandboxOptions.DefaultAccessKeyId, SandboxOptions.DefaultSecretAccessKey, signedAt: signedAt);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var error = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!.Element(Ns + "Error")!;
        error.Element(Ns + "Code")!.Value.ShouldBe("SignatureDoesNotMatch");
        var message = error.Element(Ns + "Message")!.Value;
        message.ShouldMatch(@"^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$");
        message.ShouldStartWith($"Signature expired: {Basic(signedAt)} is now earlier than ");
    }

    [Fact]
    public async Task A_SignatureMoreThan15MinutesAhead_IsNotYetCurrent()
    {
        using var response = await SendSignedCostExplorerAsync("{}", SandboxOptions.DefaultAccessKeyId, SandboxOptions.DefaultSecretAccessKey, DateTime.UtcNow.AddMinutes(20));

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        body.GetProperty("__type").GetString().ShouldBe("com.amazonaws.awsinsightsindexservice#InvalidSignatureException");
        body.GetProperty("message").GetString()!.ShouldMatch(@"^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$");
    }

    [Fact]
    public async Task A_SignatureWithinTheSkew_IsAnswered()
    {
        using var response = await SendSignedAsync(
            "Action=DescribeStacks&Version=2010-05-15", SandboxOptions.DefaultAccessKeyId, SandboxOptions.DefaultSecretAccessKey, signedAt: DateTime.UtcNow.AddMinutes(-10));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_UnknownAction_IsInvalidAction()
    {
        using var response = await SendSignedAsync("Action=DescribeEverything&Version=2010-05-15", SandboxOptions.DefaultAccessKeyId, SandboxOptions.DefaultSecretAccessKey);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("<Code>InvalidAction</Code>");
    }

    [Fact]
    public async Task A_RequestSignedByAwsSdkCoresSigner_IsVerifiedAndAnswered()
    {
        // The SDK's path: headers an SDK client sends, then AWS4Signer.SignRequest over the IRequest with the SDK's own
        // canonicalisation (not the portal's), credentials of the configured sandbox key.
        var body = "Action=ListStacks&Version=2010-05-15";
        var uri = new Uri(_server.CloudFormationUrl);
        IRequest request = new DefaultRequest(new SdkListStacksRequest(), "CloudFormation")
        {
            HttpMethod = "POST",
            Endpoint = new Uri(uri.GetLeftPart(UriPartial.Authority)),
            ResourcePath = uri.AbsolutePath,
            Content = Encoding.UTF8.GetBytes(body),
            AuthenticationRegion = "us-east-1",
            OverrideSigningServiceName = "cloudformation",
        };
        request.Headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8";
        var config = new SdkConfig { ServiceURL = uri.GetLeftPart(UriPartial.Authority), AuthenticationRegion = "us-east-1" };
        new AWS4Signer().Sign(request, config, null, new BasicAWSCredentials(SandboxOptions.DefaultAccessKeyId, SandboxOptions.DefaultSecretAccessKey));

        using var message = new HttpRequestMessage(HttpMethod.Post, _server.CloudFormationUrl) { Content = new ByteArrayContent(request.Content) };
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                message.Content.Headers.TryAddWithoutValidation(name, value);
            }
            else if (!name.Equals("Host", StringComparison.OrdinalIgnoreCase) && !name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await _http.SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        XDocument.Parse(text).Root!.Name.ShouldBe(Ns + "ListStacksResponse");
    }

    private sealed class SdkListStacksRequest : AmazonWebServiceRequest;

    private sealed class SdkConfig() : ClientConfig(new Defaults())
    {
        public override string RegionEndpointServiceName => "cloudformation";

        public override string ServiceVersion => "2010-05-15";

        public override string UserAgent => "aws-sdk-dotnet-portal-test";

        public override Amazon.Runtime.Endpoints.Endpoint DetermineServiceOperationEndpoint(Amazon.Runtime.Endpoints.ServiceOperationEndpointParameters parameters) => new(ServiceURL);
    }

    private sealed class Defaults : IDefaultConfigurationProvider
    {
        public IDefaultConfiguration GetDefaultConfiguration(RegionEndpoint clientRegion, DefaultConfigurationMode? requestedConfigurationMode = null) =>
            new DefaultConfiguration { Name = DefaultConfigurationMode.Standard, RetryMode = RequestRetryMode.Standard };
    }

    private static StringContent Form(string body) => new(body, Encoding.UTF8, "application/x-www-form-urlencoded");

    [Fact]
    public async Task A_RequestSignedForAnotherHostName_IsVerifiedAgainstItsHostHeader()
    {
        // How the portal reaches an embedded sandbox: signed for "portal-sandbox", sent to the loopback address with that Host header.
        using var response = await SendSignedAsync("Action=DescribeAccountLimits&Version=2010-05-15", SandboxOptions.DefaultAccessKeyId, SandboxOptions.DefaultSecretAccessKey, host: "portal-sandbox");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static string Basic(DateTime utc) => utc.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private async Task<HttpResponseMessage> SendSignedCostExplorerAsync(string body, string accessKey, string secret, DateTime? signedAt = null)
    {
        var uri = new Uri(_server.CostExplorerUrl);
        var bytes = Encoding.UTF8.GetBytes(body);
        var now = signedAt ?? DateTime.UtcNow;
        var amzDate = Basic(now);
        const string ContentType = "application/x-amz-json-1.1";
        const string Target = "AWSInsightsIndexService.GetCostAndUsage";
        var signedHeaders = "content-type;host;x-amz-date;x-amz-target";
        var canonical = $"POST\n{uri.AbsolutePath}\n\ncontent-type:{ContentType}\nhost:{uri.Authority}\nx-amz-date:{amzDate}\nx-amz-target:{Target}\n\n{signedHeaders}\n{AWSSDKUtils.ToHex(AWS4Signer.ComputeHash(bytes), true)}";
        var result = AWS4Signer.ComputeSignature(new ImmutableCredentials(accessKey, secret, null), "us-east-1", now, "ce", signedHeaders, canonical);
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", Target);
        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
        return await _http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> SendSignedAsync(
        string body, string accessKey, string secret, string service = "cloudformation", string? host = null, DateTime? signedAt = null)
    {
        var uri = new Uri(_server.CloudFormationUrl);
        var bytes = Encoding.UTF8.GetBytes(body);
        var now = signedAt ?? DateTime.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        const string ContentType = "application/x-www-form-urlencoded; charset=utf-8";
        var signedHeaders = "content-type;host;x-amz-date";
        var canonical = $"POST\n{uri.AbsolutePath}\n\ncontent-type:{ContentType}\nhost:{host ?? uri.Authority}\nx-amz-date:{amzDate}\n\n{signedHeaders}\n{AWSSDKUtils.ToHex(AWS4Signer.ComputeHash(bytes), true)}";
        var result = AWS4Signer.ComputeSignature(new ImmutableCredentials(accessKey, secret, null), "us-east-1", now, service, signedHeaders, canonical);
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        return await _http.SendAsync(request);
    }
}
