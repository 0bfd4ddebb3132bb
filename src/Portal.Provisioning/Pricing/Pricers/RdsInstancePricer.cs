using System.Text.Json.Nodes;

namespace Portal.Provisioning.Pricing.Pricers;

// RDS instances: PostgreSQL priced here; Aurora instances (DBClusterIdentifier set or engine aurora-postgresql) by AuroraInstancePricing.
internal sealed class RdsInstancePricer : IResourcePricer
{
    public const string InstanceType = "AWS::RDS::DBInstance";
    public const string ClusterType = "AWS::RDS::DBCluster";
    // RDS gp3 includes 3,000 IOPS below 400 GB and 12,000 IOPS from 400 GB (where 12,000 is also the minimum you may set).
    public static decimal Gp3BaselineIops(decimal storageGb) => storageGb >= 400m ? 12000m : 3000m;
    public static readonly PriceKey Gp3Storage = new("RDS", "gp3 storage", "Single-AZ provisioned storage");

    // Not in the price catalog: RDS gp3 IOPS above the baseline are commonly published at $0.02 per IOPS-month (us-east-1).
    private const decimal ExtraIopsMonth = 0.02m;

    public IReadOnlyCollection<string> ResourceTypes { get; } = [InstanceType];

    public static PriceKey PostgresInstance(string instanceClass, bool multiAz) =>
        new("RDS PostgreSQL", instanceClass, multiAz ? "On-Demand Multi-AZ instance" : "On-Demand Single-AZ instance");

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        var properties = resource.Properties;
        var sourceNode = PropertyReader.Get(properties, "SourceDBInstanceIdentifier");
        EstimateResource? source = null;
        if (sourceNode is not null && !context.TryFind(sourceNode, InstanceType, "DBInstanceIdentifier", out source))
        {
            return ResourcePricing.Unpriced($"read replica source {PropertyReader.Describe(sourceNode)} is not a DB instance in this stack");
        }

        var engine = PropertyReader.GetString(properties, "Engine")
            ?? (source is null ? null : PropertyReader.GetString(source.Properties, "Engine"));
        var clusterNode = PropertyReader.Get(properties, "DBClusterIdentifier");
        if (clusterNode is not null || engine is "aurora-postgresql")
        {
            return AuroraInstancePricing.Price(resource, clusterNode, context);
        }

        return engine is "postgres"
            ? PricePostgres(resource, source, context)
            : ResourcePricing.Unpriced($"engine {engine ?? "(not set)"}: only postgres and aurora-postgresql are priced");
    }

    private static ResourcePricing PricePostgres(EstimateResource resource, EstimateResource? source, PricingContext context)
    {
        var properties = resource.Properties;
        var instanceClass = PropertyReader.GetString(properties, "DBInstanceClass");
        if (instanceClass is null)
        {
            return ResourcePricing.Unpriced($"DBInstanceClass {PropertyReader.Describe(PropertyReader.Get(properties, "DBInstanceClass"))} is not literal");
        }

        // A read replica does not inherit its source's Multi-AZ; it is single-AZ unless it says otherwise.
        var multiAz = PropertyReader.GetBool(properties, "MultiAZ", fallback: false);
        var azs = multiAz ? "Multi-AZ" : "single-AZ";
        var instance = InstanceComponent(instanceClass, multiAz, context);
        if (instance is null)
        {
            return ResourcePricing.Unpriced($"instance class {instanceClass} has no RDS PostgreSQL {azs} price in {context.Region}");
        }

        // Storage and IOPS left unset on a replica are the source's.
        var storageOwner = source is not null && !PropertyReader.IsSet(properties, "AllocatedStorage") ? source.Properties : properties;
        var storageType = PropertyReader.GetString(storageOwner, "StorageType");
        if (storageType is not null and not "gp3")
        {
            return ResourcePricing.Unpriced($"storage type {storageType} has no price row (only gp3)");
        }

        if (storageType is null)
        {
            context.Assume($"{resource.LogicalId}: StorageType not set; storage is priced as gp3.");
        }

        var storageNode = PropertyReader.Get(storageOwner, "AllocatedStorage");
        if (!PropertyReader.TryGetDecimal(storageNode, out var gb))
        {
            return ResourcePricing.Unpriced($"AllocatedStorage {PropertyReader.Describe(storageNode)} is not a literal number");
        }

        if (!context.TryPrice(Gp3Storage, out var storagePrice))
        {
            return ResourcePricing.NoPrice(Gp3Storage, context.Region);
        }

        var components = new List<PriceComponent>(5) { instance, StorageComponent(gb, multiAz, storagePrice, context) };
        components.AddRange(PurchaseMix.Database(instanceClass, instance.Quantity, instance.UnitUsd, instance.Unit, context));
        var description = $"{(source is null ? "" : "Read replica ")}RDS PostgreSQL {instanceClass} {azs}, {PricingContext.Hours}, {PricingContext.Format(gb)} GB gp3";

        var iopsOwner = source is not null && !PropertyReader.IsSet(properties, "Iops") ? source.Properties : properties;
        if (PropertyReader.TryGetDecimal(PropertyReader.Get(iopsOwner, "Iops"), out var iops) && iops > Gp3BaselineIops(gb))
        {
            components.Add(ExtraIopsComponent(iops, Gp3BaselineIops(gb), multiAz, context));
            description += $", {PricingContext.Format(iops)} IOPS";
        }

        if (source is null && PropertyReader.GetBool(properties, "ManageMasterUserPassword", fallback: false))
        {
            if (!context.TryPrice(SimpleMonthlyPricer.Secret, out var secret))
            {
                return ResourcePricing.NoPrice(SimpleMonthlyPricer.Secret, context.Region);
            }

            // RDS keeps a managed master password in a Secrets Manager secret billed at the normal rate.
            components.Add(PriceComponent.Of("RDS-managed master user secret", 1, secret));
            description += ", managed master secret";
        }

        if (PropertyReader.GetBool(properties, "EnablePerformanceInsights", fallback: false))
        {
            context.Assume("Performance Insights is assumed to stay on the free 7-day retention tier.");
        }

        var pricing = ResourcePricing.Priced(description, [.. components]);
        if (source is null && PropertyReader.TryGetDecimal(PropertyReader.Get(properties, "MaxAllocatedStorage"), out var maxGb) && maxGb > gb)
        {
            // Storage autoscaling: up to MaxAllocatedStorage GB; the rest of the instance is unchanged.
            var max = components.ToList();
            max[1] = StorageComponent(maxGb, multiAz, storagePrice, context);
            return pricing.WithMax($"{PricingContext.Format(maxGb)} GB storage (MaxAllocatedStorage)", max);
        }

        return pricing;
    }

    // The Multi-AZ row when there is one, else twice the single-AZ rate (Assumed); null when the class has no price.
    private static PriceComponent? InstanceComponent(string instanceClass, bool multiAz, PricingContext context)
    {
        if (context.TryPrice(PostgresInstance(instanceClass, multiAz), out var price))
        {
            return PriceComponent.Of($"{instanceClass} {(multiAz ? "Multi-AZ" : "single-AZ")} instance hours", PricingContext.HoursPerMonth, price);
        }

        if (!multiAz || !context.TryPrice(PostgresInstance(instanceClass, multiAz: false), out var singleAz))
        {
            return null;
        }

        return PriceComponent.Assumed(
            $"{instanceClass} Multi-AZ instance hours (2 × single-AZ)", PricingContext.HoursPerMonth, singleAz.Unit, 2 * singleAz.Usd, singleAz.Source,
            $"Assumed: Multi-AZ taken as twice the single-AZ rate of ${PricingContext.Format(singleAz.Usd)}/h. Single-AZ notes: {singleAz.Notes}");
    }

    private static PriceComponent StorageComponent(decimal gb, bool multiAz, Price storagePrice, PricingContext context)
    {
        if (!multiAz)
        {
            return PriceComponent.Of("gp3 storage", gb, storagePrice);
        }

        context.Assume("Multi-AZ RDS storage is billed twice (primary and standby).");
        return PriceComponent.Assumed(
            "gp3 storage, Multi-AZ (primary + standby)", 2 * gb, storagePrice.Unit, storagePrice.Usd, storagePrice.Source,
            $"Assumed: Multi-AZ storage billed twice (platform convention). Storage price notes: {storagePrice.Notes}");
    }

    private static PriceComponent ExtraIopsComponent(decimal iops, decimal baseline, bool multiAz, PricingContext context)
    {
        context.Assume("gp3 IOPS above the included baseline (3,000 below 400 GB, 12,000 from 400 GB) are priced at an assumed $0.02 per IOPS-month (not in the price catalog).");
        return PriceComponent.Assumed(
            $"gp3 IOPS above {PricingContext.Format(baseline)}{(multiAz ? ", Multi-AZ (× 2)" : "")}",
            (iops - baseline) * (multiAz ? 2 : 1),
            "IOPS-month",
            ExtraIopsMonth,
            "https://aws.amazon.com/rds/postgresql/pricing/",
            "Assumed: commonly published RDS gp3 provisioned IOPS rate; no row in the price catalog");
    }
}

// Aurora PostgreSQL instances: the Aurora class rate, or for db.serverless the cluster's MinCapacity ACUs all month.
internal static class AuroraInstancePricing
{
    public static readonly PriceKey ServerlessAcu = new("Aurora", "Serverless v2", "ACU (Aurora Standard)");

    public static PriceKey Instance(string instanceClass) => new("Aurora PostgreSQL", instanceClass, "On-Demand instance");

    public static ResourcePricing Price(EstimateResource resource, JsonNode? clusterNode, PricingContext context)
    {
        var instanceClass = PropertyReader.GetString(resource.Properties, "DBInstanceClass");
        if (instanceClass is null)
        {
            return ResourcePricing.Unpriced($"DBInstanceClass {PropertyReader.Describe(PropertyReader.Get(resource.Properties, "DBInstanceClass"))} is not literal");
        }

        EstimateResource? cluster = null;
        if (clusterNode is not null
            && !context.TryFind(clusterNode, RdsInstancePricer.ClusterType, "DBClusterIdentifier", out cluster)
            && instanceClass == "db.serverless")
        {
            return ResourcePricing.Unpriced($"DBClusterIdentifier {PropertyReader.Describe(clusterNode)} is not a DB cluster in this stack, so its serverless capacity is unknown");
        }

        var engine = PropertyReader.GetString(resource.Properties, "Engine") ?? (cluster is null ? null : PropertyReader.GetString(cluster.Properties, "Engine"));
        if (engine is not "aurora-postgresql")
        {
            return ResourcePricing.Unpriced($"Aurora engine {engine ?? "(not set)"}: only aurora-postgresql is priced");
        }

        if (cluster is not null && PropertyReader.GetString(cluster.Properties, "StorageType") is "aurora-iopt1")
        {
            return ResourcePricing.Unpriced("Aurora I/O-Optimized instance rates are not in the price catalog");
        }

        if (instanceClass != "db.serverless")
        {
            return context.TryPrice(Instance(instanceClass), out var price)
                ? ResourcePricing.Priced(
                    $"Aurora PostgreSQL {instanceClass} instance, {PricingContext.Hours}",
                    [
                        PriceComponent.Of($"Aurora {instanceClass} instance hours", PricingContext.HoursPerMonth, price),
                        .. PurchaseMix.Database($"Aurora {instanceClass}", PricingContext.HoursPerMonth, price.Usd, price.Unit, context),
                    ])
                : ResourcePricing.Unpriced($"instance class {instanceClass} has no Aurora PostgreSQL price in {context.Region}");
        }

        var scaling = PropertyReader.Get(cluster!.Properties, "ServerlessV2ScalingConfiguration") as JsonObject;
        var minNode = scaling is null ? null : PropertyReader.Get(scaling, "MinCapacity");
        if (!PropertyReader.TryGetDecimal(minNode, out var minAcu))
        {
            return ResourcePricing.Unpriced($"cluster {cluster.LogicalId} ServerlessV2ScalingConfiguration.MinCapacity {PropertyReader.Describe(minNode)} is not a literal number");
        }

        if (!context.TryPrice(ServerlessAcu, out var acu))
        {
            return ResourcePricing.NoPrice(ServerlessAcu, context.Region);
        }

        context.Assume($"{resource.LogicalId}: Aurora Serverless v2 is expected to idle at its minimum capacity ({PricingContext.Format(minAcu)} ACU) all month; up to its maximum capacity all month.");
        var pricing = ResourcePricing.Priced(
            $"Aurora Serverless v2 at minimum {PricingContext.Format(minAcu)} ACU, {PricingContext.Hours}",
            PriceComponent.Of("Aurora Serverless v2 ACU-hours", minAcu * PricingContext.HoursPerMonth, acu));
        var maxNode = PropertyReader.Get(scaling!, "MaxCapacity");
        if (!PropertyReader.TryGetDecimal(maxNode, out var maxAcu))
        {
            context.Assume($"{resource.LogicalId}: ServerlessV2ScalingConfiguration.MaxCapacity {PropertyReader.Describe(maxNode)} is not a literal number; its maximum is taken as its minimum.");
            return pricing;
        }

        return maxAcu > minAcu
            ? pricing.WithMax($"{PricingContext.Format(maxAcu)} ACU", [PriceComponent.Of("Aurora Serverless v2 ACU-hours", maxAcu * PricingContext.HoursPerMonth, acu)])
            : pricing;
    }
}
