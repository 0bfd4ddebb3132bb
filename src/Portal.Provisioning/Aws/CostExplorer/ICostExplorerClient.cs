namespace Portal.Provisioning.Aws.CostExplorer;

/// <summary>
/// Cost Explorer (always us-east-1). Every request, each page included, costs $0.01 and is counted in
/// <c>portal.aws.costexplorer.spend_usd</c>; cache results rather than polling.
/// </summary>
public interface ICostExplorerClient
{
    AwsAccountContext Account { get; }

    Task<GetCostAndUsageResponse> GetCostAndUsageAsync(GetCostAndUsageRequest request, CancellationToken cancellationToken);

    Task<GetCostForecastResponse> GetCostForecastAsync(GetCostForecastRequest request, CancellationToken cancellationToken);

    Task<GetTagsResponse> GetTagsAsync(GetTagsRequest request, CancellationToken cancellationToken);

    Task<UpdateCostAllocationTagsStatusResponse> UpdateCostAllocationTagsStatusAsync(
        UpdateCostAllocationTagsStatusRequest request, CancellationToken cancellationToken);

    Task<ListCostAllocationTagsResponse> ListCostAllocationTagsAsync(ListCostAllocationTagsRequest request, CancellationToken cancellationToken);
}

/// <summary>Creates a Cost Explorer client for an account (its role assumed when it has one; <see cref="AwsAccountContext.Portal"/> for Portal's own).</summary>
public interface ICostExplorerClientFactory
{
    ICostExplorerClient Create(AwsAccountContext account);
}
