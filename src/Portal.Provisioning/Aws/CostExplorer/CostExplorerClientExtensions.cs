using System.Runtime.CompilerServices;

namespace Portal.Provisioning.Aws.CostExplorer;

/// <summary>Paginators following NextPageToken / NextToken. Each page is a billed request.</summary>
public static class CostExplorerClientExtensions
{
    /// <summary>
    /// Every page of a GetCostAndUsage query. With GroupBy, one time period's groups can continue on the next page,
    /// so merge by TimePeriod when totalling.
    /// </summary>
    public static async IAsyncEnumerable<GetCostAndUsageResponse> GetCostAndUsagePagesAsync(
        this ICostExplorerClient client, GetCostAndUsageRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        var next = request;
        while (true)
        {
            var page = await client.GetCostAndUsageAsync(next, cancellationToken).ConfigureAwait(false);
            yield return page;
            if (string.IsNullOrEmpty(page.NextPageToken))
            {
                yield break;
            }

            next = next with { NextPageToken = page.NextPageToken };
        }
    }

    public static async IAsyncEnumerable<string> GetAllTagsAsync(
        this ICostExplorerClient client, GetTagsRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        var next = request;
        while (true)
        {
            var page = await client.GetTagsAsync(next, cancellationToken).ConfigureAwait(false);
            foreach (var tag in page.Tags)
            {
                yield return tag;
            }

            if (string.IsNullOrEmpty(page.NextPageToken))
            {
                yield break;
            }

            next = next with { NextPageToken = page.NextPageToken };
        }
    }

    public static async IAsyncEnumerable<CostAllocationTag> ListAllCostAllocationTagsAsync(
        this ICostExplorerClient client, ListCostAllocationTagsRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        var next = request;
        while (true)
        {
            var page = await client.ListCostAllocationTagsAsync(next, cancellationToken).ConfigureAwait(false);
            foreach (var tag in page.CostAllocationTags)
            {
                yield return tag;
            }

            if (string.IsNullOrEmpty(page.NextToken))
            {
                yield break;
            }

            next = next with { NextToken = page.NextToken };
        }
    }
}
