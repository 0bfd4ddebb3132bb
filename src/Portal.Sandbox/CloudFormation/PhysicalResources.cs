using System.Text.Json.Nodes;
using Portal.Provisioning.Templates;
using Portal.Sandbox.State;

namespace Portal.Sandbox.CloudFormation;

/// <summary>
/// Physical ids and Fn::GetAtt attributes in AWS's formats (vpc-0123456789abcdef0, {stack}-{logical}-{random} names,
/// ARNs, endpoints), seeded from the stack id, logical id and generation so they are reproducible.
/// </summary>
internal static class PhysicalResources
{
    public static ResourceRecord Materialize(
        StackRecord stack, string logicalId, string type, JsonObject properties, string? deletionPolicy, int generation)
    {
        var random = new Seeded($"{stack.StackId}|{logicalId}|{generation}");
        var ctx = new Ctx(stack, logicalId, type, properties, random);
        var (physicalId, attributes) = Build(ctx);
        foreach (var attribute in SchemaRegistry.Default.AttributesOf(type) ?? new HashSet<string>())
        {
            if (!attributes.ContainsKey(attribute))
            {
                attributes[attribute] = Fallback(ctx, physicalId, attribute);
            }
        }

        return new ResourceRecord
        {
            LogicalId = logicalId,
            Type = type,
            PhysicalId = physicalId,
            Properties = properties,
            Attributes = attributes,
            DeletionPolicy = deletionPolicy,
        };
    }

    /// <summary>A value for an attribute nothing generated (custom resources, attributes the registry does not list).</summary>
    public static string Fallback(ResourceRecord resource, StackRecord stack, string attribute) =>
        Fallback(new Ctx(stack, resource.LogicalId, resource.Type, resource.Properties, new Seeded($"{stack.StackId}|{resource.LogicalId}|{attribute}")), resource.PhysicalId, attribute);

    private static string Fallback(Ctx c, string physicalId, string attribute)
    {
        if (c.Prop(attribute) is { } fromProperty)
        {
            return fromProperty;
        }

        var last = attribute[(attribute.LastIndexOf('.') + 1)..];
        if (last.EndsWith("Arn", StringComparison.Ordinal) || last == "ARN")
        {
            return physicalId.StartsWith("arn:", StringComparison.Ordinal) ? physicalId : c.Arn(c.Service, $"{c.TypeName.ToLowerInvariant()}/{physicalId}");
        }

        if (last.EndsWith("Port", StringComparison.Ordinal))
        {
            return "443";
        }

        if (last.Contains("Address", StringComparison.Ordinal) || last.Contains("DNSName", StringComparison.Ordinal)
            || last.Contains("DomainName", StringComparison.Ordinal) || last == "Endpoint")
        {
            return $"{Clean(physicalId)}.{c.Service}.{c.Region}.amazonaws.com";
        }

        if (last.EndsWith("Url", StringComparison.OrdinalIgnoreCase) || last.EndsWith("Uri", StringComparison.OrdinalIgnoreCase))
        {
            return $"https://{Clean(physicalId)}.{c.Service}.{c.Region}.amazonaws.com";
        }

        return last.EndsWith("Id", StringComparison.Ordinal) || last.EndsWith("Name", StringComparison.Ordinal) ? physicalId : $"{physicalId}-{last}";
    }

    private static string Clean(string id) => new([.. id.ToLowerInvariant().Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '-')]);

    private static (string PhysicalId, Dictionary<string, string> Attributes) Build(Ctx c)
    {
        var a = new Dictionary<string, string>(StringComparer.Ordinal);
        string id;
        switch (c.Type)
        {
            case "AWS::EC2::VPC":
                id = c.Ec2("vpc");
                a["VpcId"] = id;
                a["CidrBlock"] = c.Prop("CidrBlock") ?? "10.0.0.0/16";
                a["DefaultSecurityGroup"] = c.Ec2("sg");
                a["DefaultNetworkAcl"] = c.Ec2("acl");
                break;
            case "AWS::EC2::Subnet":
                id = c.Ec2("subnet");
                a["SubnetId"] = id;
                a["AvailabilityZone"] = c.Prop("AvailabilityZone") ?? c.Region + "a";
                a["AvailabilityZoneId"] = "use1-az" + (1 + c.Random.Next(6));
                a["VpcId"] = c.Prop("VpcId") ?? "";
                a["CidrBlock"] = c.Prop("CidrBlock") ?? "";
                a["NetworkAclAssociationId"] = c.Ec2("aclassoc");
                break;
            case "AWS::EC2::SecurityGroup":
                id = c.Ec2("sg");
                a["GroupId"] = id;
                a["VpcId"] = c.Prop("VpcId") ?? "";
                break;
            case "AWS::EC2::InternetGateway": id = c.Ec2("igw"); a["InternetGatewayId"] = id; break;
            case "AWS::EC2::NatGateway": id = c.Ec2("nat"); a["NatGatewayId"] = id; break;
            case "AWS::EC2::EIP":
                id = $"{(new[] { 3, 18, 34, 44, 52, 54 })[c.Random.Next(6)]}.{c.Random.Next(256)}.{c.Random.Next(256)}.{1 + c.Random.Next(254)}";
                a["PublicIp"] = id;
                a["AllocationId"] = c.Ec2("eipalloc");
                break;
            case "AWS::EC2::RouteTable": id = c.Ec2("rtb"); a["RouteTableId"] = id; break;
            case "AWS::EC2::Route": id = $"{c.Prop("RouteTableId")}|{c.Prop("DestinationCidrBlock") ?? c.Prop("DestinationIpv6CidrBlock") ?? "0.0.0.0/0"}"; break;
            case "AWS::EC2::VPCGatewayAttachment": id = $"IGW|{c.Prop("VpcId")}"; break;
            case "AWS::EC2::SubnetRouteTableAssociation": id = c.Ec2("rtbassoc"); break;
            case "AWS::EC2::VPCEndpoint":
                id = c.Ec2("vpce");
                a["Id"] = id;
                a["CreationTimestamp"] = c.Stack.CreationTime.UtcDateTime.ToString("O");
                break;
            case "AWS::EC2::FlowLog": id = c.Ec2("fl"); a["Id"] = id; break;
            case "AWS::EC2::LaunchTemplate": id = c.Ec2("lt"); a["LaunchTemplateId"] = id; a["LatestVersionNumber"] = "1"; a["DefaultVersionNumber"] = "1"; break;
            case "AWS::EC2::Instance": id = c.Ec2("i"); break;
            case "AWS::IAM::Role":
                id = c.Prop("RoleName") ?? c.Name(64, 12, lower: false, upperRandom: true);
                a["Arn"] = $"arn:{c.Partition}:iam::{c.Account}:role{c.Prop("Path") ?? "/"}{id}";
                a["RoleId"] = "AROA" + c.Random.Upper(17);
                break;
            case "AWS::IAM::InstanceProfile":
                id = c.Prop("InstanceProfileName") ?? c.Name(128, 12, lower: false, upperRandom: true);
                a["Arn"] = $"arn:{c.Partition}:iam::{c.Account}:instance-profile/{id}";
                break;
            case "AWS::IAM::ManagedPolicy":
                id = $"arn:{c.Partition}:iam::{c.Account}:policy/{c.Prop("ManagedPolicyName") ?? c.Name(128, 12, lower: false, upperRandom: true)}";
                a["PolicyArn"] = id;
                break;
            case "AWS::S3::Bucket":
                id = c.Prop("BucketName") ?? c.Name(63, 12, lower: true);
                a["Arn"] = $"arn:{c.Partition}:s3:::{id}";
                a["DomainName"] = $"{id}.s3.amazonaws.com";
                a["RegionalDomainName"] = $"{id}.s3.{c.Region}.amazonaws.com";
                a["DualStackDomainName"] = $"{id}.s3.dualstack.{c.Region}.amazonaws.com";
                a["WebsiteURL"] = $"http://{id}.s3-website-{c.Region}.amazonaws.com";
                break;
            case "AWS::S3::BucketPolicy": id = c.Prop("Bucket") ?? c.Name(63, 12, lower: true); break;
            case "AWS::RDS::DBInstance":
                id = (c.Prop("DBInstanceIdentifier") ?? c.Name(63, 12, lower: true)).ToLowerInvariant();
                a["Endpoint.Address"] = $"{id}.{c.Random.Lower(12)}.{c.Region}.rds.amazonaws.com";
                a["Endpoint.Port"] = c.Prop("Port") ?? DefaultPort(c.Prop("Engine"));
                a["Endpoint.HostedZoneId"] = "Z2R2ITUGPM61AM";
                a["DBInstanceArn"] = c.Arn("rds", $"db:{id}");
                a["DbiResourceId"] = "db-" + c.Random.Upper(26);
                break;
            case "AWS::RDS::DBCluster":
                id = (c.Prop("DBClusterIdentifier") ?? c.Name(63, 12, lower: true)).ToLowerInvariant();
                var clusterHash = c.Random.Lower(12);
                a["Endpoint.Address"] = $"{id}.cluster-{clusterHash}.{c.Region}.rds.amazonaws.com";
                a["ReadEndpoint.Address"] = $"{id}.cluster-ro-{clusterHash}.{c.Region}.rds.amazonaws.com";
                a["Endpoint.Port"] = c.Prop("Port") ?? DefaultPort(c.Prop("Engine"));
                a["DBClusterArn"] = c.Arn("rds", $"cluster:{id}");
                a["DBClusterResourceId"] = "cluster-" + c.Random.Upper(26);
                break;
            case "AWS::RDS::DBSubnetGroup" or "AWS::RDS::DBParameterGroup" or "AWS::RDS::DBClusterParameterGroup"
                or "AWS::ElastiCache::SubnetGroup":
                id = (c.Prop("DBSubnetGroupName") ?? c.Prop("CacheSubnetGroupName") ?? c.Name(255, 12, lower: true)).ToLowerInvariant();
                break;
            case "AWS::ElastiCache::ReplicationGroup":
                id = (c.Prop("ReplicationGroupId") ?? c.Name(40, 8, lower: true)).ToLowerInvariant();
                var cacheHash = c.Random.Lower(6);
                a["PrimaryEndPoint.Address"] = $"master.{id}.{cacheHash}.use1.cache.amazonaws.com";
                a["PrimaryEndPoint.Port"] = c.Prop("Port") ?? "6379";
                a["ReaderEndPoint.Address"] = $"replica.{id}.{cacheHash}.use1.cache.amazonaws.com";
                a["ReaderEndPoint.Port"] = c.Prop("Port") ?? "6379";
                a["ConfigurationEndPoint.Address"] = $"clustercfg.{id}.{cacheHash}.use1.cache.amazonaws.com";
                a["ConfigurationEndPoint.Port"] = c.Prop("Port") ?? "6379";
                break;
            case "AWS::ElastiCache::CacheCluster":
                id = (c.Prop("ClusterName") ?? c.Name(40, 8, lower: true)).ToLowerInvariant();
                a["RedisEndpoint.Address"] = $"{id}.{c.Random.Lower(6)}.0001.use1.cache.amazonaws.com";
                a["RedisEndpoint.Port"] = "6379";
                break;
            case "AWS::EKS::Cluster":
                id = c.Prop("Name") ?? $"{c.LogicalId}-{c.Random.Lower(12)}";
                a["Arn"] = c.Arn("eks", $"cluster/{id}");
                a["Endpoint"] = $"https://{c.Random.Hex(32).ToUpperInvariant()}.gr7.{c.Region}.eks.amazonaws.com";
                a["CertificateAuthorityData"] = Convert.ToBase64String(c.Random.Bytes(48));
                a["ClusterSecurityGroupId"] = c.Ec2("sg");
                a["OpenIdConnectIssuerUrl"] = $"https://oidc.eks.{c.Region}.amazonaws.com/id/{c.Random.Hex(32).ToUpperInvariant()}";
                a["KubernetesNetworkConfig.ServiceIpv4Cidr"] = "172.20.0.0/16";
                a["Id"] = c.Random.Guid().ToString();
                break;
            case "AWS::EKS::Nodegroup":
                var nodegroup = c.Prop("NodegroupName") ?? $"{c.LogicalId}-{c.Random.Lower(12)}";
                id = $"{c.Prop("ClusterName")}/{nodegroup}";
                a["NodegroupName"] = nodegroup;
                a["ClusterName"] = c.Prop("ClusterName") ?? "";
                a["Arn"] = c.Arn("eks", $"nodegroup/{c.Prop("ClusterName")}/{nodegroup}/{c.Random.Guid()}");
                break;
            case "AWS::ECS::Cluster":
                id = c.Prop("ClusterName") ?? c.Name(255, 12, lower: false, upperRandom: false);
                a["Arn"] = c.Arn("ecs", $"cluster/{id}");
                break;
            case "AWS::ECS::Service":
                var serviceName = c.Prop("ServiceName") ?? c.Name(255, 12, lower: false, upperRandom: false);
                var cluster = c.Prop("Cluster") is { } cl ? cl[(cl.LastIndexOf('/') + 1)..] : "default";
                id = c.Arn("ecs", $"service/{cluster}/{serviceName}");
                a["ServiceArn"] = id;
                a["Name"] = serviceName;
                break;
            case "AWS::ECS::TaskDefinition":
                id = c.Arn("ecs", $"task-definition/{c.Prop("Family") ?? c.Name(255, 12, lower: false, upperRandom: false)}:{c.Generation + 1}");
                a["TaskDefinitionArn"] = id;
                break;
            case "AWS::ElasticLoadBalancingV2::LoadBalancer":
                var lbName = c.Prop("Name") ?? c.Name(32, 8, lower: false, upperRandom: true);
                var lbHex = c.Random.Hex(16);
                id = c.Arn("elasticloadbalancing", $"loadbalancer/app/{lbName}/{lbHex}");
                a["LoadBalancerName"] = lbName;
                a["LoadBalancerFullName"] = $"app/{lbName}/{lbHex}";
                a["DNSName"] = $"{lbName}-{c.Random.Digits(10)}.{c.Region}.elb.amazonaws.com";
                a["CanonicalHostedZoneID"] = "Z35SXDOTRQ7X7K";
                a["LoadBalancerArn"] = id;
                break;
            case "AWS::ElasticLoadBalancingV2::TargetGroup":
                var tgName = c.Prop("Name") ?? c.Name(32, 8, lower: false, upperRandom: true);
                var tgHex = c.Random.Hex(16);
                id = c.Arn("elasticloadbalancing", $"targetgroup/{tgName}/{tgHex}");
                a["TargetGroupName"] = tgName;
                a["TargetGroupFullName"] = $"targetgroup/{tgName}/{tgHex}";
                a["TargetGroupArn"] = id;
                break;
            case "AWS::ElasticLoadBalancingV2::Listener" or "AWS::ElasticLoadBalancingV2::ListenerRule":
                var lb = c.Prop("LoadBalancerArn") ?? c.Prop("ListenerArn") ?? c.Arn("elasticloadbalancing", $"loadbalancer/app/lb/{c.Random.Hex(16)}");
                id = lb.Replace(":loadbalancer/", ":listener/", StringComparison.Ordinal) + "/" + c.Random.Hex(16);
                if (c.Type.EndsWith("Rule", StringComparison.Ordinal))
                {
                    id = id.Replace(":listener/", ":listener-rule/", StringComparison.Ordinal);
                    a["RuleArn"] = id;
                }
                else
                {
                    a["ListenerArn"] = id;
                }

                break;
            case "AWS::CloudFront::Distribution":
                id = "E" + c.Random.Upper(13);
                a["Id"] = id;
                a["DomainName"] = $"d{c.Random.Lower(13)}.cloudfront.net";
                break;
            case "AWS::CloudFront::OriginAccessControl": id = "E" + c.Random.Upper(13); a["Id"] = id; break;
            case "AWS::Logs::LogGroup":
                id = c.Prop("LogGroupName") ?? c.Name(512, 12, lower: false, upperRandom: false);
                a["Arn"] = c.Arn("logs", $"log-group:{id}:*");
                break;
            case "AWS::SecretsManager::Secret":
                var secretName = c.Prop("Name") ?? $"{c.LogicalId}-{c.Random.Lower(12)}";
                id = c.Arn("secretsmanager", $"secret:{secretName}-{c.Random.Lower(6)}");
                a["Id"] = id;
                break;
            case "AWS::KMS::Key":
                id = c.Random.Guid().ToString();
                a["KeyId"] = id;
                a["Arn"] = c.Arn("kms", $"key/{id}");
                break;
            case "AWS::KMS::Alias": id = c.Prop("AliasName") ?? $"alias/{c.LogicalId}"; break;
            case "AWS::ECR::Repository":
                id = (c.Prop("RepositoryName") ?? c.Name(256, 12, lower: true)).ToLowerInvariant();
                a["Arn"] = c.Arn("ecr", $"repository/{id}");
                a["RepositoryUri"] = $"{c.Account}.dkr.ecr.{c.Region}.amazonaws.com/{id}";
                break;
            case "AWS::SNS::Topic":
                var topic = c.Prop("TopicName") ?? c.Name(256, 12, lower: false, upperRandom: true);
                id = c.Arn("sns", topic);
                a["TopicArn"] = id;
                a["TopicName"] = topic;
                break;
            case "AWS::SQS::Queue":
                var queue = c.Prop("QueueName") ?? c.Name(80, 12, lower: false, upperRandom: true);
                id = $"https://sqs.{c.Region}.amazonaws.com/{c.Account}/{queue}";
                a["Arn"] = c.Arn("sqs", queue);
                a["QueueName"] = queue;
                a["QueueUrl"] = id;
                break;
            case "AWS::Lambda::Function":
                id = c.Prop("FunctionName") ?? c.Name(64, 12, lower: false, upperRandom: true);
                a["Arn"] = c.Arn("lambda", $"function:{id}");
                break;
            case "AWS::CloudWatch::Alarm":
                id = c.Prop("AlarmName") ?? c.Name(255, 12, lower: false, upperRandom: true);
                a["Arn"] = c.Arn("cloudwatch", $"alarm:{id}");
                break;
            case "AWS::ApplicationAutoScaling::ScalableTarget":
                id = $"{c.Prop("ResourceId")}|{c.Prop("ScalableDimension")}|{c.Prop("ServiceNamespace")}";
                break;
            case "AWS::ApplicationAutoScaling::ScalingPolicy":
                id = c.Arn("autoscaling", $"scalingPolicy:{c.Random.Guid()}:resource/{c.Prop("PolicyName") ?? c.LogicalId}");
                a["Arn"] = id;
                break;
            case "AWS::Route53::RecordSet": id = c.Prop("Name") ?? $"{c.LogicalId.ToLowerInvariant()}.example.com"; break;
            default:
                id = c.Name(255, 12, lower: false, upperRandom: true);
                break;
        }

        return (id, a);
    }

    private static string DefaultPort(string? engine) => engine switch
    {
        { } e when e.Contains("postgres", StringComparison.OrdinalIgnoreCase) => "5432",
        { } e when e.Contains("sqlserver", StringComparison.OrdinalIgnoreCase) => "1433",
        { } e when e.Contains("oracle", StringComparison.OrdinalIgnoreCase) => "1521",
        _ => "3306",
    };

    private sealed class Ctx(StackRecord stack, string logicalId, string type, JsonObject properties, Seeded random)
    {
        public StackRecord Stack => stack;

        public string LogicalId => logicalId;

        public string Type => type;

        public Seeded Random => random;

        public int Generation => stack.Generation;

        public string Region => stack.Region;

        public string Account => stack.AccountId;

        public string Partition => "aws";

        public string Service => type.Split("::") is { Length: >= 2 } parts ? parts[1].ToLowerInvariant() : "custom";

        public string TypeName => type.Split("::")[^1];

        public string? Prop(string name)
        {
            JsonNode? node = properties;
            foreach (var part in name.Split('.'))
            {
                node = node is JsonObject o && o.TryGetPropertyValue(part, out var next) ? next : null;
            }

            return node is JsonValue value ? value.ToString() : null;
        }

        public string Ec2(string prefix) => $"{prefix}-0{random.Hex(16)}";

        public string Arn(string service, string resource) => $"arn:{Partition}:{service}:{Region}:{Account}:{resource}";

        // CloudFormation's generated names: {stack}-{logical}-{random}, cut to the type's maximum length.
        public string Name(int max, int randomLength, bool lower, bool upperRandom = false)
        {
            var suffix = "-" + (upperRandom ? random.Upper(randomLength) : random.Lower(randomLength));
            var prefix = $"{stack.StackName}-{logicalId}";
            if (prefix.Length + suffix.Length > max)
            {
                prefix = prefix[..Math.Max(1, max - suffix.Length)].TrimEnd('-');
            }

            var name = prefix + suffix;
            return lower ? name.ToLowerInvariant() : name;
        }
    }
}
