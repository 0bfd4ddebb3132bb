using System.Net;

namespace Portal.Provisioning.Aws.Transport;

/// <summary>Where a service is reached and how requests to it are signed.</summary>
internal sealed record AwsEndpoint(Uri Url, string SigningRegion, string SigningName);

internal enum AwsProtocol
{
    /// <summary>AWS query protocol: form-encoded request, XML response (CloudFormation, STS).</summary>
    Query,

    /// <summary>AWS JSON 1.1: X-Amz-Target names the operation (Cost Explorer).</summary>
    Json,
}

/// <summary>One logical API call; the body (and any idempotency token in it) is the same on every attempt.</summary>
internal sealed record AwsApiRequest(
    string Service,
    string Operation,
    AwsProtocol Protocol,
    AwsAccountContext Account,
    AwsEndpoint Endpoint,
    string HttpClientName,
    byte[] Body,
    string ContentType,
    string? Target = null);

internal sealed record AwsApiResponse(HttpStatusCode StatusCode, string Body, string? RequestId);
