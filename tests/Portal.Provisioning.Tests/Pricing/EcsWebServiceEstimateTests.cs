using Portal.Provisioning.Pricing;
using static Portal.Provisioning.Tests.Pricing.EstimateAssertions;

namespace Portal.Provisioning.Tests.Pricing;

/// <summary>The catalog's ecs-web-service stack (dev and staging tiers), priced line by line against prices.csv.</summary>
public sealed class EcsWebServiceEstimateTests
{
    // prices.csv, us-east-1.
    private const decimal FargateVcpuHour = 0.04048m;
    private const decimal FargateGbHour = 0.004445m;
    private const decimal NatGatewayHour = 0.045m;
    private const decimal PublicIpv4Hour = 0.005m;
    private const decimal AlbHour = 0.0225m;
    private const decimal RdsT3MicroSingleAzHour = 0.018m;
    private const decimal RdsT3SmallMultiAzHour = 0.072m;
    private const decimal RdsGp3GbMonth = 0.115m;
    private const decimal RedisT3MicroHour = 0.017m;
    private const decimal RedisT3SmallHour = 0.034m;
    private const decimal S3StandardGbMonth = 0.023m;
    private const decimal SecretMonth = 0.40m;
    private const decimal AlarmMonth = 0.10m;
    private const decimal DataTransferOutGb = 0.09m;

    private static readonly string[] FreeResources =
    [
        "Vpc", "PublicSubnetA", "PublicSubnetB", "AppSubnetA", "AppSubnetB", "DbSubnetA", "DbSubnetB", "InternetGateway",
        "GatewayAttachment", "PublicRouteTable", "PublicDefaultRoute", "PublicSubnetARouteTableAssociation", "PrivateRouteTableA",
        "PrivateRouteTableB", "PrivateDefaultRouteA", "PrivateDefaultRouteB", "AlbSecurityGroup", "TaskSecurityGroup",
        "DatabaseSecurityGroup", "CacheSecurityGroup", "TargetGroup", "HttpListener", "Cluster", "ApiTaskDefinition",
        "WorkerTaskDefinition", "ApiScalableTarget", "ApiScalingPolicy", "TaskExecutionRole", "TaskRole", "DbSubnetGroup",
        "CacheSubnetGroup", "LogsBucketPolicy",
    ];

    private readonly CostEstimator _estimator = new(PriceCatalog.Default);

    [Fact]
    public void Dev_PricesEveryLineItemFromTheCsv()
    {
        var estimate = _estimator.Estimate(Stack(Tier.Dev));

        estimate.Unpriced.ShouldBeEmpty();
        estimate.Line("NatGatewayA").MonthlyUsd.ShouldBe(Cents(Hours * NatGatewayHour)); // 32.85
        estimate.Line("NatGatewayB").MonthlyUsd.ShouldBe(32.85m);
        estimate.Line("NatEipA").MonthlyUsd.ShouldBe(Cents(Hours * PublicIpv4Hour)); // 3.65
        estimate.Line("NatEipB").MonthlyUsd.ShouldBe(3.65m);
        estimate.Line("LoadBalancer").MonthlyUsd.ShouldBe(Cents((Hours * AlbHour) + (2 * Hours * PublicIpv4Hour))); // 16.425 + 7.30
        estimate.Line("LoadBalancer").MonthlyUsd.ShouldBe(23.73m);
        estimate.Line("ApiService").MonthlyUsd.ShouldBe(Cents(1 * ((0.5m * Hours * FargateVcpuHour) + (1m * Hours * FargateGbHour)))); // 18.02005
        estimate.Line("ApiService").MonthlyUsd.ShouldBe(18.02m);
        estimate.Line("ApiService").Description.ShouldBe("1 × Fargate task 0.5 vCPU / 1 GB, 730 h");
        estimate.Line("WorkerService").MonthlyUsd.ShouldBe(Cents((0.25m * Hours * FargateVcpuHour) + (0.5m * Hours * FargateGbHour))); // 9.010025
        estimate.Line("Database").MonthlyUsd.ShouldBe(Cents((Hours * RdsT3MicroSingleAzHour) + (20 * RdsGp3GbMonth) + SecretMonth)); // 13.14 + 2.30 + 0.40
        estimate.Line("Database").MonthlyUsd.ShouldBe(15.84m);
        estimate.Line("Cache").MonthlyUsd.ShouldBe(Cents(1 * Hours * RedisT3MicroHour)); // 12.41
        estimate.Line("LogsBucket").MonthlyUsd.ShouldBe(Cents(10m / 2 * S3StandardGbMonth)); // 0.115 rounds away from zero to 0.12
        estimate.Line("LogsBucket").MonthlyUsd.ShouldBe(0.12m);
        estimate.Line("AssetsBucket").MonthlyUsd.ShouldBe(0.12m);
        estimate.Line("AppRepository").MonthlyUsd.ShouldBe(0m);
        estimate.Line("ApiLogGroup").MonthlyUsd.ShouldBe(0m);
        estimate.Line("ApiCpuAlarm").MonthlyUsd.ShouldBe(AlarmMonth);
        estimate.Line("DatabaseUrlSecret").MonthlyUsd.ShouldBe(SecretMonth);
        estimate.Line("(stack)").MonthlyUsd.ShouldBe(Cents(100 * DataTransferOutGb)); // 9.00
        estimate.Line("(stack)").ResourceType.ShouldBe("AWS::DataTransfer");
        foreach (var id in FreeResources)
        {
            estimate.Line(id).MonthlyUsd.ShouldBe(0m);
            estimate.Line(id).Description.ShouldContain("no charge");
        }

        estimate.MonthlyUsd.ShouldBe(estimate.LineItems.Sum(i => i.MonthlyUsd));
        // 2×32.85 + 2×3.65 + 23.73 + 18.02 + 9.01 + 15.84 + 12.41 + 2×0.12 + 5×0.10 + 2×0.40 + 9.00
        estimate.MonthlyUsd.ShouldBe(162.55m);
    }

    [Fact]
    public void Staging_PricesMultiAzDatabaseReplicaCacheAndTwoTasks()
    {
        var estimate = _estimator.Estimate(Stack(Tier.Staging));

        estimate.Unpriced.ShouldBeEmpty();
        estimate.Line("ApiService").MonthlyUsd.ShouldBe(Cents(2 * ((0.5m * Hours * FargateVcpuHour) + (1m * Hours * FargateGbHour)))); // 36.0401
        estimate.Line("ApiService").Description.ShouldBe("2 × Fargate task 0.5 vCPU / 1 GB, 730 h");
        estimate.Line("WorkerService").MonthlyUsd.ShouldBe(9.01m);
        // Multi-AZ: the Multi-AZ row (0.072, UNVERIFIED) and storage billed twice.
        estimate.Line("Database").MonthlyUsd.ShouldBe(Cents((Hours * RdsT3SmallMultiAzHour) + (50 * 2 * RdsGp3GbMonth) + SecretMonth)); // 52.56 + 11.50 + 0.40
        estimate.Line("Database").MonthlyUsd.ShouldBe(64.46m);
        estimate.Line("Database").Components[0].Basis.ShouldBe(PriceBasis.Unverified);
        estimate.Line("Database").Components[1].Quantity.ShouldBe(100m);
        estimate.Line("Cache").MonthlyUsd.ShouldBe(Cents(2 * Hours * RedisT3SmallHour)); // 49.64
        estimate.Line("LogsBucket").MonthlyUsd.ShouldBe(Cents(50m / 2 * S3StandardGbMonth)); // 0.575 -> 0.58
        estimate.Line("(stack)").MonthlyUsd.ShouldBe(Cents(500 * DataTransferOutGb)); // 45.00
        estimate.Line("NatGatewayA").MonthlyUsd.ShouldBe(32.85m);
        estimate.Line("LoadBalancer").MonthlyUsd.ShouldBe(23.73m);

        // 2×32.85 + 2×3.65 + 23.73 + 36.04 + 9.01 + 64.46 + 49.64 + 2×0.58 + 5×0.10 + 2×0.40 + 45.00
        estimate.MonthlyUsd.ShouldBe(303.34m);
        estimate.MonthlyUsd.ShouldBe(estimate.LineItems.Sum(i => i.MonthlyUsd));
    }

    [Fact]
    public void Staging_KeepsUnverifiedPricesVisible()
    {
        var estimate = _estimator.Estimate(Stack(Tier.Staging));

        estimate.Line("Cache").Components.Single().Basis.ShouldBe(PriceBasis.Unverified);
        estimate.Line("Cache").Components.Single().Notes.ShouldContain("UNVERIFIED");
        estimate.Line("NatGatewayA").Components.ShouldAllBe(c => c.Basis == PriceBasis.Sourced);
        estimate.Assumptions.ShouldContain(a => a.StartsWith("UNVERIFIED prices", StringComparison.Ordinal) && a.Contains("cache.t3.small"));
        estimate.Assumptions.ShouldContain(a => a.Contains("s3StorageGb (50 GB) is split evenly over the stack's 2 AWS::S3::Bucket resources"));
    }

    [Fact]
    public void Components_MultiplyQuantityByUnitPrice()
    {
        var api = _estimator.Estimate(Stack(Tier.Staging)).Line("ApiService");

        api.Components.Count.ShouldBe(2);
        api.Components[0].Quantity.ShouldBe(2 * 0.5m * Hours);
        api.Components[0].UnitUsd.ShouldBe(FargateVcpuHour);
        api.Components[0].MonthlyUsd.ShouldBe(2 * 0.5m * Hours * FargateVcpuHour);
        api.Components[0].Unit.ShouldBe("vCPU-hour");
        api.Components[0].Source.ShouldBe("https://www.vantage.sh/blog/fargate-pricing");
        api.Components[1].Quantity.ShouldBe(2 * 1m * Hours);
        api.Components[1].Unit.ShouldBe("GB-hour");
    }

    private enum Tier
    {
        Dev,
        Staging,
    }

    /// <summary>The resources the catalog implies for ecs-web-service, as the template engine would hand them over.</summary>
    private static EstimateInput Stack(Tier tier)
    {
        var dev = tier == Tier.Dev;
        var builder = new StackBuilder()
            .Add("Vpc", "AWS::EC2::VPC", """{"CidrBlock": "10.1.0.0/16", "EnableDnsSupport": true, "EnableDnsHostnames": true}""")
            .Add("PublicSubnetA", "AWS::EC2::Subnet", """{"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.1.1.0/24"}""")
            .Add("PublicSubnetB", "AWS::EC2::Subnet", """{"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.1.2.0/24"}""")
            .Add("AppSubnetA", "AWS::EC2::Subnet", """{"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.1.10.0/24"}""")
            .Add("AppSubnetB", "AWS::EC2::Subnet", """{"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.1.11.0/24"}""")
            .Add("DbSubnetA", "AWS::EC2::Subnet", """{"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.1.20.0/24"}""")
            .Add("DbSubnetB", "AWS::EC2::Subnet", """{"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.1.21.0/24"}""")
            .Add("InternetGateway", "AWS::EC2::InternetGateway")
            .Add("GatewayAttachment", "AWS::EC2::VPCGatewayAttachment", """{"VpcId": {"Ref": "Vpc"}, "InternetGatewayId": {"Ref": "InternetGateway"}}""")
            .Add("NatEipA", "AWS::EC2::EIP", """{"Domain": "vpc"}""")
            .Add("NatEipB", "AWS::EC2::EIP", """{"Domain": "vpc"}""")
            .Add("NatGatewayA", "AWS::EC2::NatGateway", """{"AllocationId": {"Fn::GetAtt": ["NatEipA", "AllocationId"]}, "SubnetId": {"Ref": "PublicSubnetA"}}""")
            .Add("NatGatewayB", "AWS::EC2::NatGateway", """{"AllocationId": {"Fn::GetAtt": ["NatEipB", "AllocationId"]}, "SubnetId": {"Ref": "PublicSubnetB"}}""")
            .Add("PublicRouteTable", "AWS::EC2::RouteTable", """{"VpcId": {"Ref": "Vpc"}}""")
            .Add("PublicDefaultRoute", "AWS::EC2::Route", """{"RouteTableId": {"Ref": "PublicRouteTable"}, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": {"Ref": "InternetGateway"}}""")
            .Add("PublicSubnetARouteTableAssociation", "AWS::EC2::SubnetRouteTableAssociation", """{"SubnetId": {"Ref": "PublicSubnetA"}, "RouteTableId": {"Ref": "PublicRouteTable"}}""")
            .Add("PrivateRouteTableA", "AWS::EC2::RouteTable", """{"VpcId": {"Ref": "Vpc"}}""")
            .Add("PrivateRouteTableB", "AWS::EC2::RouteTable", """{"VpcId": {"Ref": "Vpc"}}""")
            .Add("PrivateDefaultRouteA", "AWS::EC2::Route", """{"RouteTableId": {"Ref": "PrivateRouteTableA"}, "DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": {"Ref": "NatGatewayA"}}""")
            .Add("PrivateDefaultRouteB", "AWS::EC2::Route", """{"RouteTableId": {"Ref": "PrivateRouteTableB"}, "DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": {"Ref": "NatGatewayB"}}""")
            .Add("AlbSecurityGroup", "AWS::EC2::SecurityGroup", """{"GroupDescription": "ALB", "VpcId": {"Ref": "Vpc"}}""")
            .Add("TaskSecurityGroup", "AWS::EC2::SecurityGroup", """{"GroupDescription": "Tasks", "VpcId": {"Ref": "Vpc"}}""")
            .Add("DatabaseSecurityGroup", "AWS::EC2::SecurityGroup", """{"GroupDescription": "RDS", "VpcId": {"Ref": "Vpc"}}""")
            .Add("CacheSecurityGroup", "AWS::EC2::SecurityGroup", """{"GroupDescription": "Redis", "VpcId": {"Ref": "Vpc"}}""")
            .Add("LoadBalancer", "AWS::ElasticLoadBalancingV2::LoadBalancer",
                """{"Type": "application", "Scheme": "internet-facing", "Subnets": [{"Ref": "PublicSubnetA"}, {"Ref": "PublicSubnetB"}], "SecurityGroups": [{"Ref": "AlbSecurityGroup"}]}""")
            .Add("TargetGroup", "AWS::ElasticLoadBalancingV2::TargetGroup", """{"Port": 8000, "Protocol": "HTTP", "TargetType": "ip", "HealthCheckPath": "/health"}""")
            .Add("HttpListener", "AWS::ElasticLoadBalancingV2::Listener", """{"LoadBalancerArn": {"Ref": "LoadBalancer"}, "Port": 80, "Protocol": "HTTP"}""")
            .Add("Cluster", "AWS::ECS::Cluster", """{"ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}]}""")
            .Add("ApiTaskDefinition", "AWS::ECS::TaskDefinition", """{"Cpu": "512", "Memory": "1024", "NetworkMode": "awsvpc", "RequiresCompatibilities": ["FARGATE"]}""")
            .Add("WorkerTaskDefinition", "AWS::ECS::TaskDefinition", """{"Cpu": "256", "Memory": "512", "NetworkMode": "awsvpc", "RequiresCompatibilities": ["FARGATE"]}""")
            .Add("ApiService", "AWS::ECS::Service",
                $$$"""{"Cluster": {"Ref": "Cluster"}, "LaunchType": "FARGATE", "DesiredCount": "{{{(dev ? 1 : 2)}}}", "TaskDefinition": {"Ref": "ApiTaskDefinition"}}""")
            .Add("WorkerService", "AWS::ECS::Service",
                """{"Cluster": {"Ref": "Cluster"}, "LaunchType": "FARGATE", "DesiredCount": 1, "TaskDefinition": {"Ref": "WorkerTaskDefinition"}}""")
            .Add("ApiScalableTarget", "AWS::ApplicationAutoScaling::ScalableTarget",
                $$$"""{"MinCapacity": {{{(dev ? 1 : 2)}}}, "MaxCapacity": {{{(dev ? 4 : 6)}}}, "ResourceId": {"Fn::Join": ["/", ["service", {"Ref": "Cluster"}, {"Fn::GetAtt": ["ApiService", "Name"]}]]}}""")
            .Add("ApiScalingPolicy", "AWS::ApplicationAutoScaling::ScalingPolicy", """{"PolicyType": "TargetTrackingScaling", "ScalingTargetId": {"Ref": "ApiScalableTarget"}}""")
            .Add("TaskExecutionRole", "AWS::IAM::Role", """{"AssumeRolePolicyDocument": {}}""")
            .Add("TaskRole", "AWS::IAM::Role", """{"AssumeRolePolicyDocument": {}}""")
            .Add("DbSubnetGroup", "AWS::RDS::DBSubnetGroup", """{"DBSubnetGroupDescription": "db", "SubnetIds": [{"Ref": "DbSubnetA"}, {"Ref": "DbSubnetB"}]}""")
            .Add("Database", "AWS::RDS::DBInstance",
                $$$"""
                {"Engine": "postgres", "EngineVersion": "15", "DBInstanceClass": "{{{(dev ? "db.t3.micro" : "db.t3.small")}}}",
                 "AllocatedStorage": "{{{(dev ? 20 : 50)}}}", "MaxAllocatedStorage": 100, "StorageType": "gp3", "StorageEncrypted": true,
                 "MultiAZ": {{{(dev ? "false" : "\"true\"")}}}, "BackupRetentionPeriod": {{{(dev ? 7 : 14)}}}, "ManageMasterUserPassword": true,
                 "DBSubnetGroupName": {"Ref": "DbSubnetGroup"}}
                """)
            .Add("CacheSubnetGroup", "AWS::ElastiCache::SubnetGroup", """{"Description": "cache", "SubnetIds": [{"Ref": "AppSubnetA"}, {"Ref": "AppSubnetB"}]}""")
            .Add("Cache", "AWS::ElastiCache::ReplicationGroup",
                $$$"""
                {"Engine": "redis", "EngineVersion": "7.1", "CacheNodeType": "{{{(dev ? "cache.t3.micro" : "cache.t3.small")}}}",
                 "NumCacheClusters": {{{(dev ? 1 : 2)}}}, "MultiAZEnabled": {{{(dev ? "false" : "true")}}}, "AutomaticFailoverEnabled": {{{(dev ? "false" : "true")}}},
                 "AtRestEncryptionEnabled": true, "TransitEncryptionEnabled": true, "CacheSubnetGroupName": {"Ref": "CacheSubnetGroup"}}
                """)
            .Add("LogsBucket", "AWS::S3::Bucket", """{"VersioningConfiguration": {"Status": "Enabled"}}""")
            .Add("LogsBucketPolicy", "AWS::S3::BucketPolicy", """{"Bucket": {"Ref": "LogsBucket"}, "PolicyDocument": {}}""")
            .Add("AssetsBucket", "AWS::S3::Bucket", """{"VersioningConfiguration": {"Status": "Enabled"}}""")
            .Add("AppRepository", "AWS::ECR::Repository", """{"ImageScanningConfiguration": {"ScanOnPush": true}}""")
            .Add("ApiLogGroup", "AWS::Logs::LogGroup", $$$"""{"RetentionInDays": {{{(dev ? 7 : 14)}}}}""")
            .Add("WorkerLogGroup", "AWS::Logs::LogGroup", $$$"""{"RetentionInDays": {{{(dev ? 7 : 14)}}}}""")
            .Add("ApiCpuAlarm", "AWS::CloudWatch::Alarm", """{"MetricName": "CPUUtilization", "Namespace": "AWS/ECS", "Period": 60, "Threshold": 80}""")
            .Add("ApiMemoryAlarm", "AWS::CloudWatch::Alarm", """{"MetricName": "MemoryUtilization", "Namespace": "AWS/ECS", "Period": "300", "Threshold": 80}""")
            .Add("Alb5xxAlarm", "AWS::CloudWatch::Alarm", """{"MetricName": "HTTPCode_ELB_5XX_Count", "Namespace": "AWS/ApplicationELB", "Period": 60, "Threshold": 10}""")
            .Add("DatabaseCpuAlarm", "AWS::CloudWatch::Alarm", """{"MetricName": "CPUUtilization", "Namespace": "AWS/RDS", "Period": 300, "Threshold": 75}""")
            .Add("CacheCpuAlarm", "AWS::CloudWatch::Alarm", """{"MetricName": "EngineCPUUtilization", "Namespace": "AWS/ElastiCache", "Period": 300, "Threshold": 75}""")
            .Add("DatabaseUrlSecret", "AWS::SecretsManager::Secret", """{"Name": "dev/app/database-url"}""")
            .Add("SecretKeySecret", "AWS::SecretsManager::Secret", """{"Name": "dev/app/secret-key", "GenerateSecretString": {}}""");

        return builder
            .Usage(UsageKeys.DataTransferOutGb, dev ? 100 : 500)
            .Usage(UsageKeys.S3StorageGb, dev ? 10 : 50)
            .Build();
    }
}
