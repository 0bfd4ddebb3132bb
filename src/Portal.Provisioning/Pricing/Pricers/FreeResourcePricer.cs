using System.Collections.Frozen;

namespace Portal.Provisioning.Pricing.Pricers;

// The explicit list of resource types AWS does not charge for; anything not listed anywhere is Unpriced, never $0.
internal sealed class FreeResourcePricer : IResourcePricer
{
    private static readonly FrozenDictionary<string, string> Free = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AWS::EC2::VPC"] = "no charge",
        ["AWS::EC2::Subnet"] = "no charge",
        ["AWS::EC2::RouteTable"] = "no charge",
        ["AWS::EC2::Route"] = "no charge",
        ["AWS::EC2::SubnetRouteTableAssociation"] = "no charge",
        ["AWS::EC2::InternetGateway"] = "no charge (data transfer out is priced at stack level)",
        ["AWS::EC2::VPCGatewayAttachment"] = "no charge",
        ["AWS::EC2::SecurityGroup"] = "no charge",
        ["AWS::EC2::SecurityGroupIngress"] = "no charge",
        ["AWS::EC2::SecurityGroupEgress"] = "no charge",
        ["AWS::EC2::LaunchTemplate"] = "no charge (its instances are priced on the Auto Scaling group)",
        ["AWS::AutoScaling::LaunchConfiguration"] = "no charge (its instances are priced on the Auto Scaling group)",
        ["AWS::EC2::FlowLog"] = "no charge (delivered logs are priced on the log group)",
        ["AWS::IAM::Role"] = "no charge",
        ["AWS::IAM::Policy"] = "no charge",
        ["AWS::IAM::ManagedPolicy"] = "no charge",
        ["AWS::IAM::InstanceProfile"] = "no charge",
        ["AWS::ECS::Cluster"] = "no charge (tasks are priced on their services)",
        ["AWS::ECS::TaskDefinition"] = "no charge (tasks are priced on their services)",
        ["AWS::ApplicationAutoScaling::ScalableTarget"] = "no charge",
        ["AWS::ApplicationAutoScaling::ScalingPolicy"] = "no charge",
        ["AWS::ElasticLoadBalancingV2::TargetGroup"] = "no charge",
        ["AWS::ElasticLoadBalancingV2::Listener"] = "no charge",
        ["AWS::ElasticLoadBalancingV2::ListenerRule"] = "no charge",
        ["AWS::RDS::DBSubnetGroup"] = "no charge",
        ["AWS::RDS::DBParameterGroup"] = "no charge",
        ["AWS::RDS::DBClusterParameterGroup"] = "no charge",
        ["AWS::ElastiCache::SubnetGroup"] = "no charge",
        ["AWS::ElastiCache::ParameterGroup"] = "no charge",
        ["AWS::KMS::Alias"] = "no charge",
        ["AWS::CloudFront::OriginAccessControl"] = "no charge",
        ["AWS::S3::BucketPolicy"] = "no charge",
        ["AWS::SecretsManager::SecretTargetAttachment"] = "no charge",
        ["AWS::SNS::Topic"] = "no charge for the topic (alarm notifications stay within the SNS free tier)",
        ["AWS::SNS::Subscription"] = "no charge",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    // One shared answer per type keeps the free majority of a stack allocation-free.
    private static readonly FrozenDictionary<string, ResourcePricing> Answers =
        Free.ToFrozenDictionary(p => p.Key, p => ResourcePricing.Priced(p.Value), StringComparer.Ordinal);

    public IReadOnlyCollection<string> ResourceTypes => Free.Keys;

    public ResourcePricing Price(EstimateResource resource, PricingContext context) => Answers[resource.ResourceType];
}

// VPC endpoints: Gateway endpoints (the default type) are free; Interface endpoints have no price row.
internal sealed class VpcEndpointPricer : IResourcePricer
{
    public IReadOnlyCollection<string> ResourceTypes { get; } = ["AWS::EC2::VPCEndpoint"];

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        var type = PropertyReader.GetString(resource.Properties, "VpcEndpointType") ?? "Gateway";
        return type == "Gateway"
            ? ResourcePricing.Priced("Gateway endpoint: no charge")
            : ResourcePricing.Unpriced($"VPC endpoint type '{type}' is billed per AZ-hour and per GB, and the price catalog has no row for it");
    }
}
