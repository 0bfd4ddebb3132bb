using System.Xml.Linq;
using Portal.Provisioning.Aws.Transport;

namespace Portal.Provisioning.Aws.CloudFormation;

// DescribeStackResourceDrifts (drift detection's per-resource answer), in AWS's shapes; DetectStackDrift and
// DescribeStackDriftDetectionStatus are in CloudFormationModels.

public sealed record DescribeStackResourceDriftsRequest
{
    public required string StackName { get; init; }

    /// <summary>IN_SYNC | MODIFIED | DELETED | NOT_CHECKED | UNKNOWN | UNSUPPORTED; null or empty lists every checked resource.</summary>
    public IReadOnlyList<string>? StackResourceDriftStatusFilters { get; init; }

    public string? NextToken { get; init; }

    /// <summary>1 to 100.</summary>
    public int? MaxResults { get; init; }
}

public sealed record DescribeStackResourceDriftsResponse(IReadOnlyList<StackResourceDrift> StackResourceDrifts, string? NextToken);

/// <summary>One resource's drift: the properties the template expects and those the resource has (JSON), and their differences.</summary>
public sealed record StackResourceDrift
{
    public required string StackId { get; init; }

    public required string LogicalResourceId { get; init; }

    public string? PhysicalResourceId { get; init; }

    public required string ResourceType { get; init; }

    /// <summary>JSON of the properties the stack template expects.</summary>
    public string? ExpectedProperties { get; init; }

    /// <summary>JSON of the resource's actual properties.</summary>
    public string? ActualProperties { get; init; }

    public IReadOnlyList<PropertyDifference> PropertyDifferences { get; init; } = [];

    /// <summary>IN_SYNC | MODIFIED | DELETED | NOT_CHECKED | UNKNOWN | UNSUPPORTED.</summary>
    public required string StackResourceDriftStatus { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public string? DriftStatusReason { get; init; }
}

/// <summary>A property that differs: its JSON path, the expected and actual values, and ADD | REMOVE | NOT_EQUAL.</summary>
public sealed record PropertyDifference
{
    public required string PropertyPath { get; init; }

    public required string ExpectedValue { get; init; }

    public required string ActualValue { get; init; }

    public required string DifferenceType { get; init; }
}

internal static class CloudFormationDriftWire
{
    public static QueryRequestWriter Write(DescribeStackResourceDriftsRequest r) =>
        new QueryRequestWriter("DescribeStackResourceDrifts", CloudFormationQuery.ApiVersion)
            .Add("StackName", r.StackName)
            .AddList("StackResourceDriftStatusFilters", r.StackResourceDriftStatusFilters is { Count: > 0 } f ? f : null)
            .Add("NextToken", r.NextToken)
            .Add("MaxResults", r.MaxResults);

    public static DescribeStackResourceDriftsResponse Read(XElement r) => new(
        [.. r.Members("StackResourceDrifts").Select(d => new StackResourceDrift
        {
            StackId = d.Required("StackId"),
            LogicalResourceId = d.Required("LogicalResourceId"),
            PhysicalResourceId = d.Str("PhysicalResourceId"),
            ResourceType = d.Required("ResourceType"),
            ExpectedProperties = d.Str("ExpectedProperties"),
            ActualProperties = d.Str("ActualProperties"),
            PropertyDifferences = [.. d.Members("PropertyDifferences").Select(p => new PropertyDifference
            {
                PropertyPath = p.Required("PropertyPath"),
                ExpectedValue = p.Str("ExpectedValue") ?? "",
                ActualValue = p.Str("ActualValue") ?? "",
                DifferenceType = p.Required("DifferenceType"),
            })],
            StackResourceDriftStatus = d.Required("StackResourceDriftStatus"),
            Timestamp = d.RequiredTime("Timestamp"),
            DriftStatusReason = d.Str("DriftStatusReason"),
        })],
        r.Str("NextToken"));
}
