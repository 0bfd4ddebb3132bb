using System.Globalization;
using System.Text.Json.Nodes;

namespace Portal.Sandbox.CloudFormation;

/// <summary>How long AWS takes per resource type (seconds at real speed) and which types need IAM capabilities.</summary>
internal static class ResourceBehaviour
{
    private static readonly Dictionary<string, double> CreateSeconds = new(StringComparer.Ordinal)
    {
        ["AWS::EC2::VPC"] = 3, ["AWS::EC2::Subnet"] = 5, ["AWS::EC2::SecurityGroup"] = 5, ["AWS::EC2::SecurityGroupIngress"] = 2,
        ["AWS::EC2::InternetGateway"] = 2, ["AWS::EC2::VPCGatewayAttachment"] = 16, ["AWS::EC2::NatGateway"] = 120,
        ["AWS::EC2::EIP"] = 2, ["AWS::EC2::RouteTable"] = 2, ["AWS::EC2::Route"] = 2, ["AWS::EC2::SubnetRouteTableAssociation"] = 1,
        ["AWS::EC2::VPCEndpoint"] = 60, ["AWS::EC2::FlowLog"] = 3, ["AWS::EC2::LaunchTemplate"] = 2, ["AWS::EC2::Instance"] = 40,
        ["AWS::IAM::Role"] = 15, ["AWS::IAM::InstanceProfile"] = 120, ["AWS::IAM::Policy"] = 15, ["AWS::IAM::ManagedPolicy"] = 10,
        ["AWS::S3::Bucket"] = 22, ["AWS::S3::BucketPolicy"] = 1,
        ["AWS::RDS::DBInstance"] = 600, ["AWS::RDS::DBCluster"] = 480, ["AWS::RDS::DBSubnetGroup"] = 2,
        ["AWS::RDS::DBParameterGroup"] = 2, ["AWS::RDS::DBClusterParameterGroup"] = 2,
        ["AWS::ElastiCache::ReplicationGroup"] = 480, ["AWS::ElastiCache::CacheCluster"] = 360, ["AWS::ElastiCache::SubnetGroup"] = 2,
        ["AWS::EKS::Cluster"] = 720, ["AWS::EKS::Nodegroup"] = 300,
        ["AWS::ECS::Cluster"] = 5, ["AWS::ECS::Service"] = 120, ["AWS::ECS::TaskDefinition"] = 2,
        ["AWS::ElasticLoadBalancingV2::LoadBalancer"] = 180, ["AWS::ElasticLoadBalancingV2::TargetGroup"] = 2,
        ["AWS::ElasticLoadBalancingV2::Listener"] = 1, ["AWS::ElasticLoadBalancingV2::ListenerRule"] = 1,
        ["AWS::CloudFront::Distribution"] = 300, ["AWS::CloudFront::OriginAccessControl"] = 2,
        ["AWS::Logs::LogGroup"] = 2, ["AWS::SecretsManager::Secret"] = 2, ["AWS::KMS::Key"] = 5, ["AWS::KMS::Alias"] = 2,
        ["AWS::ECR::Repository"] = 2, ["AWS::SNS::Topic"] = 2, ["AWS::SQS::Queue"] = 60, ["AWS::CloudWatch::Alarm"] = 2,
        ["AWS::ApplicationAutoScaling::ScalableTarget"] = 30, ["AWS::ApplicationAutoScaling::ScalingPolicy"] = 2,
        ["AWS::Lambda::Function"] = 10, ["AWS::Route53::RecordSet"] = 40, ["AWS::WAFv2::WebACL"] = 5,
        ["AWS::AutoScaling::AutoScalingGroup"] = 90,
    };

    private static readonly Dictionary<string, double> DeleteSeconds = new(StringComparer.Ordinal)
    {
        ["AWS::RDS::DBInstance"] = 360, ["AWS::RDS::DBCluster"] = 240, ["AWS::ElastiCache::ReplicationGroup"] = 300,
        ["AWS::ElastiCache::CacheCluster"] = 240, ["AWS::EKS::Cluster"] = 480, ["AWS::EKS::Nodegroup"] = 300,
        ["AWS::EC2::NatGateway"] = 60, ["AWS::CloudFront::Distribution"] = 300, ["AWS::ElasticLoadBalancingV2::LoadBalancer"] = 30,
        ["AWS::EC2::InternetGateway"] = 10, ["AWS::EC2::VPCGatewayAttachment"] = 15, ["AWS::ECS::Service"] = 90,
        ["AWS::EC2::VPCEndpoint"] = 60, ["AWS::IAM::InstanceProfile"] = 10,
    };

    public static readonly IReadOnlySet<string> IamTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User", "AWS::IAM::Group",
        "AWS::IAM::InstanceProfile", "AWS::IAM::AccessKey", "AWS::IAM::UserToGroupAddition", "AWS::IAM::RolePolicy",
    };

    private static readonly Dictionary<string, string> IamNameProperties = new(StringComparer.Ordinal)
    {
        ["AWS::IAM::Role"] = "RoleName", ["AWS::IAM::ManagedPolicy"] = "ManagedPolicyName", ["AWS::IAM::User"] = "UserName",
        ["AWS::IAM::Group"] = "GroupName", ["AWS::IAM::InstanceProfile"] = "InstanceProfileName",
    };

    public static TimeSpan CreateDuration(string type, double speed, Seeded random) =>
        Scale(CreateSeconds.GetValueOrDefault(type, 5), speed, random);

    public static TimeSpan UpdateDuration(string type, double speed, Seeded random) =>
        Scale(Math.Max(1, CreateSeconds.GetValueOrDefault(type, 5) * 0.5), speed, random);

    public static TimeSpan DeleteDuration(string type, double speed, Seeded random) =>
        Scale(DeleteSeconds.GetValueOrDefault(type, Math.Max(1, CreateSeconds.GetValueOrDefault(type, 5) * 0.5)), speed, random);

    /// <summary>A short gap (about a second at real speed) between related events.</summary>
    public static TimeSpan Step(double speed, Seeded random) => Scale(1, speed, random);

    /// <summary>Whether a resource needs CAPABILITY_NAMED_IAM (an IAM resource given a custom name).</summary>
    public static bool IsNamedIam(string type, JsonObject? properties) =>
        IamNameProperties.TryGetValue(type, out var name) && properties?.ContainsKey(name) == true;

    // ±15% jitter so parallel resources do not finish in lockstep; at least 1 ms so events stay ordered.
    private static TimeSpan Scale(double seconds, double speed, Seeded random)
    {
        var jitter = 0.85 + (random.Fraction() * 0.3);
        var scaled = seconds * jitter / speed;
        return TimeSpan.FromMilliseconds(Math.Max(1, Math.Round(scaled * 1000, MidpointRounding.AwayFromZero)));
    }

    public static string Invariant(this double value) => value.ToString(CultureInfo.InvariantCulture);
}
