namespace Portal.Sandbox.CostExplorer;

/// <summary>Cost Explorer's SERVICE dimension values, as AWS names them, for the resource types the estimator prices.</summary>
internal static class ServiceNames
{
    public const string CloudWatch = "AmazonCloudWatch";
    public const string S3 = "Amazon Simple Storage Service";
    public const string Kms = "AWS Key Management Service";

    public static string For(string resourceType) => resourceType switch
    {
        "AWS::EC2::NatGateway" or "AWS::EC2::Volume" or "AWS::DataTransfer" => "EC2 - Other",
        "AWS::EC2::EIP" or "AWS::EC2::VPCEndpoint" or "AWS::EC2::VPC" or "AWS::EC2::TransitGateway" => "Amazon Virtual Private Cloud",
        "AWS::EC2::Instance" or "AWS::EC2::LaunchTemplate" or "AWS::AutoScaling::AutoScalingGroup" or "AWS::EKS::Nodegroup"
            => "Amazon Elastic Compute Cloud - Compute",
        "AWS::EC2::FlowLog" => CloudWatch,
        "AWS::EKS::Cluster" => "Amazon Elastic Container Service for Kubernetes",
        _ when resourceType.StartsWith("AWS::RDS::", StringComparison.Ordinal) => "Amazon Relational Database Service",
        _ when resourceType.StartsWith("AWS::ECS::", StringComparison.Ordinal) => "Amazon Elastic Container Service",
        _ when resourceType.StartsWith("AWS::ElastiCache::", StringComparison.Ordinal) => "Amazon ElastiCache",
        _ when resourceType.StartsWith("AWS::S3::", StringComparison.Ordinal) => S3,
        _ when resourceType.StartsWith("AWS::Logs::", StringComparison.Ordinal) || resourceType.StartsWith("AWS::CloudWatch::", StringComparison.Ordinal) => CloudWatch,
        _ when resourceType.StartsWith("AWS::ElasticLoadBalancing", StringComparison.Ordinal) => "Elastic Load Balancing",
        _ when resourceType.StartsWith("AWS::CloudFront::", StringComparison.Ordinal) => "Amazon CloudFront",
        _ when resourceType.StartsWith("AWS::SecretsManager::", StringComparison.Ordinal) => "AWS Secrets Manager",
        _ when resourceType.StartsWith("AWS::KMS::", StringComparison.Ordinal) => Kms,
        _ when resourceType.StartsWith("AWS::ECR::", StringComparison.Ordinal) => "Amazon EC2 Container Registry (ECR)",
        _ when resourceType.StartsWith("AWS::Lambda::", StringComparison.Ordinal) => "AWS Lambda",
        _ when resourceType.StartsWith("AWS::SNS::", StringComparison.Ordinal) => "Amazon Simple Notification Service",
        _ when resourceType.StartsWith("AWS::SQS::", StringComparison.Ordinal) => "Amazon Simple Queue Service",
        _ when resourceType.StartsWith("AWS::Route53::", StringComparison.Ordinal) => "Amazon Route 53",
        _ when resourceType.StartsWith("AWS::WAFv2::", StringComparison.Ordinal) => "AWS WAF",
        _ when resourceType.StartsWith("AWS::EC2::", StringComparison.Ordinal) => "Amazon Elastic Compute Cloud - Compute",
        _ => "AWS " + (resourceType.Split("::") is { Length: >= 2 } parts ? parts[1] : resourceType),
    };
}
