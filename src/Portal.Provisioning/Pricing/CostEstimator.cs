using System.Collections.Frozen;
using Portal.Provisioning.Pricing.Pricers;

namespace Portal.Provisioning.Pricing;

/// <summary>
/// Estimates the monthly (730 h) list cost of a resolved stack. Thread-safe; register as a singleton.
/// Throws <see cref="ArgumentException"/> for an unsupported region, an unknown or negative usage key, or duplicate logical ids.
/// </summary>
public sealed class CostEstimator(PriceCatalog catalog)
{
    // Usage key → the resource type that consumes it; usage given for a stack without that type is reported, not lost silently.
    private static readonly (string Key, string ResourceType)[] UsageConsumers =
    [
        (UsageKeys.S3StorageGb, S3BucketPricer.BucketType),
        (UsageKeys.S3Requests1k, S3BucketPricer.BucketType),
        (UsageKeys.LogsIngestGb, LogGroupPricer.LogGroupType),
        (UsageKeys.LogsStorageGb, LogGroupPricer.LogGroupType),
        (UsageKeys.NatProcessedGb, NatGatewayPricer.NatGatewayType),
        (UsageKeys.AlbLcu, "AWS::ElasticLoadBalancingV2::LoadBalancer"),
        (UsageKeys.CloudFrontTransferGb, CloudFrontPricer.DistributionType),
        (UsageKeys.CloudFrontRequests10k, CloudFrontPricer.DistributionType),
        (UsageKeys.EcrStorageGb, EcrRepositoryPricer.RepositoryType),
        (UsageKeys.AuroraStorageGb, RdsInstancePricer.ClusterType),
        (UsageKeys.AuroraIoRequestsMillions, RdsInstancePricer.ClusterType),
    ];

    // Pricers are stateless, so one table serves every estimator.
    private static readonly FrozenDictionary<string, IResourcePricer> Pricers = BuildPricers();

    private readonly PriceCatalog _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));

    /// <summary>The resource types the estimator prices or knows to be free.</summary>
    public IReadOnlyCollection<string> KnownResourceTypes => Pricers.Keys;

    public CostEstimate Estimate(EstimateInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        PriceCatalog.EnsureSupportedRegion(input.Region);
        UsageKeys.Validate(input.Usage);

        var context = new PricingContext(_catalog, input);
        context.Assume($"List on-demand prices in {input.Region}, {PricingContext.Format(PricingContext.HoursPerMonth)} hours a month; free tiers, taxes and discounts other than the tier's purchase options are ignored.");
        context.Assume("Expected: every scaling resource (node groups, Auto Scaling groups, ECS services, Aurora Serverless v2) at the size it starts at; up to: each at its configured maximum all month.");
        PurchaseMix.Describe(context);
        var lineItems = new List<CostLineItem>(input.Resources.Count + 2);
        var unpriced = new List<UnpricedResource>();

        foreach (var resource in input.Resources)
        {
            if (!Pricers.TryGetValue(resource.ResourceType, out var pricer))
            {
                unpriced.Add(new UnpricedResource(resource.LogicalId, resource.ResourceType, $"resource type {resource.ResourceType} is neither priced nor on the known-free list"));
                continue;
            }

            var pricing = pricer.Price(resource, context);
            if (pricing.UnpricedReason is { } reason)
            {
                unpriced.Add(new UnpricedResource(resource.LogicalId, resource.ResourceType, reason));
            }
            else
            {
                lineItems.Add(LineItem(resource.LogicalId, resource.ResourceType, pricing.Description, pricing.Components, pricing.MaxComponents));
            }
        }

        StackUsagePricer.Price(context, lineItems, unpriced);
        ReportUnusedUsage(context);
        ReportWeakPrices(lineItems, context);

        decimal total = 0m, max = 0m;
        foreach (var item in lineItems)
        {
            total += item.MonthlyUsd;
            max += item.MonthlyMaxUsd;
        }

        return new CostEstimate(total, lineItems, unpriced, context.Assumptions, max);
    }

    /// <summary>A line item rounded to cents; its description says when a price was assumed equal to us-east-1.</summary>
    internal static CostLineItem LineItem(
        string logicalId, string resourceType, string description, IReadOnlyList<PriceComponent> components, IReadOnlyList<PriceComponent>? maxComponents = null)
    {
        var expected = Math.Round(Sum(components), 2, MidpointRounding.AwayFromZero);
        var max = maxComponents is null ? expected : Math.Round(Sum(maxComponents), 2, MidpointRounding.AwayFromZero);
        var regionAssumed = false;
        foreach (var component in components)
        {
            regionAssumed |= component.Basis == PriceBasis.Assumed && component.Notes.Contains(PriceCatalog.AssumedFromUsEast1, StringComparison.Ordinal);
        }

        if (regionAssumed)
        {
            description += " (price assumed equal to us-east-1: no regional price in the catalog)";
        }

        return new CostLineItem(logicalId, resourceType, description, expected, components, max, max == expected ? null : maxComponents);
    }

    private static decimal Sum(IReadOnlyList<PriceComponent> components)
    {
        var sum = 0m;
        foreach (var component in components)
        {
            sum += component.MonthlyUsd;
        }

        return sum;
    }

    private static FrozenDictionary<string, IResourcePricer> BuildPricers()
    {
        IResourcePricer[] pricers =
        [
            new FreeResourcePricer(),
            new VpcEndpointPricer(),
            new FargateServicePricer(),
            new EksClusterPricer(),
            new EksNodegroupPricer(),
            new AutoScalingGroupPricer(),
            new RdsInstancePricer(),
            new AuroraClusterPricer(),
            new ElastiCachePricer(),
            new NatGatewayPricer(),
            new ElasticIpPricer(),
            new LoadBalancerPricer(),
            new S3BucketPricer(),
            new LogGroupPricer(),
            new CloudFrontPricer(),
            new EcrRepositoryPricer(),
            new SimpleMonthlyPricer(),
            new AlarmPricer(),
        ];
        return pricers
            .SelectMany(p => p.ResourceTypes.Select(type => KeyValuePair.Create(type, p)))
            .ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static void ReportUnusedUsage(PricingContext context)
    {
        foreach (var (key, resourceType) in UsageConsumers)
        {
            if (context.Usage(key) > 0 && context.Count(resourceType) == 0)
            {
                context.Assume($"{key} is {PricingContext.Format(context.Usage(key))} but the stack has no {resourceType}; it is not priced.");
            }
        }
    }

    // Keeps the UNVERIFIED flag visible at estimate level, not only inside components.
    private static void ReportWeakPrices(List<CostLineItem> lineItems, PricingContext context)
    {
        var unverified = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var item in lineItems)
        {
            foreach (var component in item.MaxComponents is null ? item.Components : item.Components.Concat(item.MaxComponents))
            {
                if (component.Basis == PriceBasis.Unverified || component.Notes.Contains("UNVERIFIED", StringComparison.OrdinalIgnoreCase))
                {
                    unverified.Add(component.Name);
                }
            }
        }

        if (unverified.Count > 0)
        {
            context.Assume($"UNVERIFIED prices (commonly published, not checked against a stored source) are used for: {string.Join("; ", unverified)}.");
        }
    }
}
