using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Columns;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Estimates;
using Portal.Provisioning.Pricing;
using Portal.Provisioning.Templates;
using Portal.TestSupport;

namespace Portal.Benchmarks;

/// <summary>Targets (issue: template catalog): an estimate of any template and tier p95 &lt; 5 ms; full catalog load &lt; 1 s.</summary>
[MemoryDiagnoser]
[Config(typeof(Percentiles))]
public class CatalogBenchmarks
{
    private readonly CatalogLoader _loader = new(new TemplateValidator(SchemaRegistry.Default), TimeProvider.System);
    // As the portal prices: with the tiers' purchase options and ranges (expected and up to).
    private readonly EnvironmentEstimator _estimator = new(new CostEstimator(PriceCatalog.Default), Microsoft.Extensions.Options.Options.Create(new PricingOptions()));
    // The baseline in the same run: list on-demand rates, no purchase options (what the estimator did before them).
    private readonly EnvironmentEstimator _onDemand = new(
        new CostEstimator(PriceCatalog.Default),
        Microsoft.Extensions.Options.Options.Create(new PricingOptions { PurchaseOptions = new(StringComparer.OrdinalIgnoreCase) }));
    private string _directory = "";
    private TemplateCatalog _catalog = default!;

    [ParamsSource(nameof(TemplateTiers))]
    public string TemplateTier { get; set; } = "";

    public static IEnumerable<string> TemplateTiers() =>
    [
        "ecs-web-service/dev", "ecs-web-service/staging",
        "eks-platform/dev", "eks-platform/staging", "eks-platform/prod",
        "rds-postgres/dev", "rds-postgres/prod",
        "static-site/prod", "network-vpc/prod",
    ];

    [GlobalSetup]
    public void Setup()
    {
        _directory = RepositoryPaths.Templates;
        _catalog = _loader.LoadAsync(_directory, CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>Resolve the template for the tier's presets and price every resource (what the live form does per keystroke).</summary>
    [Benchmark]
    public decimal Estimate() => EstimateWith(_estimator);

    /// <summary>The same at list on-demand rates: the ratio Estimate / this is what purchase options cost.</summary>
    [Benchmark(Baseline = true)]
    public decimal EstimateOnDemand() => EstimateWith(_onDemand);

    private decimal EstimateWith(EnvironmentEstimator estimator)
    {
        var (slug, tier) = (TemplateTier.Split('/')[0], TemplateTier.Split('/')[1]);
        var entry = _catalog.Find(slug)!;
        var result = estimator.Estimate(entry, new EstimateRequest(tier, "us-east-1", EnvironmentEstimator.PreviewUserValues(entry)));
        return result.Estimate!.MonthlyUsd;
    }

    private sealed class Percentiles : ManualConfig
    {
        public Percentiles() => AddColumn(StatisticColumn.P95);
    }
}

/// <summary>Loading and validating the whole catalog from disk (startup and admin reload).</summary>
[MemoryDiagnoser]
[Config(typeof(CatalogLoadConfig))]
public class CatalogLoadBenchmarks
{
    // The baseline in the same run: list on-demand rates, no purchase options (what the estimator did before them).
    private readonly EnvironmentEstimator _onDemand = new(
        new CostEstimator(PriceCatalog.Default),
        Microsoft.Extensions.Options.Options.Create(new PricingOptions { PurchaseOptions = new(StringComparer.OrdinalIgnoreCase) }));
    private string _directory = "";

    [GlobalSetup]
    public void Setup() => _directory = RepositoryPaths.Templates;

    /// <summary>A cold process pays for schema compilation once; this measures every later load (reload).</summary>
    [Benchmark]
    public int LoadAndValidateCatalog() =>
        new CatalogLoader(new TemplateValidator(SchemaRegistry.Default), TimeProvider.System)
            .LoadAsync(_directory, CancellationToken.None).GetAwaiter().GetResult().Offered.Count;

    private sealed class CatalogLoadConfig : ManualConfig
    {
        public CatalogLoadConfig() => AddColumn(StatisticColumn.P95);
    }
}
