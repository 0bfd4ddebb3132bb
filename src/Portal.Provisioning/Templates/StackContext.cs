namespace Portal.Provisioning.Templates;

/// <summary>
/// The values of CloudFormation's pseudo parameters for one stack, and optionally the contents of SSM parameters that
/// <c>AWS::SSM::Parameter::Value&lt;...&gt;</c> parameters name (without them, Ref yields the SSM parameter's name).
/// </summary>
public sealed record StackContext(
    string StackName,
    string Region = "us-east-1",
    string AccountId = "123456789012",
    string? StackId = null,
    IReadOnlyList<string>? NotificationArns = null,
    IReadOnlyDictionary<string, string>? SsmParameterValues = null)
{
    public string Partition => Region.StartsWith("cn-", StringComparison.Ordinal) ? "aws-cn"
        : Region.StartsWith("us-gov-", StringComparison.Ordinal) ? "aws-us-gov"
        : "aws";

    public string UrlSuffix => Region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";

    public string EffectiveStackId => StackId
        ?? $"arn:{Partition}:cloudformation:{Region}:{AccountId}:stack/{StackName}/00000000-0000-0000-0000-000000000000";

    /// <summary>The availability zones <c>Fn::GetAZs</c> returns: six in us-east-1, four in us-west-2, three elsewhere.</summary>
    public static IReadOnlyList<string> AvailabilityZones(string region)
    {
        var count = region switch
        {
            "us-east-1" => 6,
            "us-west-2" => 4,
            _ => 3,
        };
        return [.. Enumerable.Range(0, count).Select(i => region + (char)('a' + i))];
    }
}
