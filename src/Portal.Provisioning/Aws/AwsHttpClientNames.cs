namespace Portal.Provisioning.Aws;

/// <summary>Names of the <c>IHttpClientFactory</c> clients the AWS clients use, so a host can add handlers to them.</summary>
public static class AwsHttpClientNames
{
    public const string CloudFormation = "Portal.Aws.CloudFormation";
    public const string CostExplorer = "Portal.Aws.CostExplorer";
    public const string Sts = "Portal.Aws.Sts";
}
