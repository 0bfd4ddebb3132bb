using Portal.Provisioning.Catalog;
using Portal.Provisioning.Estimates;
using Portal.Provisioning.Pricing;
using Portal.Provisioning.Templates;
using Portal.TestSupport;

namespace Portal.Provisioning.Tests.Estimates;

/// <summary>
/// The repository's real templates, priced through the engine and the estimator, line by line against figures worked
/// out by hand from the price catalog (prices.csv, us-east-1) and each tier's usage assumptions in portal.yaml.
/// </summary>
public sealed class EnvironmentEstimatorTests
{
    private const decimal Hours = 730m;
    private const decimal NatHour = 0.045m;
    private const decimal NatGb = 0.045m;
    private const decimal Ipv4Hour = 0.005m;
    private const decimal SecretMonth = 0.40m;
    private const decimal S3GbMonth = 0.023m;
    private const decimal S3Put1k = 0.005m; // assumed (not in prices.csv)
    private const decimal EcrGbMonth = 0.10m;
    private const decimal RdsT3MicroHour = 0.018m;
    private const decimal RdsGp3GbMonth = 0.115m;
    private const decimal RedisT3MicroHour = 0.017m;
    private const decimal LogsIngestGb = 0.50m;
    private const decimal LogsStoredGbMonth = 0.03m;
    private const decimal AlbHour = 0.0225m;
    private const decimal AlbLcuHour = 0.008m;
    private const decimal FargateVcpuHour = 0.04048m;
    private const decimal FargateGbHour = 0.004445m;
    private const decimal AlarmMetricMonth = 0.10m;
    private const decimal TransferOutGb = 0.09m;

    private static readonly Lazy<TemplateCatalog> Catalog = new(() =>
        new CatalogLoader(new TemplateValidator(SchemaRegistry.Default), TimeProvider.System)
            .LoadAsync(RepositoryPaths.Templates, CancellationToken.None).GetAwaiter().GetResult());

    private readonly EnvironmentEstimator _estimator = new(new CostEstimator(PriceCatalog.Default));

    [Fact]
    public void EcsWebService_Dev_MatchesTheHandComputedFigures()
    {
        // dev usage: 100 GB out, 10 GB S3 (2 buckets), 10k PUTs, 5 GB logs in / 2 GB stored (2 groups), 50 GB through 2 NATs, 1 LCU, 5 GB ECR.
        var estimate = Price("ecs-web-service", "dev");

        var expected = new Dictionary<string, decimal>
        {
            ["NatGateway1"] = Cents((Hours * NatHour) + (25 * NatGb)),
            ["NatGateway2"] = Cents((Hours * NatHour) + (25 * NatGb)),
            ["NatEip1"] = Cents(Hours * Ipv4Hour),
            ["NatEip2"] = Cents(Hours * Ipv4Hour),
            ["DatabaseSecret"] = SecretMonth,
            ["SecretKeySecret"] = SecretMonth,
            ["LogsBucket"] = Cents((5 * S3GbMonth) + (5 * S3Put1k)),
            ["AssetsBucket"] = Cents((5 * S3GbMonth) + (5 * S3Put1k)),
            ["EcrRepository"] = 5 * EcrGbMonth,
            ["Database"] = Cents((Hours * RdsT3MicroHour) + (20 * RdsGp3GbMonth)),
            ["Cache"] = Cents(Hours * RedisT3MicroHour),
            ["ApiLogGroup"] = Cents((2.5m * LogsIngestGb) + (1 * LogsStoredGbMonth)),
            ["WorkerLogGroup"] = Cents((2.5m * LogsIngestGb) + (1 * LogsStoredGbMonth)),
            ["LoadBalancer"] = Cents((Hours * AlbHour) + (Hours * 1 * AlbLcuHour) + (2 * Hours * Ipv4Hour)),
            ["ApiService"] = Cents(1 * Hours * ((0.5m * FargateVcpuHour) + (1m * FargateGbHour))),
            ["WorkerService"] = Cents(1 * Hours * ((0.25m * FargateVcpuHour) + (0.5m * FargateGbHour))),
            ["ApiCpuAlarm"] = AlarmMetricMonth,
            ["ApiMemoryAlarm"] = AlarmMetricMonth,
            ["Alb5xxAlarm"] = 2 * AlarmMetricMonth,
            ["DbCpuAlarm"] = AlarmMetricMonth,
            ["CacheCpuAlarm"] = AlarmMetricMonth,
            ["(stack)"] = 100 * TransferOutGb,
        };

        AssertLines(estimate, expected);
        estimate.MonthlyUsd.ShouldBe(173.45m);
        estimate.Unpriced.ShouldBeEmpty();
    }

    [Fact]
    public void NetworkVpc_Dev_MatchesTheHandComputedFigures()
    {
        // dev: one shared NAT gateway; 50 GB through it, 25 GB out, 2 GB of flow logs in and 1 GB stored.
        var estimate = Price("network-vpc", "dev");

        AssertLines(estimate, new Dictionary<string, decimal>
        {
            ["NatGateway1"] = Cents((Hours * NatHour) + (50 * NatGb)),
            ["NatEip1"] = Cents(Hours * Ipv4Hour),
            ["FlowLogGroup"] = Cents((2 * LogsIngestGb) + (1 * LogsStoredGbMonth)),
            ["(stack)"] = 25 * TransferOutGb,
        });
        estimate.MonthlyUsd.ShouldBe(42.03m);
    }

    [Fact]
    public void RdsPostgres_Prod_MatchesTheHandComputedFigures()
    {
        const decimal R5TwoXlargeMultiAzHour = 2.0m;
        const decimal R5XlargeHour = 0.5m;
        var estimate = Price("rds-postgres", "prod", new() { ["VpcId"] = "vpc-0123456789abcdef0", ["DbSubnetIds"] = "subnet-0aaaaaaaaaaaaaaa1,subnet-0aaaaaaaaaaaaaaa2" });

        AssertLines(estimate, new Dictionary<string, decimal>
        {
            // Multi-AZ instance and storage billed twice; 12,000 IOPS are included with 1,000 GB of gp3; RDS-managed master secret.
            ["DbInstance"] = (Hours * R5TwoXlargeMultiAzHour) + (2 * 1000 * RdsGp3GbMonth) + SecretMonth,
            ["DbReadReplica1"] = (Hours * R5XlargeHour) + (1000 * RdsGp3GbMonth),
            ["DbReadReplica2"] = (Hours * R5XlargeHour) + (1000 * RdsGp3GbMonth),
            ["DbKey"] = 1.00m,
            ["(stack)"] = 500 * 0.095m, // backup storage beyond the free allowance, assumed rate
        });
        estimate.MonthlyUsd.ShouldBe(2698.90m);
    }

    [Fact]
    public void Estimate_WithAValueBreakingItsConstraint_ReturnsThatFieldsError()
    {
        var entry = Catalog.Value.Find("ecs-web-service")!;

        var result = _estimator.Estimate(entry, new EstimateRequest("dev", "us-east-1", new Dictionary<string, string> { ["CertificateArn"] = "not-an-arn" }));

        result.Estimate.ShouldBeNull();
        result.Errors.Single().Parameter.ShouldBe("CertificateArn");
    }

    [Theory]
    [InlineData("prod", "tier")]
    [InlineData("dev", "region", "eu-central-1")]
    public void Estimate_WithUnofferedTierOrUnsupportedRegion_NamesTheField(string tier, string field, string region = "us-east-1")
    {
        var entry = Catalog.Value.Find("ecs-web-service")!;

        var result = _estimator.Estimate(entry, new EstimateRequest(tier, region, new Dictionary<string, string>()));

        result.Errors.Select(e => e.Parameter).ShouldContain(field);
    }

    [Fact]
    public void Estimate_WithALockedParameter_RefusesIt()
    {
        var entry = Catalog.Value.Find("ecs-web-service")!;

        var result = _estimator.Estimate(entry, new EstimateRequest("dev", "us-east-1", new Dictionary<string, string> { ["DbInstanceClass"] = "db.r5.2xlarge" }));

        result.Errors.Single().Parameter.ShouldBe("DbInstanceClass");
    }

    [Fact]
    public void EveryTemplateAndTier_IsPricedWithNothingUnpriced()
    {
        foreach (var entry in Catalog.Value.Offered)
        {
            foreach (var tier in entry.Manifest.Tiers.Keys)
            {
                var result = _estimator.Estimate(entry, new EstimateRequest(tier, "us-east-1", EnvironmentEstimator.PreviewUserValues(entry)));
                result.Errors.ShouldBeEmpty($"{entry.Slug}/{tier}");
                result.Estimate!.MonthlyUsd.ShouldBeGreaterThan(0m, $"{entry.Slug}/{tier}");
                result.Estimate.Unpriced.ShouldBeEmpty($"{entry.Slug}/{tier}: {string.Join("; ", result.Estimate.Unpriced.Select(u => u.Reason))}");
            }
        }
    }

    private CostEstimate Price(string slug, string tier, Dictionary<string, string>? values = null)
    {
        var entry = Catalog.Value.Find(slug).ShouldNotBeNull($"{slug} is not offered: {string.Join("; ", Catalog.Value.Rejected.SelectMany(r => r.Problems))}");
        var result = _estimator.Estimate(entry, new EstimateRequest(tier, "us-east-1", values ?? []));
        result.Errors.ShouldBeEmpty();
        return result.Estimate!;
    }

    private static void AssertLines(CostEstimate estimate, IReadOnlyDictionary<string, decimal> expected)
    {
        var charged = estimate.LineItems.Where(l => l.MonthlyUsd != 0).ToDictionary(l => l.LogicalId, l => l.MonthlyUsd);
        charged.Keys.Order().ShouldBe(expected.Keys.Order());
        foreach (var (id, usd) in expected)
        {
            charged[id].ShouldBe(Cents(usd), id);
        }

        estimate.MonthlyUsd.ShouldBe(expected.Values.Sum(Cents));
    }

    private static decimal Cents(decimal usd) => Math.Round(usd, 2, MidpointRounding.AwayFromZero);
}
