using Portal.Provisioning.Pricing;
using static Portal.Provisioning.Tests.Pricing.EstimateAssertions;

namespace Portal.Provisioning.Tests.Pricing;

public sealed class CostEstimatorTests
{
    // prices.csv, us-east-1.
    private const decimal Ec2T3MediumHour = 0.0416m;
    private const decimal Ec2M5XlargeHour = 0.192m;
    private const decimal EksControlPlaneHour = 0.10m;
    private const decimal NatGatewayHour = 0.045m;
    private const decimal NatProcessedGb = 0.045m;
    private const decimal LogsIngestGb = 0.50m;
    private const decimal LogsStorageGbMonth = 0.03m;
    private const decimal AuroraAcuHour = 0.12m;
    private const decimal AuroraR5XlargeHour = 0.58m;
    private const decimal AuroraStorageGbMonth = 0.10m;
    private const decimal RedisR6gLargeHour = 0.206m;
    private const decimal FargateVcpuHour = 0.04048m;
    private const decimal FargateGbHour = 0.004445m;
    private const decimal AlbHour = 0.0225m;
    private const decimal AlbLcuHour = 0.008m;
    private const decimal CloudFrontGb = 0.085m;

    private readonly CostEstimator _estimator = new(PriceCatalog.Default);

    [Fact]
    public void MultiAz_UsesTheMultiAzRow_AndBillsStorageTwice()
    {
        var single = Estimate(Postgres("db.t3.micro", multiAz: "false", storage: "20"));
        var multi = Estimate(Postgres("db.t3.micro", multiAz: "true", storage: "20"));

        single.Line("Db").MonthlyUsd.ShouldBe(Cents((Hours * 0.018m) + (20 * 0.115m))); // 13.14 + 2.30
        multi.Line("Db").MonthlyUsd.ShouldBe(Cents((Hours * 0.036m) + (2 * 20 * 0.115m))); // 26.28 + 4.60
        multi.Line("Db").Components[1].Basis.ShouldBe(PriceBasis.Assumed);
    }

    [Fact]
    public void MultiAz_WithoutAMultiAzRow_IsTwiceTheSingleAzRateAndAssumed()
    {
        using var prices = File.OpenText(Path.Combine(AppContext.BaseDirectory, "TestData", "Pricing", "prices-without-multi-az.csv"));
        var estimator = new CostEstimator(PriceCatalog.Load(prices));

        var estimate = estimator.Estimate(new StackBuilder().Add("Db", "AWS::RDS::DBInstance", Postgres("db.m5.large", "true", "100")).Build());

        var instance = estimate.Line("Db").Components[0];
        instance.Basis.ShouldBe(PriceBasis.Assumed);
        instance.UnitUsd.ShouldBe(2 * 0.178m);
        instance.Notes.ShouldContain("twice the single-AZ rate");
        estimate.Line("Db").MonthlyUsd.ShouldBe(Cents((Hours * 2 * 0.178m) + (2 * 100 * 0.115m))); // 259.88 + 23.00
    }

    [Fact]
    public void SpotNodegroup_TakesTheStatedSeventyPercentOffOnDemand()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("Cluster", "AWS::EKS::Cluster", """{"RoleArn": "arn:aws:iam::1:role/eks", "ResourcesVpcConfig": {}}""")
            .Add("SpotNodes", "AWS::EKS::Nodegroup",
                """{"ClusterName": {"Ref": "Cluster"}, "CapacityType": "SPOT", "InstanceTypes": ["t3.medium", "t3a.medium"], "ScalingConfig": {"MinSize": 1, "DesiredSize": "3", "MaxSize": 10}}""")
            .Add("OnDemandNodes", "AWS::EKS::Nodegroup",
                """{"ClusterName": {"Ref": "Cluster"}, "CapacityType": "ON_DEMAND", "InstanceTypes": ["m5.xlarge"], "ScalingConfig": {"MinSize": 3, "MaxSize": 30}}""")
            .Build());

        var spot = estimate.Line("SpotNodes");
        spot.MonthlyUsd.ShouldBe(Cents(3 * Hours * Ec2T3MediumHour * (1 - 0.70m))); // 27.3312
        spot.Components.Count.ShouldBe(2);
        spot.Components[0].MonthlyUsd.ShouldBe(3 * Hours * Ec2T3MediumHour);
        spot.Components[1].Basis.ShouldBe(PriceBasis.Assumed);
        spot.Components[1].UnitUsd.ShouldBe(-0.70m * Ec2T3MediumHour);
        spot.Description.ShouldContain("70%");
        estimate.Assumptions.ShouldContain(a => a.Contains("70% less than on-demand"));
        // No DesiredSize: MinSize is priced, and the assumption says so.
        estimate.Line("OnDemandNodes").MonthlyUsd.ShouldBe(Cents(3 * Hours * Ec2M5XlargeHour)); // 420.48
        estimate.Assumptions.ShouldContain(a => a.StartsWith("OnDemandNodes: DesiredSize not set", StringComparison.Ordinal));
        estimate.Line("Cluster").MonthlyUsd.ShouldBe(Cents(Hours * EksControlPlaneHour)); // 73.00
    }

    [Fact]
    public void FargateSpotWeight_DiscountsItsShareOfTasks()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("Task", "AWS::ECS::TaskDefinition", """{"Cpu": "1 vCPU", "Memory": "2 GB"}""")
            .Add("Service", "AWS::ECS::Service",
                """{"DesiredCount": 4, "TaskDefinition": {"Ref": "Task"}, "CapacityProviderStrategy": [{"CapacityProvider": "FARGATE", "Weight": 1}, {"CapacityProvider": "FARGATE_SPOT", "Weight": 3}]}""")
            .Build());

        var full = (4 * 1m * Hours * FargateVcpuHour) + (4 * 2m * Hours * FargateGbHour);
        estimate.Line("Service").MonthlyUsd.ShouldBe(Cents(full - (0.75m * full * 0.70m)));
    }

    [Fact]
    public void UsageSplitsEvenlyOverResourcesOfTheType()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("NatA", "AWS::EC2::NatGateway")
            .Add("NatB", "AWS::EC2::NatGateway")
            .Add("LogsA", "AWS::Logs::LogGroup")
            .Add("LogsB", "AWS::Logs::LogGroup")
            .Add("LogsC", "AWS::Logs::LogGroup")
            .Usage(UsageKeys.NatProcessedGb, 200)
            .Usage(UsageKeys.LogsIngestGb, 30)
            .Usage(UsageKeys.LogsStorageGb, 90)
            .Build());

        estimate.Line("NatA").MonthlyUsd.ShouldBe(Cents((Hours * NatGatewayHour) + (100 * NatProcessedGb))); // 32.85 + 4.50
        estimate.Line("NatB").Components[1].Quantity.ShouldBe(100m);
        estimate.Line("LogsC").MonthlyUsd.ShouldBe(Cents((10 * LogsIngestGb) + (30 * LogsStorageGbMonth))); // 5.00 + 0.90
        estimate.Assumptions.ShouldContain("natProcessedGb (200 GB) is split evenly over the stack's 2 AWS::EC2::NatGateway resources: 100 GB each.");
        estimate.Assumptions.ShouldContain("logsIngestGb (30 GB) is split evenly over the stack's 3 AWS::Logs::LogGroup resources: 10 GB each.");
    }

    [Fact]
    public void AlbLcu_IsPerLoadBalancer_NotSplit()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("Alb", "AWS::ElasticLoadBalancingV2::LoadBalancer", """{"Scheme": "internal", "Subnets": ["subnet-1", "subnet-2"]}""")
            .Add("Alb2", "AWS::ElasticLoadBalancingV2::LoadBalancer", """{"Scheme": "internal", "Subnets": ["subnet-1", "subnet-2"]}""")
            .Usage(UsageKeys.AlbLcu, 2)
            .Build());

        estimate.Line("Alb").MonthlyUsd.ShouldBe(Cents((Hours * AlbHour) + (2 * Hours * AlbLcuHour))); // 16.425 + 11.68
        estimate.Line("Alb2").MonthlyUsd.ShouldBe(28.11m);
    }

    [Fact]
    public void AuroraServerless_IdlesAtMinimumCapacity_AndClusterPricesStorage()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("AuroraCluster", "AWS::RDS::DBCluster",
                """{"Engine": "aurora-postgresql", "ServerlessV2ScalingConfiguration": {"MinCapacity": "0.5", "MaxCapacity": 2}}""")
            .Add("Writer", "AWS::RDS::DBInstance", """{"Engine": "aurora-postgresql", "DBInstanceClass": "db.serverless", "DBClusterIdentifier": {"Ref": "AuroraCluster"}}""")
            .Add("Reader", "AWS::RDS::DBInstance", """{"Engine": "aurora-postgresql", "DBInstanceClass": "db.r5.xlarge", "DBClusterIdentifier": {"Ref": "AuroraCluster"}}""")
            .Usage(UsageKeys.AuroraStorageGb, 100)
            .Usage(UsageKeys.AuroraIoRequestsMillions, 5)
            .Build());

        estimate.Line("Writer").MonthlyUsd.ShouldBe(Cents(0.5m * Hours * AuroraAcuHour)); // 43.80
        estimate.Assumptions.ShouldContain(a => a.Contains("idle at its minimum capacity (0.5 ACU)"));
        estimate.Line("Reader").MonthlyUsd.ShouldBe(Cents(Hours * AuroraR5XlargeHour)); // 423.40
        estimate.Line("AuroraCluster").MonthlyUsd.ShouldBe(Cents((100 * AuroraStorageGbMonth) + (5 * 0.20m))); // 10.00 + 1.00 assumed I/O
        estimate.Line("AuroraCluster").Components[1].Basis.ShouldBe(PriceBasis.Assumed);
    }

    [Fact]
    public void ClusterModeReplicationGroup_CountsShardsTimesPrimaryPlusReplicas()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("Cache", "AWS::ElastiCache::ReplicationGroup", """{"CacheNodeType": "cache.r6g.large", "NumNodeGroups": 2, "ReplicasPerNodeGroup": "1"}""")
            .Build());

        estimate.Line("Cache").MonthlyUsd.ShouldBe(Cents(2 * (1 + 1) * Hours * RedisR6gLargeHour)); // 601.52
    }

    [Fact]
    public void CloudFront_PricesTransferAndAssumedRequests()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("Site", "AWS::CloudFront::Distribution", """{"DistributionConfig": {}}""")
            .Add("SiteBucket", "AWS::S3::Bucket")
            .Add("Oac", "AWS::CloudFront::OriginAccessControl")
            .Usage(UsageKeys.CloudFrontTransferGb, 50)
            .Usage(UsageKeys.CloudFrontRequests10k, 100)
            .Build());

        estimate.Line("Site").MonthlyUsd.ShouldBe(Cents((50 * CloudFrontGb) + (100 * 0.01m))); // 4.25 + 1.00
        estimate.Line("Site").Components[0].Basis.ShouldBe(PriceBasis.Unverified);
        estimate.Line("Site").Components[1].Basis.ShouldBe(PriceBasis.Assumed);
    }

    [Fact]
    public void UnknownTypeAndUnpriceableConfigurations_AreUnpriced_NeverZero()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("Fn", "AWS::Lambda::Function", """{"Runtime": "python3.12"}""")
            .Add("Db", "AWS::RDS::DBInstance", Postgres("db.m6g.large", "false", "20"))
            .Add("Mysql", "AWS::RDS::DBInstance", """{"Engine": "mysql", "DBInstanceClass": "db.t3.micro", "AllocatedStorage": 20}""")
            .Add("Service", "AWS::ECS::Service", """{"LaunchType": "FARGATE", "TaskDefinition": "arn:aws:ecs:us-east-1:1:task-definition/x:1"}""")
            .Add("Nodes", "AWS::EKS::Nodegroup", """{"InstanceTypes": ["t3.medium"], "ScalingConfig": {"DesiredSize": {"Fn::If": ["Prod", 3, 1]}}}""")
            .Add("Endpoint", "AWS::EC2::VPCEndpoint", """{"VpcEndpointType": "Interface"}""")
            .Add("S3Endpoint", "AWS::EC2::VPCEndpoint", """{"ServiceName": "com.amazonaws.us-east-1.s3"}""")
            .Build());

        estimate.UnpricedItem("Fn").Reason.ShouldContain("neither priced nor on the known-free list");
        estimate.UnpricedItem("Db").Reason.ShouldContain("db.m6g.large");
        estimate.UnpricedItem("Mysql").Reason.ShouldContain("mysql");
        estimate.UnpricedItem("Service").Reason.ShouldContain("not a reference to a task definition in this stack");
        estimate.UnpricedItem("Nodes").Reason.ShouldContain("DesiredSize nor MinSize");
        estimate.UnpricedItem("Endpoint").Reason.ShouldContain("Interface");
        estimate.Line("S3Endpoint").Description.ShouldContain("no charge");
        estimate.LineItems.Select(i => i.LogicalId).ShouldBe(["S3Endpoint"]);
        estimate.MonthlyUsd.ShouldBe(0m);
    }

    [Fact]
    public void UnsupportedRegion_IsAnError()
    {
        var input = new StackBuilder("eu-west-1").Add("Key", "AWS::KMS::Key").Build();

        Should.Throw<ArgumentException>(() => _estimator.Estimate(input)).Message.ShouldContain("eu-west-1");
    }

    [Fact]
    public void UnknownUsageKey_IsAnError()
    {
        var input = new StackBuilder().Add("Key", "AWS::KMS::Key").Usage("dataTransferGb", 10).Build();

        Should.Throw<ArgumentException>(() => _estimator.Estimate(input)).Message.ShouldContain("dataTransferGb");
    }

    [Fact]
    public void NegativeUsage_IsAnError()
    {
        var input = new StackBuilder().Usage(UsageKeys.S3StorageGb, -1).Build();

        Should.Throw<ArgumentException>(() => _estimator.Estimate(input));
    }

    [Fact]
    public void DuplicateLogicalIds_AreAnError()
    {
        var input = new StackBuilder().Add("Key", "AWS::KMS::Key").Add("Key", "AWS::KMS::Key").Build();

        Should.Throw<ArgumentException>(() => _estimator.Estimate(input));
    }

    [Fact]
    public void StringTypedNumbersAndBooleans_PriceLikeJsonOnes()
    {
        var asStrings = Estimate(Postgres("db.t3.small", multiAz: "\"true\"", storage: "\"50\""));
        var asJson = Estimate(Postgres("db.t3.small", multiAz: "true", storage: "50"));

        asStrings.Line("Db").MonthlyUsd.ShouldBe(asJson.Line("Db").MonthlyUsd);
        asStrings.Line("Db").MonthlyUsd.ShouldBe(Cents((Hours * 0.072m) + (2 * 50 * 0.115m)));
    }

    [Fact]
    public void Refs_AreFollowed_InRefAndGetAttForm()
    {
        var estimate = _estimator.Estimate(new StackBuilder()
            .Add("Task", "AWS::ECS::TaskDefinition", """{"Cpu": 1024, "Memory": 2048}""")
            .Add("ByRef", "AWS::ECS::Service", """{"LaunchType": "FARGATE", "DesiredCount": 1, "TaskDefinition": {"Ref": "Task"}}""")
            .Add("ByGetAtt", "AWS::ECS::Service", """{"LaunchType": "FARGATE", "DesiredCount": 1, "TaskDefinition": {"Fn::GetAtt": ["Task", "TaskDefinitionArn"]}}""")
            .Add("WrongType", "AWS::ECS::Service", """{"LaunchType": "FARGATE", "DesiredCount": 1, "TaskDefinition": {"Ref": "ByRef"}}""")
            .Add("Template", "AWS::EC2::LaunchTemplate", """{"LaunchTemplateData": {"InstanceType": "t3.medium"}}""")
            .Add("Group", "AWS::AutoScaling::AutoScalingGroup",
                """{"MinSize": "1", "MaxSize": "4", "DesiredCapacity": "2", "LaunchTemplate": {"LaunchTemplateId": {"Ref": "Template"}, "Version": {"Fn::GetAtt": ["Template", "LatestVersionNumber"]}}}""")
            .Build());

        var oneTask = Cents((1m * Hours * FargateVcpuHour) + (2m * Hours * FargateGbHour)); // 29.5504 + 6.4897
        estimate.Line("ByRef").MonthlyUsd.ShouldBe(oneTask);
        estimate.Line("ByGetAtt").MonthlyUsd.ShouldBe(oneTask);
        estimate.UnpricedItem("WrongType").Reason.ShouldContain("not a reference to a task definition");
        estimate.Line("Group").MonthlyUsd.ShouldBe(Cents(2 * Hours * Ec2T3MediumHour)); // 60.736
        estimate.Line("Template").Description.ShouldContain("no charge");
    }

    [Fact]
    public void UsWest2_FallsBackToUsEast1AsAssumed_AndSaysSo()
    {
        var estimate = _estimator.Estimate(new StackBuilder("us-west-2")
            .Add("Task", "AWS::ECS::TaskDefinition", """{"Cpu": "256", "Memory": "512"}""")
            .Add("Service", "AWS::ECS::Service", """{"LaunchType": "FARGATE", "DesiredCount": 1, "TaskDefinition": {"Ref": "Task"}}""")
            .Add("Cache", "AWS::ElastiCache::CacheCluster", """{"Engine": "redis", "CacheNodeType": "cache.t3.micro", "NumCacheNodes": 1}""")
            .Add("Nodes", "AWS::EKS::Nodegroup", """{"InstanceTypes": ["m5.large"], "ScalingConfig": {"DesiredSize": 2}}""")
            .Add("Key", "AWS::KMS::Key")
            .Build());

        var service = estimate.Line("Service");
        service.Components.ShouldAllBe(c => c.Basis == PriceBasis.Assumed);
        service.Description.ShouldContain("assumed equal to us-east-1");
        service.MonthlyUsd.ShouldBe(Cents((0.25m * Hours * FargateVcpuHour) + (0.5m * Hours * FargateGbHour)));
        // The ElastiCache row exists for us-west-2; the KMS row is for all regions.
        estimate.Line("Cache").Components.Single().Basis.ShouldBe(PriceBasis.Sourced);
        estimate.Line("Cache").Description.ShouldNotContain("assumed equal");
        estimate.Line("Key").Components.Single().Basis.ShouldBe(PriceBasis.Unverified);
        // EC2 carries the catalog's own UNVERIFIED note about Oregon rates.
        estimate.Line("Nodes").Components.Single().Notes.ShouldContain("UNVERIFIED");
        estimate.Line("Nodes").MonthlyUsd.ShouldBe(Cents(2 * Hours * 0.096m));
    }

    [Fact]
    public void UsageWithoutAConsumer_IsReportedNotLost()
    {
        var estimate = _estimator.Estimate(new StackBuilder().Add("Key", "AWS::KMS::Key").Usage(UsageKeys.S3StorageGb, 10).Build());

        estimate.Assumptions.ShouldContain("s3StorageGb is 10 but the stack has no AWS::S3::Bucket; it is not priced.");
    }

    [Fact]
    public void EmptyStack_CostsNothing()
    {
        var estimate = _estimator.Estimate(new StackBuilder().Build());

        estimate.MonthlyUsd.ShouldBe(0m);
        estimate.LineItems.ShouldBeEmpty();
        estimate.Unpriced.ShouldBeEmpty();
    }

    private CostEstimate Estimate(string postgresProperties) =>
        _estimator.Estimate(new StackBuilder().Add("Db", "AWS::RDS::DBInstance", postgresProperties).Build());

    private static string Postgres(string instanceClass, string multiAz, string storage) =>
        $$"""{"Engine": "postgres", "DBInstanceClass": "{{instanceClass}}", "MultiAZ": {{multiAz}}, "AllocatedStorage": {{storage}}, "StorageType": "gp3"}""";
}
