using System.Text.Json.Nodes;

namespace Portal.Provisioning.Pricing.Pricers;

// Secrets, KMS keys: one flat monthly price per resource.
internal sealed class SimpleMonthlyPricer : IResourcePricer
{
    public static readonly PriceKey Secret = new("Secrets Manager", "secret", "secret-month");
    public static readonly PriceKey KmsKey = new("KMS", "customer managed key", "key-month");

    public IReadOnlyCollection<string> ResourceTypes { get; } = ["AWS::SecretsManager::Secret", "AWS::KMS::Key"];

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        var (key, name) = resource.ResourceType == "AWS::KMS::Key" ? (KmsKey, "KMS customer managed key") : (Secret, "Secrets Manager secret");
        return context.TryPrice(key, out var price)
            ? ResourcePricing.Priced($"1 × {name}, 1 month", PriceComponent.Of(name, 1, price))
            : ResourcePricing.NoPrice(key, context.Region);
    }
}

// CloudWatch alarms: per standard-resolution alarm metric per month.
internal sealed class AlarmPricer : IResourcePricer
{
    public static readonly PriceKey StandardAlarm = new("CloudWatch", "alarm", "standard resolution alarm metric-month");

    public IReadOnlyCollection<string> ResourceTypes { get; } = ["AWS::CloudWatch::Alarm"];

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        var properties = resource.Properties;
        if (PropertyReader.TryGetDecimal(PropertyReader.Get(properties, "Period"), out var period) && period < 60)
        {
            return ResourcePricing.Unpriced($"high-resolution alarm (Period {PricingContext.Format(period)} s) has no price row");
        }

        // A metric-math alarm is billed per metric it reads, not per expression.
        var metrics = 1;
        if (PropertyReader.Get(properties, "Metrics") is JsonArray array)
        {
            metrics = array.Count(m => m is JsonObject o && PropertyReader.IsSet(o, "MetricStat"));
            if (metrics == 0)
            {
                return ResourcePricing.Unpriced("metric-math alarm without MetricStat entries (e.g. anomaly detection) has no price row");
            }
        }

        if (!context.TryPrice(StandardAlarm, out var price))
        {
            return ResourcePricing.NoPrice(StandardAlarm, context.Region);
        }

        var what = metrics == 1 ? "1 standard alarm metric" : $"{metrics} standard alarm metrics";
        return ResourcePricing.Priced($"{what}, 1 month", PriceComponent.Of("Standard resolution alarm metric", metrics, price));
    }
}
