using System.Runtime.CompilerServices;

namespace Portal.Provisioning.Aws.CloudFormation;

/// <summary>Paginators that follow NextToken, and lookups built on the single-page calls.</summary>
public static class CloudFormationClientExtensions
{
    public static async IAsyncEnumerable<Stack> DescribeAllStacksAsync(
        this ICloudFormationClient client, DescribeStacksRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        var next = request;
        while (true)
        {
            var page = await client.DescribeStacksAsync(next, cancellationToken).ConfigureAwait(false);
            foreach (var stack in page.Stacks)
            {
                yield return stack;
            }

            if (string.IsNullOrEmpty(page.NextToken))
            {
                yield break;
            }

            next = next with { NextToken = page.NextToken };
        }
    }

    public static async IAsyncEnumerable<StackSummary> ListAllStacksAsync(
        this ICloudFormationClient client, ListStacksRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        var next = request;
        while (true)
        {
            var page = await client.ListStacksAsync(next, cancellationToken).ConfigureAwait(false);
            foreach (var summary in page.StackSummaries)
            {
                yield return summary;
            }

            if (string.IsNullOrEmpty(page.NextToken))
            {
                yield break;
            }

            next = next with { NextToken = page.NextToken };
        }
    }

    /// <summary>Every event, newest first (the order AWS returns them).</summary>
    public static async IAsyncEnumerable<StackEvent> DescribeAllStackEventsAsync(
        this ICloudFormationClient client, DescribeStackEventsRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        var next = request;
        while (true)
        {
            var page = await client.DescribeStackEventsAsync(next, cancellationToken).ConfigureAwait(false);
            foreach (var stackEvent in page.StackEvents)
            {
                yield return stackEvent;
            }

            if (string.IsNullOrEmpty(page.NextToken))
            {
                yield break;
            }

            next = next with { NextToken = page.NextToken };
        }
    }

    /// <summary>Every change of a change set across its pages.</summary>
    public static async IAsyncEnumerable<Change> DescribeAllChangeSetChangesAsync(
        this ICloudFormationClient client, DescribeChangeSetRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        var next = request;
        while (true)
        {
            var page = await client.DescribeChangeSetAsync(next, cancellationToken).ConfigureAwait(false);
            foreach (var change in page.Changes)
            {
                yield return change;
            }

            if (string.IsNullOrEmpty(page.NextToken))
            {
                yield break;
            }

            next = next with { NextToken = page.NextToken };
        }
    }

    /// <summary>The whole change set: the first page's header with every page's changes.</summary>
    public static async Task<DescribeChangeSetResponse> DescribeFullChangeSetAsync(
        this ICloudFormationClient client, DescribeChangeSetRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        var first = await client.DescribeChangeSetAsync(request, cancellationToken).ConfigureAwait(false);
        var changes = new List<Change>(first.Changes);
        var token = first.NextToken;
        while (!string.IsNullOrEmpty(token))
        {
            var page = await client.DescribeChangeSetAsync(request with { NextToken = token }, cancellationToken).ConfigureAwait(false);
            changes.AddRange(page.Changes);
            token = page.NextToken;
        }

        return first with { Changes = changes, NextToken = null };
    }

    /// <summary>Every resource of a stack, following ListStackResources' NextToken.</summary>
    public static async IAsyncEnumerable<StackResourceSummary> ListAllStackResourcesAsync(
        this ICloudFormationClient client, string stackName, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        string? token = null;
        do
        {
            var page = await client.ListStackResourcesAsync(new ListStackResourcesRequest { StackName = stackName, NextToken = token }, cancellationToken).ConfigureAwait(false);
            foreach (var resource in page.StackResourceSummaries)
            {
                yield return resource;
            }

            token = page.NextToken;
        }
        while (!string.IsNullOrEmpty(token));
    }

    public static async IAsyncEnumerable<AccountLimit> DescribeAllAccountLimitsAsync(
        this ICloudFormationClient client, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        string? token = null;
        do
        {
            var page = await client.DescribeAccountLimitsAsync(new DescribeAccountLimitsRequest { NextToken = token }, cancellationToken).ConfigureAwait(false);
            foreach (var limit in page.AccountLimits)
            {
                yield return limit;
            }

            token = page.NextToken;
        }
        while (!string.IsNullOrEmpty(token));
    }

    /// <summary>The stack, or null when CloudFormation says it does not exist.</summary>
    public static async Task<Stack?> FindStackAsync(this ICloudFormationClient client, string stackName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        try
        {
            var response = await client.DescribeStacksAsync(new DescribeStacksRequest { StackName = stackName }, cancellationToken).ConfigureAwait(false);
            return response.Stacks.FirstOrDefault();
        }
        catch (StackNotFoundException)
        {
            return null;
        }
    }
}
