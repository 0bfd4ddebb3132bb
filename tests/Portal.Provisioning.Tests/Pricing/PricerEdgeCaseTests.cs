using Portal.Provisioning.Pricing;
using static Portal.Provisioning.Tests.Pricing.EstimateAssertions;

namespace Portal.Provisioning.Tests.Pricing;

public sealed class PricerEdgeCaseTests
{
    private const decimal AlarmMonth = 0.10m;
    private const decimal S3StandardGbMonth = 0.023m;
    private const decimal Ec2C5LargeHour = 0.085m;

    private readonly CostEstimator _estimator = new(PriceCatalog.Default);

    [Theory]
    [InlineData("AWS::EC2::VPC")]
    [InlineData("AWS::EC2::Subnet")]
    [InlineData("AWS::EC2::RouteTable")]
    [InlineData("AWS::EC2::Route")]
    [InlineData("AWS::EC2::SubnetRouteTableAssociation")]
    [InlineData("AWS::EC2::InternetGateway")]
    [InlineData("AWS::EC2::VPCGatewayAttachment")]
    [InlineData("AWS::EC2::SecurityGroup")]
    [InlineData("AWS::EC2::SecurityGroupIngress")]
    [InlineData("AWS::IAM::Role")]
    [InlineData("AWS::IAM::Policy")]
    [InlineData("AWS::IAM::ManagedPolicy")]
    [InlineData("AWS::IAM::InstanceProfile")]
    [InlineData("AWS::ECS::Cluster")]
    [InlineData("AWS::ECS::TaskDefinition")]
    [InlineData("AWS::ApplicationAutoScaling::ScalableTarget")]
    [InlineData("AWS::ApplicationAutoScaling::ScalingPolicy")]
    [InlineData("AWS::ElasticLoadBalancingV2::TargetGroup")]
    [InlineData("AWS::ElasticLoadBalancingV2::Listener")]
    [InlineData("AWS::ElasticLoadBalancingV2::ListenerRule")]
    [InlineData("AWS::RDS::DBSubnetGroup")]
    [InlineData("AWS::ElastiCache::SubnetGroup")]
    [InlineData("AWS::RDS::DBParameterGroup")]
    [InlineData("AWS::KMS::Alias")]
    [InlineData("AWS::CloudFront::OriginAccessControl")]
    [InlineData("AWS::S3::BucketPolicy")]
    [InlineData("AWS::EC2::VPCEndpoint")]
    [InlineData("AWS::EC2::FlowLog")]
    public void KnownFreeType_IsAZeroLineItemSayingNoCharge(string resourceType)
    {
        var estimate = _estimator.Estimate(new StackBuilder().Add("R", resourceType).Build());

        estimate.Line("R").MonthlyUsd.ShouldBe(0m);
        estimate.Line("R").Description.ShouldContain("no charge");
    }

    [Fact]
    public void Total_IsTheSumOfRoundedLineItems()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("A", "AWS::S3::Bucket")
            .Add("B", "AWS::S3::Bucket")
            .Usage(UsageKeys.S3StorageGb, 10)
            .Build());

        // Each bucket: 5 GB × 0.023 = 0.115 → 0.12 (away from zero); the total is 0.24, not Cents(10 × 0.023) = 0.23.
        estimate.Line("A").MonthlyUsd.ShouldBe(Cents(5 * S3StandardGbMonth));
        estimate.MonthlyUsd.ShouldBe(0.24m);
    }

    [Fact]
    public void MetricMathAlarm_IsBilledPerMetric_AndHighResolutionIsUnpriced()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("Math", "AWS::CloudWatch::Alarm",
                """{"Metrics": [{"Id": "e1", "Expression": "m1/m2"}, {"Id": "m1", "MetricStat": {}}, {"Id": "m2", "MetricStat": {}}]}""")
            .Add("Fast", "AWS::CloudWatch::Alarm", """{"MetricName": "CPUUtilization", "Period": "10"}""")
            .Build());

        estimate.Line("Math").MonthlyUsd.ShouldBe(2 * AlarmMonth);
        estimate.UnpricedItem("Fast").Reason.ShouldContain("high-resolution");
    }

    [Fact]
    public void AutoScalingGroup_WithoutDesiredCapacity_PricesMinSize_FromALaunchConfiguration()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("Config", "AWS::AutoScaling::LaunchConfiguration", """{"InstanceType": "c5.large", "ImageId": "ami-1"}""")
            .Add("Group", "AWS::AutoScaling::AutoScalingGroup", """{"MinSize": "2", "MaxSize": "5", "LaunchConfigurationName": {"Ref": "Config"}}""")
            .Add("ParamGroup", "AWS::AutoScaling::AutoScalingGroup",
                """{"MinSize": 1, "MaxSize": 2, "LaunchTemplate": {"LaunchTemplateId": "lt-0123", "Version": "1"}}""")
            .Build());

        estimate.Line("Group").MonthlyUsd.ShouldBe(Cents(2 * Hours * Ec2C5LargeHour)); // 124.10
        estimate.Assumptions.ShouldContain(a => a.StartsWith("Group: DesiredCapacity not set", StringComparison.Ordinal));
        estimate.UnpricedItem("ParamGroup").Reason.ShouldContain("no literal InstanceType");
    }

    [Fact]
    public void FargateConfigurationsWithoutARow_AreUnpriced()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("ArmTask", "AWS::ECS::TaskDefinition", """{"Cpu": "256", "Memory": "512", "RuntimePlatform": {"CpuArchitecture": "ARM64"}}""")
            .Add("Arm", "AWS::ECS::Service", """{"LaunchType": "FARGATE", "TaskDefinition": {"Ref": "ArmTask"}}""")
            .Add("Ec2Task", "AWS::ECS::TaskDefinition", """{"Cpu": "256", "Memory": "512"}""")
            .Add("OnEc2", "AWS::ECS::Service", """{"LaunchType": "EC2", "TaskDefinition": {"Ref": "Ec2Task"}}""")
            .Add("NoCpu", "AWS::ECS::Service", """{"LaunchType": "FARGATE", "TaskDefinition": {"Ref": "NoCpuTask"}}""")
            .Add("NoCpuTask", "AWS::ECS::TaskDefinition", """{"Memory": "512"}""")
            .Build());

        estimate.UnpricedItem("Arm").Reason.ShouldContain("ARM64");
        estimate.UnpricedItem("OnEc2").Reason.ShouldContain("launch type EC2");
        estimate.UnpricedItem("NoCpu").Reason.ShouldContain("Cpu not set");
    }

    [Fact]
    public void FargateService_WithoutDesiredCount_PricesOneTaskAndSaysSo()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("Task", "AWS::ECS::TaskDefinition", """{"Cpu": "512", "Memory": "1024"}""")
            .Add("Service", "AWS::ECS::Service", """{"LaunchType": "FARGATE", "TaskDefinition": {"Ref": "Task"}}""")
            .Build());

        estimate.Line("Service").Description.ShouldStartWith("1 × Fargate task");
        estimate.Assumptions.ShouldContain(a => a.StartsWith("Service: DesiredCount not set", StringComparison.Ordinal));
    }

    [Fact]
    public void NetworkLoadBalancer_AndServerlessWithoutItsCluster_AreUnpriced()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("Nlb", "AWS::ElasticLoadBalancingV2::LoadBalancer", """{"Type": "network", "Subnets": ["subnet-1"]}""")
            .Add("Writer", "AWS::RDS::DBInstance", """{"Engine": "aurora-postgresql", "DBInstanceClass": "db.serverless", "DBClusterIdentifier": "shared-cluster"}""")
            .Build());

        estimate.UnpricedItem("Nlb").Reason.ShouldContain("network");
        estimate.UnpricedItem("Writer").Reason.ShouldContain("serverless capacity is unknown");
    }

    [Fact]
    public void ReadReplica_FoundByLiteralIdentifier_InheritsSourceStorage()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("Primary", "AWS::RDS::DBInstance",
                """{"DBInstanceIdentifier": "orders", "Engine": "postgres", "DBInstanceClass": "db.t3.medium", "AllocatedStorage": 100, "StorageType": "gp3"}""")
            .Add("Replica", "AWS::RDS::DBInstance", """{"SourceDBInstanceIdentifier": "orders", "DBInstanceClass": "db.t3.medium"}""")
            .Build());

        estimate.Line("Replica").MonthlyUsd.ShouldBe(Cents((Hours * 0.072m) + (100 * 0.115m))); // 52.56 + 11.50
    }
}
