using Portal.Provisioning.Pricing;
using static Portal.Provisioning.Tests.Pricing.EstimateAssertions;

namespace Portal.Provisioning.Tests.Pricing;

/// <summary>The catalog's rds-postgres stack, prod tier: Multi-AZ db.r5.2xlarge, 1 TB gp3 at 3000 IOPS, two db.r5.xlarge replicas.</summary>
public sealed class RdsPostgresEstimateTests
{
    // prices.csv, us-east-1 (the instance rows are UNVERIFIED).
    private const decimal RdsR5TwoXlargeMultiAzHour = 2.0m;
    private const decimal RdsR5XlargeSingleAzHour = 0.5m;
    private const decimal RdsGp3GbMonth = 0.115m;
    private const decimal SecretMonth = 0.40m;
    private const decimal KmsKeyMonth = 1.00m;

    private readonly CostEstimator _estimator = new(PriceCatalog.Default);

    [Fact]
    public void Prod_PricesPrimaryReplicasAndKey()
    {
        var estimate = _estimator.Estimate(ProdStack());

        estimate.Unpriced.ShouldBeEmpty();
        // 1460 + 230 + 0.40: the 3000 IOPS are the gp3 baseline, so no IOPS component.
        estimate.Line("Database").MonthlyUsd.ShouldBe(Cents((Hours * RdsR5TwoXlargeMultiAzHour) + (1000 * 2 * RdsGp3GbMonth) + SecretMonth));
        estimate.Line("Database").MonthlyUsd.ShouldBe(1690.40m);
        estimate.Line("Database").Components.Count.ShouldBe(3);
        estimate.Line("Database").Description.ShouldBe("RDS PostgreSQL db.r5.2xlarge Multi-AZ, 730 h, 1000 GB gp3, managed master secret");
        // Replicas: single-AZ class rate and the source's 1000 GB (not doubled).
        estimate.Line("ReplicaA").MonthlyUsd.ShouldBe(Cents((Hours * RdsR5XlargeSingleAzHour) + (1000 * RdsGp3GbMonth))); // 365 + 115
        estimate.Line("ReplicaB").MonthlyUsd.ShouldBe(480m);
        estimate.Line("ReplicaA").Description.ShouldStartWith("Read replica RDS PostgreSQL db.r5.xlarge single-AZ");
        estimate.Line("EncryptionKey").MonthlyUsd.ShouldBe(KmsKeyMonth);
        estimate.Line("EncryptionKeyAlias").MonthlyUsd.ShouldBe(0m);
        estimate.Line("DbSubnetGroup").MonthlyUsd.ShouldBe(0m);
        estimate.Line("DbParameterGroup").MonthlyUsd.ShouldBe(0m);
        estimate.Line("DatabaseSecurityGroup").MonthlyUsd.ShouldBe(0m);

        estimate.MonthlyUsd.ShouldBe(1690.40m + 480m + 480m + 1.00m);
        estimate.Assumptions.ShouldContain("Multi-AZ RDS storage is billed twice (primary and standby).");
        estimate.Assumptions.ShouldContain("Performance Insights is assumed to stay on the free 7-day retention tier.");
    }

    [Fact]
    public void Prod_With12000IopsOn1000Gb_PaysNoIops_BecauseLargeGp3VolumesIncludeThem()
    {
        var database = _estimator.Estimate(ProdStack(iops: 12000)).Line("Database");

        database.Components.ShouldNotContain(c => c.Name.StartsWith("gp3 IOPS", StringComparison.Ordinal));
        database.MonthlyUsd.ShouldBe(1690.40m);
    }

    [Fact]
    public void Prod_WithIopsAboveTheLargeVolumeBaseline_AddsAssumedIopsComponent()
    {
        var database = _estimator.Estimate(ProdStack(iops: 16000)).Line("Database");

        var iops = database.Components.Single(c => c.Name.StartsWith("gp3 IOPS", StringComparison.Ordinal));
        iops.Basis.ShouldBe(PriceBasis.Assumed);
        iops.Quantity.ShouldBe((16000 - 12000) * 2); // Multi-AZ bills the standby's IOPS too
        iops.UnitUsd.ShouldBe(0.02m);
        database.MonthlyUsd.ShouldBe(Cents(1460m + 230m + 0.40m + (4000 * 2 * 0.02m)));
    }

    [Theory]
    [InlineData(399, 3000)]
    [InlineData(400, 12000)]
    public void Gp3Baseline_DependsOnVolumeSize(decimal gb, decimal baseline) =>
        Portal.Provisioning.Pricing.Pricers.RdsInstancePricer.Gp3BaselineIops(gb).ShouldBe(baseline);

    [Fact]
    public void SnapshotStorage_IsAStackLevelAssumedLineItem()
    {
        var estimate = _estimator.Estimate(ProdStack(snapshotGb: 500));

        var backup = estimate.LineItems.Single(i => i.ResourceType == "AWS::RDS::BackupStorage");
        backup.LogicalId.ShouldBe("(stack)");
        backup.MonthlyUsd.ShouldBe(Cents(500 * 0.095m));
        backup.Components.Single().Basis.ShouldBe(PriceBasis.Assumed);
    }

    private static EstimateInput ProdStack(int iops = 3000, decimal snapshotGb = 0)
    {
        var builder = new StackBuilder()
            .Add("EncryptionKey", "AWS::KMS::Key", """{"EnableKeyRotation": true, "KeyPolicy": {}}""")
            .Add("EncryptionKeyAlias", "AWS::KMS::Alias", """{"AliasName": "alias/prod-db", "TargetKeyId": {"Ref": "EncryptionKey"}}""")
            .Add("DbSubnetGroup", "AWS::RDS::DBSubnetGroup", """{"DBSubnetGroupDescription": "db", "SubnetIds": ["subnet-1", "subnet-2", "subnet-3"]}""")
            .Add("DbParameterGroup", "AWS::RDS::DBParameterGroup", """{"Family": "postgres15", "Parameters": {"rds.force_ssl": "1"}}""")
            .Add("DatabaseSecurityGroup", "AWS::EC2::SecurityGroup", """{"GroupDescription": "db", "VpcId": "vpc-123"}""")
            .Add("Database", "AWS::RDS::DBInstance",
                $$$"""
                {"Engine": "postgres", "EngineVersion": "15.7", "DBInstanceClass": "db.r5.2xlarge", "AllocatedStorage": "1000",
                 "StorageType": "gp3", "Iops": {{{iops}}}, "MultiAZ": true, "BackupRetentionPeriod": 30, "DeletionProtection": true,
                 "StorageEncrypted": true, "KmsKeyId": {"Fn::GetAtt": ["EncryptionKey", "Arn"]}, "EnablePerformanceInsights": "true",
                 "ManageMasterUserPassword": "true", "DBSubnetGroupName": {"Ref": "DbSubnetGroup"}, "DBParameterGroupName": {"Ref": "DbParameterGroup"}}
                """)
            .Add("ReplicaA", "AWS::RDS::DBInstance",
                """{"SourceDBInstanceIdentifier": {"Ref": "Database"}, "DBInstanceClass": "db.r5.xlarge", "AvailabilityZone": "us-east-1b"}""")
            .Add("ReplicaB", "AWS::RDS::DBInstance",
                """{"SourceDBInstanceIdentifier": {"Ref": "Database"}, "DBInstanceClass": "db.r5.xlarge", "AvailabilityZone": "us-east-1c"}""");
        if (snapshotGb > 0)
        {
            builder.Usage(UsageKeys.SnapshotStorageGb, snapshotGb);
        }

        return builder.Build();
    }
}
