using Microsoft.Extensions.Options;

namespace Portal.Provisioning.Aws.Transport;

/// <summary>AWS's public endpoints, or the Aws:ServiceUrls override (sandbox, LocalStack, VPC endpoint) signed for the same region.</summary>
internal sealed class AwsEndpoints(IOptions<AwsOptions> options)
{
    /// <summary>Cost Explorer has one endpoint, in us-east-1, and is always signed for it.</summary>
    public const string CostExplorerRegion = "us-east-1";

    public AwsEndpoint CloudFormation(string region)
    {
        var url = Override(options.Value.ServiceUrls.CloudFormation)
            ?? new Uri($"https://cloudformation.{region}.{DnsSuffix(region)}/");
        return new AwsEndpoint(url, region, "cloudformation");
    }

    public AwsEndpoint CostExplorer()
    {
        var url = Override(options.Value.ServiceUrls.CostExplorer) ?? new Uri($"https://ce.{CostExplorerRegion}.amazonaws.com/");
        return new AwsEndpoint(url, CostExplorerRegion, "ce");
    }

    private static string DnsSuffix(string region) => region.StartsWith("cn-", StringComparison.Ordinal) ? "amazonaws.com.cn" : "amazonaws.com";

    private static Uri? Override(string? serviceUrl) =>
        string.IsNullOrWhiteSpace(serviceUrl) ? null : new Uri(serviceUrl, UriKind.Absolute);
}
