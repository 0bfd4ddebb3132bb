namespace Portal.Provisioning.Aws.CloudFormation;

/// <summary>ListStackResources: one page of a stack's resources (live ones; a deleted stack's by its ARN).</summary>
public sealed record ListStackResourcesRequest
{
    public required string StackName { get; init; }

    public string? NextToken { get; init; }
}

/// <summary>A StackResourceSummary of the service model.</summary>
public sealed record StackResourceSummary
{
    public required string LogicalResourceId { get; init; }

    public string? PhysicalResourceId { get; init; }

    public required string ResourceType { get; init; }

    public required DateTimeOffset LastUpdatedTimestamp { get; init; }

    public required string ResourceStatus { get; init; }

    public string? ResourceStatusReason { get; init; }
}

public sealed record ListStackResourcesResponse(IReadOnlyList<StackResourceSummary> StackResourceSummaries, string? NextToken);
