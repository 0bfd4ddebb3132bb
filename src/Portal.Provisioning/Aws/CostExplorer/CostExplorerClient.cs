using Portal.Provisioning.Aws.Transport;

namespace Portal.Provisioning.Aws.CostExplorer;

/// <summary>Cost Explorer over JSON 1.1: <c>X-Amz-Target: AWSInsightsIndexService.&lt;Op&gt;</c>.</summary>
internal sealed class CostExplorerClient(AwsHttpTransport transport, AwsAccountContext account, AwsEndpoint endpoint) : ICostExplorerClient
{
    public const string HttpClientName = AwsHttpClientNames.CostExplorer;

    public AwsAccountContext Account => account;

    public Task<GetCostAndUsageResponse> GetCostAndUsageAsync(GetCostAndUsageRequest request, CancellationToken cancellationToken) =>
        SendAsync<GetCostAndUsageRequest, GetCostAndUsageResponse>("GetCostAndUsage", request, cancellationToken);

    public Task<GetCostForecastResponse> GetCostForecastAsync(GetCostForecastRequest request, CancellationToken cancellationToken) =>
        SendAsync<GetCostForecastRequest, GetCostForecastResponse>("GetCostForecast", request, cancellationToken);

    public Task<GetTagsResponse> GetTagsAsync(GetTagsRequest request, CancellationToken cancellationToken) =>
        SendAsync<GetTagsRequest, GetTagsResponse>("GetTags", request, cancellationToken);

    public Task<UpdateCostAllocationTagsStatusResponse> UpdateCostAllocationTagsStatusAsync(
        UpdateCostAllocationTagsStatusRequest request, CancellationToken cancellationToken) =>
        SendAsync<UpdateCostAllocationTagsStatusRequest, UpdateCostAllocationTagsStatusResponse>("UpdateCostAllocationTagsStatus", request, cancellationToken);

    public Task<ListCostAllocationTagsResponse> ListCostAllocationTagsAsync(ListCostAllocationTagsRequest request, CancellationToken cancellationToken) =>
        SendAsync<ListCostAllocationTagsRequest, ListCostAllocationTagsResponse>("ListCostAllocationTags", request, cancellationToken);

    private async Task<TResponse> SendAsync<TRequest, TResponse>(string operation, TRequest request, CancellationToken cancellationToken)
        where TRequest : class
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await transport.SendAsync(
            new AwsApiRequest(
                AwsServiceNames.CostExplorer,
                operation,
                AwsProtocol.Json,
                account,
                endpoint,
                HttpClientName,
                CostExplorerJson.Serialize(request),
                CostExplorerJson.ContentType,
                $"{CostExplorerJson.TargetPrefix}.{operation}"),
            cancellationToken).ConfigureAwait(false);
        return CostExplorerJson.Deserialize<TResponse>(response.Body, operation);
    }
}

internal sealed class CostExplorerClientFactory(AwsHttpTransport transport, AwsEndpoints endpoints) : ICostExplorerClientFactory
{
    public ICostExplorerClient Create(AwsAccountContext account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return new CostExplorerClient(transport, account, endpoints.CostExplorer());
    }
}
