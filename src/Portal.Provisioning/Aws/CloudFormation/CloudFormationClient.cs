using System.Xml.Linq;
using Portal.Provisioning.Aws.Transport;

namespace Portal.Provisioning.Aws.CloudFormation;

/// <summary>CloudFormation over the query protocol: <c>POST /</c>, form-encoded, XML back.</summary>
internal sealed class CloudFormationClient(AwsHttpTransport transport, AwsAccountContext account, AwsEndpoint endpoint) : ICloudFormationClient
{
    public const string HttpClientName = AwsHttpClientNames.CloudFormation;
    public const string SigningName = "cloudformation";

    public AwsAccountContext Account => account;

    public string Region => endpoint.SigningRegion;

    public async Task<CreateStackResponse> CreateStackAsync(CreateStackRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ClientRequestTokens.ThrowIfInvalid(request.ClientRequestToken, nameof(request));
        var withRole = request with { RoleARN = request.RoleARN ?? account.CloudFormationServiceRole };
        return CloudFormationXml.ReadCreateStack(await SendAsync("CreateStack", CloudFormationQuery.Write(withRole), cancellationToken).ConfigureAwait(false));
    }

    public async Task<UpdateStackResponse> UpdateStackAsync(UpdateStackRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ClientRequestTokens.ThrowIfInvalid(request.ClientRequestToken, nameof(request));
        var withRole = request with { RoleARN = request.RoleARN ?? account.CloudFormationServiceRole };
        return CloudFormationXml.ReadUpdateStack(await SendAsync("UpdateStack", CloudFormationQuery.Write(withRole), cancellationToken).ConfigureAwait(false));
    }

    public async Task DeleteStackAsync(DeleteStackRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ClientRequestTokens.ThrowIfInvalid(request.ClientRequestToken, nameof(request));
        var withRole = request with { RoleARN = request.RoleARN ?? account.CloudFormationServiceRole };
        await SendAsync("DeleteStack", CloudFormationQuery.Write(withRole), cancellationToken).ConfigureAwait(false);
    }

    public async Task<DescribeStacksResponse> DescribeStacksAsync(DescribeStacksRequest request, CancellationToken cancellationToken) =>
        CloudFormationXml.ReadDescribeStacks(await SendAsync("DescribeStacks", CloudFormationQuery.Write(Checked(request)), cancellationToken).ConfigureAwait(false));

    public async Task<ListStacksResponse> ListStacksAsync(ListStacksRequest request, CancellationToken cancellationToken) =>
        CloudFormationXml.ReadListStacks(await SendAsync("ListStacks", CloudFormationQuery.Write(Checked(request)), cancellationToken).ConfigureAwait(false));

    public async Task<DescribeStackEventsResponse> DescribeStackEventsAsync(DescribeStackEventsRequest request, CancellationToken cancellationToken) =>
        CloudFormationXml.ReadDescribeStackEvents(await SendAsync("DescribeStackEvents", CloudFormationQuery.Write(Checked(request)), cancellationToken).ConfigureAwait(false));

    public async Task<DescribeStackResourcesResponse> DescribeStackResourcesAsync(DescribeStackResourcesRequest request, CancellationToken cancellationToken) =>
        CloudFormationXml.ReadDescribeStackResources(await SendAsync("DescribeStackResources", CloudFormationQuery.Write(Checked(request)), cancellationToken).ConfigureAwait(false));

    public async Task<ListStackResourcesResponse> ListStackResourcesAsync(ListStackResourcesRequest request, CancellationToken cancellationToken) =>
        CloudFormationXml.ReadListStackResources(await SendAsync("ListStackResources", CloudFormationQuery.Write(Checked(request)), cancellationToken).ConfigureAwait(false));

    public async Task<GetTemplateResponse> GetTemplateAsync(GetTemplateRequest request, CancellationToken cancellationToken) =>
        CloudFormationXml.ReadGetTemplate(await SendAsync("GetTemplate", CloudFormationQuery.Write(Checked(request)), cancellationToken).ConfigureAwait(false));

    public async Task<ValidateTemplateResponse> ValidateTemplateAsync(ValidateTemplateRequest request, CancellationToken cancellationToken) =>
        CloudFormationXml.ReadValidateTemplate(await SendAsync("ValidateTemplate", CloudFormationQuery.Write(Checked(request)), cancellationToken).ConfigureAwait(false));

    public async Task<CreateChangeSetResponse> CreateChangeSetAsync(CreateChangeSetRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var withRole = request with { RoleARN = request.RoleARN ?? account.CloudFormationServiceRole };
        return CloudFormationXml.ReadCreateChangeSet(await SendAsync("CreateChangeSet", CloudFormationQuery.Write(withRole), cancellationToken).ConfigureAwait(false));
    }

    public async Task<DescribeChangeSetResponse> DescribeChangeSetAsync(DescribeChangeSetRequest request, CancellationToken cancellationToken) =>
        CloudFormationXml.ReadDescribeChangeSet(await SendAsync("DescribeChangeSet", CloudFormationQuery.Write(Checked(request)), cancellationToken).ConfigureAwait(false));

    public Task ExecuteChangeSetAsync(ExecuteChangeSetRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ClientRequestTokens.ThrowIfInvalid(request.ClientRequestToken, nameof(request));
        return SendAsync("ExecuteChangeSet", CloudFormationQuery.Write(request), cancellationToken);
    }

    public Task DeleteChangeSetAsync(DeleteChangeSetRequest request, CancellationToken cancellationToken) =>
        SendAsync("DeleteChangeSet", CloudFormationQuery.Write(Checked(request)), cancellationToken);

    public async Task<DetectStackDriftResponse> DetectStackDriftAsync(DetectStackDriftRequest request, CancellationToken cancellationToken) =>
        CloudFormationXml.ReadDetectStackDrift(await SendAsync("DetectStackDrift", CloudFormationQuery.Write(Checked(request)), cancellationToken).ConfigureAwait(false));

    public async Task<DescribeStackDriftDetectionStatusResponse> DescribeStackDriftDetectionStatusAsync(
        DescribeStackDriftDetectionStatusRequest request, CancellationToken cancellationToken) =>
        CloudFormationXml.ReadDescribeStackDriftDetectionStatus(
            await SendAsync("DescribeStackDriftDetectionStatus", CloudFormationQuery.Write(Checked(request)), cancellationToken).ConfigureAwait(false));

    public async Task<DescribeAccountLimitsResponse> DescribeAccountLimitsAsync(DescribeAccountLimitsRequest request, CancellationToken cancellationToken) =>
        CloudFormationXml.ReadDescribeAccountLimits(await SendAsync("DescribeAccountLimits", CloudFormationQuery.Write(Checked(request)), cancellationToken).ConfigureAwait(false));

    public async Task<DescribeStackResourceDriftsResponse> DescribeStackResourceDriftsAsync(
        DescribeStackResourceDriftsRequest request, CancellationToken cancellationToken) =>
        CloudFormationDriftWire.Read(
            await SendAsync("DescribeStackResourceDrifts", CloudFormationDriftWire.Write(Checked(request)), cancellationToken).ConfigureAwait(false));

    private static T Checked<T>(T request)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        return request;
    }

    private async Task<XElement> SendAsync(string operation, QueryRequestWriter query, CancellationToken cancellationToken)
    {
        var response = await transport.SendAsync(
            new AwsApiRequest(
                AwsServiceNames.CloudFormation,
                operation,
                AwsProtocol.Query,
                account,
                endpoint,
                HttpClientName,
                query.ToBody(),
                QueryRequestWriter.ContentType),
            cancellationToken).ConfigureAwait(false);
        return CloudFormationXml.Result(response.Body, operation);
    }
}

/// <summary>Builds clients on the shared transport; the endpoint is the regional one unless Aws:ServiceUrls:CloudFormation overrides it.</summary>
internal sealed class CloudFormationClientFactory(AwsHttpTransport transport, AwsEndpoints endpoints, AwsAccountDirectory accounts)
    : ICloudFormationClientFactory
{
    public ICloudFormationClient Create(AwsAccountContext account, string region)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (!AwsRegions.IsValid(region))
        {
            throw new ArgumentException($"'{region}' is not a valid AWS region name.", nameof(region));
        }

        // A configured account only deploys where its AllowedRegions (or the default region) say.
        if (accounts.Find(account.AccountId) is { } configured && !accounts.IsRegionAllowed(configured, region))
        {
            throw new ArgumentException(
                $"Region {region} is not allowed for AWS account {account.AccountId}; allowed: {string.Join(", ", accounts.RegionsOf(configured))}.",
                nameof(region));
        }

        return new CloudFormationClient(transport, account, endpoints.CloudFormation(region));
    }
}
