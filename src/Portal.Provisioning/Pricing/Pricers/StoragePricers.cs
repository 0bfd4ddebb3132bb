namespace Portal.Provisioning.Pricing.Pricers;

// S3 buckets: the stack's s3StorageGb (and s3Requests1k) split evenly over its buckets, priced as Standard.
internal sealed class S3BucketPricer : IResourcePricer
{
    public const string BucketType = "AWS::S3::Bucket";
    public static readonly PriceKey Storage = new("S3", "Standard", "storage (first 50 TB/month)");

    // Not in the price catalog: S3 Standard PUT/COPY/POST/LIST is commonly published at $0.005 per 1,000 requests in both regions.
    private const decimal PutRequestsPer1k = 0.005m;

    public IReadOnlyCollection<string> ResourceTypes { get; } = [BucketType];

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        if (!context.TryPrice(Storage, out var storage))
        {
            return ResourcePricing.NoPrice(Storage, context.Region);
        }

        if (PropertyReader.IsSet(resource.Properties, "LifecycleConfiguration"))
        {
            context.Assume("S3 storage is priced as Standard throughout; lifecycle transitions (e.g. to Standard-IA) and expirations are ignored.");
        }

        var gb = context.Share(UsageKeys.S3StorageGb, BucketType, "GB");
        var requests = context.Share(UsageKeys.S3Requests1k, BucketType, "thousand requests");
        var storageComponent = PriceComponent.Of("S3 Standard storage", gb, storage);
        if (requests == 0)
        {
            return ResourcePricing.Priced($"S3 Standard storage {PricingContext.Format(gb)} GB-month", storageComponent);
        }

        context.Assume("S3 requests are priced as PUT/POST at an assumed $0.005 per 1,000 (not in the price catalog).");
        var requestComponent = PriceComponent.Assumed(
            "S3 PUT/POST requests", requests, "1k requests", PutRequestsPer1k, "https://aws.amazon.com/s3/pricing/",
            "Assumed: commonly published S3 Standard PUT/COPY/POST/LIST rate; no row in the price catalog");
        return ResourcePricing.Priced(
            $"S3 Standard storage {PricingContext.Format(gb)} GB-month + {PricingContext.Format(requests)}k PUT requests",
            storageComponent,
            requestComponent);
    }
}

// CloudWatch log groups: logsIngestGb and logsStorageGb split evenly over the stack's log groups.
internal sealed class LogGroupPricer : IResourcePricer
{
    public const string LogGroupType = "AWS::Logs::LogGroup";
    public static readonly PriceKey Ingestion = new("CloudWatch", "Logs (Standard class)", "data ingestion");
    public static readonly PriceKey Storage = new("CloudWatch", "Logs storage", "archived storage");

    public IReadOnlyCollection<string> ResourceTypes { get; } = [LogGroupType];

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        var logClass = PropertyReader.GetString(resource.Properties, "LogGroupClass") ?? "STANDARD";
        if (logClass != "STANDARD")
        {
            return ResourcePricing.Unpriced($"log group class {logClass} has no price row");
        }

        if (!context.TryPrice(Ingestion, out var ingestion))
        {
            return ResourcePricing.NoPrice(Ingestion, context.Region);
        }

        if (!context.TryPrice(Storage, out var storage))
        {
            return ResourcePricing.NoPrice(Storage, context.Region);
        }

        var ingestGb = context.Share(UsageKeys.LogsIngestGb, LogGroupType, "GB");
        var storedGb = context.Share(UsageKeys.LogsStorageGb, LogGroupType, "GB-month");
        return ResourcePricing.Priced(
            $"CloudWatch Logs {PricingContext.Format(ingestGb)} GB ingested, {PricingContext.Format(storedGb)} GB-month stored",
            PriceComponent.Of("Logs ingestion", ingestGb, ingestion),
            PriceComponent.Of("Logs storage", storedGb, storage));
    }
}

// ECR repositories: ecrStorageGb split evenly over the stack's repositories.
internal sealed class EcrRepositoryPricer : IResourcePricer
{
    public const string RepositoryType = "AWS::ECR::Repository";
    public static readonly PriceKey Storage = new("ECR", "storage", "GB-month");

    public IReadOnlyCollection<string> ResourceTypes { get; } = [RepositoryType];

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        if (!context.TryPrice(Storage, out var storage))
        {
            return ResourcePricing.NoPrice(Storage, context.Region);
        }

        var gb = context.Share(UsageKeys.EcrStorageGb, RepositoryType, "GB-month");
        return ResourcePricing.Priced($"ECR storage {PricingContext.Format(gb)} GB-month", PriceComponent.Of("ECR storage", gb, storage));
    }
}

// CloudFront distributions: cloudFrontTransferGb and cloudFrontRequests10k split evenly over distributions.
internal sealed class CloudFrontPricer : IResourcePricer
{
    public const string DistributionType = "AWS::CloudFront::Distribution";
    public static readonly PriceKey TransferOut = new("CloudFront", "data transfer out (first 10 TB, North America)", "GB");

    // Not in the price catalog: CloudFront HTTPS requests are commonly published at $0.0100 per 10,000 (United States).
    private const decimal HttpsRequestsPer10k = 0.01m;

    public IReadOnlyCollection<string> ResourceTypes { get; } = [DistributionType];

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        if (!context.TryPrice(TransferOut, out var transfer))
        {
            return ResourcePricing.NoPrice(TransferOut, context.Region);
        }

        var gb = context.Share(UsageKeys.CloudFrontTransferGb, DistributionType, "GB");
        var requests = context.Share(UsageKeys.CloudFrontRequests10k, DistributionType, "×10k requests");
        var transferComponent = PriceComponent.Of("CloudFront data transfer out", gb, transfer);
        if (requests == 0)
        {
            return ResourcePricing.Priced($"CloudFront {PricingContext.Format(gb)} GB out", transferComponent);
        }

        context.Assume("CloudFront HTTPS requests are priced at an assumed $0.0100 per 10,000 (North America; not in the price catalog).");
        return ResourcePricing.Priced(
            $"CloudFront {PricingContext.Format(gb)} GB out + {PricingContext.Format(requests)} × 10k HTTPS requests",
            transferComponent,
            PriceComponent.Assumed(
                "CloudFront HTTPS requests", requests, "10k requests", HttpsRequestsPer10k, "https://aws.amazon.com/cloudfront/pricing/",
                "Assumed: commonly published North America HTTPS request rate; no row in the price catalog"));
    }
}
