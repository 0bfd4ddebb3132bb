namespace Portal.Provisioning.Pricing.Pricers;

// Aurora PostgreSQL clusters: storage by auroraStorageGb and I/O by auroraIoRequestsMillions, split over clusters.
internal sealed class AuroraClusterPricer : IResourcePricer
{
    public static readonly PriceKey Storage = new("Aurora", "storage", "Aurora Standard storage");

    // Not in the price catalog: Aurora Standard I/O is commonly published at $0.20 per million requests (us-east-1).
    private const decimal IoPerMillion = 0.20m;

    public IReadOnlyCollection<string> ResourceTypes { get; } = [RdsInstancePricer.ClusterType];

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        var engine = PropertyReader.GetString(resource.Properties, "Engine");
        if (engine is not "aurora-postgresql")
        {
            return ResourcePricing.Unpriced($"DB cluster engine {engine ?? "(not set)"}: only aurora-postgresql clusters are priced");
        }

        if (PropertyReader.GetString(resource.Properties, "StorageType") is { } storageType and not "aurora")
        {
            return ResourcePricing.Unpriced($"Aurora storage type {storageType} is not in the price catalog (only Aurora Standard)");
        }

        if (!context.TryPrice(Storage, out var storage))
        {
            return ResourcePricing.NoPrice(Storage, context.Region);
        }

        var gb = context.Share(UsageKeys.AuroraStorageGb, RdsInstancePricer.ClusterType, "GB-month");
        var io = context.Share(UsageKeys.AuroraIoRequestsMillions, RdsInstancePricer.ClusterType, "million requests");
        var components = new List<PriceComponent>(2) { PriceComponent.Of("Aurora Standard storage", gb, storage) };
        if (io > 0)
        {
            context.Assume("Aurora Standard I/O is priced at an assumed $0.20 per million requests (not in the price catalog).");
            components.Add(PriceComponent.Assumed(
                "Aurora I/O requests", io, "million requests", IoPerMillion, "https://aws.amazon.com/rds/aurora/pricing/",
                "Assumed: commonly published Aurora Standard I/O rate; no row in the price catalog"));
        }

        return ResourcePricing.Priced(
            $"Aurora Standard storage {PricingContext.Format(gb)} GB-month, {PricingContext.Format(io)} million I/O requests (instances priced separately)",
            [.. components]);
    }
}
