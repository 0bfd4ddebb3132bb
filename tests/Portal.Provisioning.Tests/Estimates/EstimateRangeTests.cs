using Microsoft.Extensions.Options;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Estimates;
using Portal.Provisioning.Pricing;
using Portal.Provisioning.Templates;
using Portal.TestSupport;

namespace Portal.Provisioning.Tests.Estimates;

/// <summary>
/// Ranges and purchase options on the real templates: each scaling line priced at its start size (expected) and at its
/// maximum, with the tier's default purchase options (the platform documents' figures), against figures worked out by hand.
/// </summary>
public sealed class EstimateRangeTests
{
    private const decimal Hours = 730m;
    private const decimal T3MediumHour = 0.0416m;
    private const decimal T3LargeHour = 0.0832m;
    private const decimal M5XlargeHour = 0.192m;
    private const decimal AcuHour = 0.12m;
    private const decimal FargateVcpuHour = 0.04048m;
    private const decimal FargateGbHour = 0.004445m;
    private const decimal RdsT3MicroHour = 0.018m;
    private const decimal RdsGp3GbMonth = 0.115m;

    // The list-price totals of the other, fixed lines (EnvironmentEstimatorTests and the README's figures before ranges).
    private const decimal EksDevListTotal = 230.80m;
    private const decimal EksProdListTotal = 3095.60m;

    private static readonly Lazy<TemplateCatalog> Catalog = new(() =>
        new CatalogLoader(new TemplateValidator(SchemaRegistry.Default), TimeProvider.System)
            .LoadAsync(RepositoryPaths.Templates, CancellationToken.None).GetAwaiter().GetResult());

    private static readonly EnvironmentEstimator WithPlatformOptions = new(new CostEstimator(PriceCatalog.Default), Options.Create(new PricingOptions()));

    [Fact]
    public void EksPlatform_Dev_PricesNodesAndAuroraAtStartAndMax_With70PercentSpot()
    {
        var estimate = Price(WithPlatformOptions, "eks-platform", "dev");

        // On-demand group 1 (max 3) t3.medium; dev buys no reservations, so on-demand nodes stay at the list rate.
        Line(estimate, "OnDemandNodeGroup").MonthlyUsd.ShouldBe(Cents(1 * Hours * T3MediumHour)); // 30.37
        Line(estimate, "OnDemandNodeGroup").MonthlyMaxUsd.ShouldBe(Cents(3 * Hours * T3MediumHour)); // 91.10
        // Spot group 2 (max 7) t3.medium at 70% below on-demand.
        Line(estimate, "SpotNodeGroup").MonthlyUsd.ShouldBe(Cents(2 * Hours * T3MediumHour * 0.30m)); // 18.22
        Line(estimate, "SpotNodeGroup").MonthlyMaxUsd.ShouldBe(Cents(7 * Hours * T3MediumHour * 0.30m)); // 63.77
        // Aurora Serverless v2 0.5 - 2 ACU.
        Line(estimate, "DbWriterInstance").MonthlyUsd.ShouldBe(Cents(0.5m * Hours * AcuHour)); // 43.80
        Line(estimate, "DbWriterInstance").MonthlyMaxUsd.ShouldBe(Cents(2 * Hours * AcuHour)); // 175.20

        estimate.MonthlyUsd.ShouldBe(EksDevListTotal);
        estimate.MonthlyMaxUsd.ShouldBe(EksDevListTotal + (91.10m - 30.37m) + (63.77m - 18.22m) + (175.20m - 43.80m)); // 468.48
        estimate.MonthlyMaxUsd.ShouldBe(estimate.LineItems.Sum(l => l.MonthlyMaxUsd));
        Line(estimate, "SpotNodeGroup").Description.ShouldContain("up to 7 EKS nodes");
        Line(estimate, "SpotNodeGroup").Components.ShouldContain(c => c.Name.Contains("spot discount") && c.Notes.Contains("Platform documents"));
    }

    [Fact]
    public void EksPlatform_Prod_AppliesReservedAndSavingsPlanCoverage_AtStartAndMax()
    {
        var estimate = Price(WithPlatformOptions, "eks-platform", "prod");

        // 3 (max 30) m5.xlarge on-demand: 60% reserved at 37% off and 30% savings plans at 28% off → 1 − 0.222 − 0.084 = 0.694 of list.
        var nodes = Line(estimate, "OnDemandNodeGroup");
        nodes.MonthlyUsd.ShouldBe(Cents(3 * Hours * M5XlargeHour * 0.694m)); // 420.48 → 291.81
        nodes.MonthlyMaxUsd.ShouldBe(Cents(30 * Hours * M5XlargeHour * 0.694m)); // 4,204.80 → 2,918.13
        nodes.Components.Select(c => c.Name).ShouldBe(
        [
            "EC2 m5.xlarge on-demand hours",
            "EC2 m5.xlarge reserved coverage (60% of on-demand hours)",
            "EC2 m5.xlarge savings-plan coverage (30% of on-demand hours)",
        ]);
        nodes.Components[1].MonthlyUsd.ShouldBe(-0.37m * 0.60m * 3 * Hours * M5XlargeHour);
        nodes.Components[1].Basis.ShouldBe(PriceBasis.Assumed);
        nodes.Components[1].Notes.ShouldContain("Source: Platform documents");

        // Every other prod line is fixed (no spot, no serverless, no database reservation by default).
        estimate.MonthlyUsd.ShouldBe(EksProdListTotal - 420.48m + 291.81m); // 2,966.93
        estimate.MonthlyMaxUsd.ShouldBe(EksProdListTotal - 420.48m + 2918.13m); // 5,593.25
        estimate.Assumptions.ShouldContain(a => a.StartsWith("Tier purchase options: compute 0% spot, 60% reserved (37% off), 30% savings plans (28% off)", StringComparison.Ordinal));
    }

    [Fact]
    public void EksPlatform_Prod_AtListPrices_KeepsTheOldExpectedFigure()
    {
        var estimate = Price(new EnvironmentEstimator(new CostEstimator(PriceCatalog.Default)), "eks-platform", "prod");

        estimate.MonthlyUsd.ShouldBe(EksProdListTotal);
        estimate.MonthlyMaxUsd.ShouldBe(EksProdListTotal + (27 * Hours * M5XlargeHour));
    }

    [Fact]
    public void EksPlatform_Staging_CoversTheOnDemandGroupWith30PercentOfAllComputeAsReserved()
    {
        var estimate = Price(WithPlatformOptions, "eks-platform", "staging");

        // 30% of compute reserved with 50% on spot → 60% of the on-demand hours at 37% off → 0.778 of list.
        Line(estimate, "OnDemandNodeGroup").MonthlyUsd.ShouldBe(Cents(2 * Hours * T3LargeHour * 0.778m)); // 94.51
        Line(estimate, "OnDemandNodeGroup").MonthlyMaxUsd.ShouldBe(Cents(7 * Hours * T3LargeHour * 0.778m)); // 330.77
        Line(estimate, "SpotNodeGroup").MonthlyUsd.ShouldBe(Cents(2 * Hours * T3LargeHour * 0.30m)); // 36.44
        Line(estimate, "SpotNodeGroup").MonthlyMaxUsd.ShouldBe(Cents(8 * Hours * T3LargeHour * 0.30m)); // 145.77
    }

    [Theory]
    [InlineData("dev", 230.80, 468.48)]
    [InlineData("staging", 386.79, 732.38)]
    [InlineData("prod", 2966.93, 5593.25)]
    public void EksPlatform_TheReadmesTable(string tier, double expected, double max)
    {
        var estimate = Price(WithPlatformOptions, "eks-platform", tier);

        (estimate.MonthlyUsd, estimate.MonthlyMaxUsd).ShouldBe(((decimal)expected, (decimal)max));
    }

    [Fact]
    public void EcsWebService_Dev_PricesTheApiUpToItsScalableTargetAndTheDatabaseUpToItsStorageCeiling()
    {
        var estimate = Price(new EnvironmentEstimator(new CostEstimator(PriceCatalog.Default)), "ecs-web-service", "dev");

        var perTask = Hours * ((0.5m * FargateVcpuHour) + (1 * FargateGbHour));
        Line(estimate, "ApiService").MonthlyUsd.ShouldBe(Cents(perTask)); // 18.02
        Line(estimate, "ApiService").MonthlyMaxUsd.ShouldBe(Cents(4 * perTask)); // 72.08
        Line(estimate, "WorkerService").MaxComponents.ShouldBeNull();
        Line(estimate, "Database").MonthlyMaxUsd.ShouldBe(Cents((Hours * RdsT3MicroHour) + (100 * RdsGp3GbMonth))); // 24.64
    }

    [Fact]
    public void DatabaseReservedShare_TakesItsDiscountOffProvisionedAuroraInstances()
    {
        var options = new PricingOptions();
        options.PurchaseOptions["prod"].DatabaseReserved = new PurchaseOption { Share = 0.5m, Discount = 0.30m, Source = "test: half the fleet reserved" };
        var estimate = Price(new EnvironmentEstimator(new CostEstimator(PriceCatalog.Default), Options.Create(options)), "eks-platform", "prod");

        // db.r5.xlarge Aurora $0.58/h: half the hours at 30% off → 0.85 of list.
        Line(estimate, "DbWriterInstance").MonthlyUsd.ShouldBe(Cents(Hours * 0.58m * 0.85m));
        Line(estimate, "DbWriterInstance").Components[1].Notes.ShouldContain("test: half the fleet reserved");
    }

    [Theory]
    [InlineData("Spot", 1.2, 0.7, "src", "Pricing:PurchaseOptions:dev:Spot:Share")]
    [InlineData("Reserved", 0.3, 0, "src", "Pricing:PurchaseOptions:dev:Reserved:Discount")]
    [InlineData("SavingsPlan", 0.2, 0.2, "", "Pricing:PurchaseOptions:dev:SavingsPlan:Source")]
    [InlineData("Reserved", 0.5, 0.3, "src", "Pricing:PurchaseOptions:dev: Spot:Share + Reserved:Share + SavingsPlan:Share is 120%")]
    public void Validator_NamesTheWrongKey(string option, double share, double discount, string source, string expected)
    {
        var options = new PricingOptions();
        var value = new PurchaseOption { Share = (decimal)share, Discount = (decimal)discount, Source = source };
        var dev = options.PurchaseOptions["dev"];
        switch (option)
        {
            case "Spot": dev.Spot = value; break;
            case "Reserved": dev.Reserved = value; break;
            default: dev.SavingsPlan = value; break;
        }

        var result = new PricingOptionsValidator().Validate(null, options);

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain(expected);
    }

    [Fact]
    public void Validator_AcceptsThePlatformDefaults() =>
        new PricingOptionsValidator().Validate(null, new PricingOptions()).Succeeded.ShouldBeTrue();

    private static CostEstimate Price(EnvironmentEstimator estimator, string slug, string tier)
    {
        var entry = Catalog.Value.Find(slug).ShouldNotBeNull();
        var result = estimator.Estimate(entry, new EstimateRequest(tier, "us-east-1", EnvironmentEstimator.PreviewUserValues(entry)));
        result.Errors.ShouldBeEmpty();
        result.Estimate!.Unpriced.ShouldBeEmpty();
        return result.Estimate;
    }

    private static CostLineItem Line(CostEstimate estimate, string logicalId) => estimate.LineItems.Single(l => l.LogicalId == logicalId);

    private static decimal Cents(decimal usd) => Math.Round(usd, 2, MidpointRounding.AwayFromZero);
}
