using System.Text.Json.Nodes;

namespace Portal.Provisioning.Pricing.Pricers;

// RDS instances. PostgreSQL: class hourly (Multi-AZ rate, else 2× single-AZ), gp3 storage (× 2 when Multi-AZ), IOPS beyond the 3,000 gp3 baseline; read replicas as single-AZ instances. Aurora PostgreSQL instances: class rate, or the cluster's minimum ACUs for db.serverless.
internal sealed class RdsInstancePricer : IResourcePricer
{
    public const string InstanceType = "AWS::RDS::DBInstance";
    public const string ClusterType = "AWS::RDS::DBCluster";
    public const decimal Gp3BaselineIops = 3000m;
    public static readonly PriceKey Gp3Storage = new("RDS", "gp3 storage", "Single-AZ provisioned storage");
    public static readonly PriceKey ServerlessAcu = new("Aurora", "Serverless v2", "ACU (Aurora Standard)");

    // Not in the price catalog: RDS gp3 IOPS above the baseline are commonly published at $0.02 per IOPS-month (us-east-1).
    private const decimal ExtraIopsMonth = 0.02m;

    public IReadOnlyCollection<string> ResourceTypes { get; } = [InstanceType];

    public static PriceKey PostgresInstance(string instanceClass, bool multiAz) =>
        new("RDS PostgreSQL", instanceClass, multiAz ? "On-Demand Multi-AZ instance" : "On-Demand Single-AZ instance");

    public static PriceKey AuroraInstance(string instanceClass) => new("Aurora PostgreSQL", instanceClass, "On-Demand instance");

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        var properties = resource.Properties;
        var sourceNode = PropertyReader.Path(properties, "SourceDBInstanceIdentifier");
        EstimateResource? source = null;
        if (sourceNode is not null && !context.TryFind(sourceNode, InstanceType, "DBInstanceIdentifier", out source))
        {
            return ResourcePricing.Unpriced($"read replica source {PropertyReader.Describe(sourceNode)} is not a DB instance in this stack");
        }

        var engine = PropertyReader.GetString(properties, "Engine")
            ?? (source is null ? null : PropertyReader.GetString(source.Properties, "Engine"));
        var clusterNode = PropertyReader.Path(properties, "DBClusterIdentifier");
        if (clusterNode is not null || engine is "aurora-postgresql")
        {
            return PriceAurora(resource, clusterNode, context);
        }

        if (engine is not "postgres")
        {
            return ResourcePricing.Unpriced($"engine {engine ?? "(not set)"}: only postgres and aurora-postgresql are priced");
        }

        var instanceClass = PropertyReader.GetString(properties, "DBInstanceClass");
        if (instanceClass is null)
        {
            return ResourcePricing.Unpriced($"DBInstanceClass {PropertyReader.Describe(PropertyReader.Path(properties, "DBInstanceClass"))} is not literal");
        }

        // Read replicas are priced as single-AZ instances of their class, with storage inherited from the source when not set.
        var replica = source is not null;
        var multiAz = !replica && PropertyReader.GetBool(properties, "MultiAZ", fallback: false);
        var components = new List<PriceComponent>(4);

        if (context.TryPrice(PostgresInstance(instanceClass, multiAz), out var instancePrice))
        {
            components.Add(PriceComponent.Of($"{instanceClass} {(multiAz ? "Multi-AZ" : "single-AZ")} instance hours", PricingContext.HoursPerMonth, instancePrice));
        }
        else if (multiAz && context.TryPrice(PostgresInstance(instanceClass, multiAz: false), out var singleAz))
        {
            components.Add(PriceComponent.Assumed(
                $"{instanceClass} Multi-AZ instance hours (2 × single-AZ)", PricingContext.HoursPerMonth, singleAz.Unit, 2 * singleAz.Usd, singleAz.Source,
                $"Assumed: Multi-AZ taken as twice the single-AZ rate of ${PricingContext.Format(singleAz.Usd)}/h. Single-AZ notes: {singleAz.Notes}"));
        }
        else
        {
            return ResourcePricing.Unpriced($"instance class {instanceClass} has no RDS PostgreSQL {(multiAz ? "Multi-AZ or single-AZ" : "single-AZ")} price in {context.Region}");
        }

        var storageOwner = replica && !PropertyReader.IsSet(properties, "AllocatedStorage") ? source!.Properties : properties;
        var storageType = PropertyReader.GetString(storageOwner, "StorageType");
        if (storageType is null)
        {
            context.Assume($"{resource.LogicalId}: StorageType not set; storage is priced as gp3.");
        }
        else if (storageType != "gp3")
        {
            return ResourcePricing.Unpriced($"storage type {storageType} has no price row (only gp3)");
        }

        var storageNode = PropertyReader.Path(storageOwner, "AllocatedStorage");
        if (!PropertyReader.TryGetDecimal(storageNode, out var gb))
        {
            return ResourcePricing.Unpriced($"AllocatedStorage {PropertyReader.Describe(storageNode)} is not a literal number");
        }

        if (!context.TryPrice(Gp3Storage, out var storagePrice))
        {
            return ResourcePricing.NoPrice(Gp3Storage, context.Region);
        }

        if (multiAz)
        {
            context.Assume("Multi-AZ RDS storage is billed twice (primary and standby).");
            components.Add(PriceComponent.Assumed(
                "gp3 storage, Multi-AZ (primary + standby)", 2 * gb, storagePrice.Unit, storagePrice.Usd, storagePrice.Source,
                $"Assumed: Multi-AZ storage billed twice (platform convention). Storage price notes: {storagePrice.Notes}"));
        }
        else
        {
            components.Add(PriceComponent.Of("gp3 storage", gb, storagePrice));
        }

        var description = $"{(replica ? "Read replica " : "")}RDS PostgreSQL {instanceClass} {(multiAz ? "Multi-AZ" : "single-AZ")}, {PricingContext.Hours}, {PricingContext.Format(gb)} GB gp3";
        var iopsOwner = replica && !PropertyReader.IsSet(properties, "Iops") ? source!.Properties : properties;
        if (PropertyReader.TryGetDecimal(PropertyReader.Path(iopsOwner, "Iops"), out var iops) && iops > Gp3BaselineIops)
        {
            var extra = (iops - Gp3BaselineIops) * (multiAz ? 2 : 1);
            context.Assume("gp3 IOPS above the 3,000 baseline are priced at an assumed $0.02 per IOPS-month (not in the price catalog).");
            components.Add(PriceComponent.Assumed(
                $"gp3 IOPS above {PricingContext.Format(Gp3BaselineIops)}{(multiAz ? ", Multi-AZ (× 2)" : "")}", extra, "IOPS-month", ExtraIopsMonth,
                "https://aws.amazon.com/rds/postgresql/pricing/", "Assumed: commonly published RDS gp3 provisioned IOPS rate; no row in the price catalog"));
            description += $", {PricingContext.Format(iops)} IOPS";
        }

        if (!replica && PropertyReader.GetBool(properties, "ManageMasterUserPassword", fallback: false))
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

        return ResourcePricing.Priced(description, [.. components]);
    }

    private static ResourcePricing PriceAurora(EstimateResource resource, JsonNode? clusterNode, PricingContext context)
    {
        var instanceClass = PropertyReader.GetString(resource.Properties, "DBInstanceClass");
        if (instanceClass is null)
        {
            return ResourcePricing.Unpriced($"DBInstanceClass {PropertyReader.Describe(PropertyReader.Path(resource.Properties, "DBInstanceClass"))} is not literal");
        }

        EstimateResource? cluster = null;
        if (clusterNode is not null && !context.TryFind(clusterNode, ClusterType, "DBClusterIdentifier", out cluster) && instanceClass == "db.serverless")
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
            var key = AuroraInstance(instanceClass);
            return context.TryPrice(key, out var price)
                ? ResourcePricing.Priced(
                    $"Aurora PostgreSQL {instanceClass} instance, {PricingContext.Hours}",
                    PriceComponent.Of($"Aurora {instanceClass} instance hours", PricingContext.HoursPerMonth, price))
                : ResourcePricing.Unpriced($"instance class {instanceClass} has no Aurora PostgreSQL price in {context.Region}");
        }

        var scaling = PropertyReader.Path(cluster!.Properties, "ServerlessV2ScalingConfiguration") as JsonObject;
        var minNode = scaling is null ? null : PropertyReader.Path(scaling, "MinCapacity");
        if (!PropertyReader.TryGetDecimal(minNode, out var minAcu))
        {
            return ResourcePricing.Unpriced($"cluster {cluster.LogicalId} ServerlessV2ScalingConfiguration.MinCapacity {PropertyReader.Describe(minNode)} is not a literal number");
        }

        if (!context.TryPrice(ServerlessAcu, out var acu))
        {
            return ResourcePricing.NoPrice(ServerlessAcu, context.Region);
        }

        context.Assume($"{resource.LogicalId}: Aurora Serverless v2 is assumed to idle at its minimum capacity ({PricingContext.Format(minAcu)} ACU) all month.");
        return ResourcePricing.Priced(
            $"Aurora Serverless v2 at minimum {PricingContext.Format(minAcu)} ACU, {PricingContext.Hours}",
            PriceComponent.Of("Aurora Serverless v2 ACU-hours", minAcu * PricingContext.HoursPerMonth, acu));
    }
}

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

// ElastiCache (Redis OSS): node type × node count.
internal sealed class ElastiCachePricer : IResourcePricer
{
    public const string ReplicationGroupType = "AWS::ElastiCache::ReplicationGroup";

    public IReadOnlyCollection<string> ResourceTypes { get; } = [ReplicationGroupType, "AWS::ElastiCache::CacheCluster"];

    public static PriceKey Node(string nodeType) => new("ElastiCache Redis OSS", nodeType, "On-Demand node");

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        var properties = resource.Properties;
        var isGroup = resource.ResourceType == ReplicationGroupType;
        var engine = PropertyReader.GetString(properties, "Engine") ?? (isGroup ? "redis" : null);
        if (engine is not "redis")
        {
            return ResourcePricing.Unpriced($"engine {engine ?? "(not set)"}: only Redis OSS node prices are in the catalog");
        }

        var nodeType = PropertyReader.GetString(properties, "CacheNodeType");
        if (nodeType is null)
        {
            return ResourcePricing.Unpriced($"CacheNodeType {PropertyReader.Describe(PropertyReader.Path(properties, "CacheNodeType"))} is not literal");
        }

        if (!TryNodeCount(properties, isGroup, out var nodes, out var layout))
        {
            return ResourcePricing.Unpriced(layout);
        }

        return context.TryPrice(Node(nodeType), out var price)
            ? ResourcePricing.Priced(
                $"{PricingContext.Format(nodes)} × {nodeType} Redis node{(nodes == 1 ? "" : "s")} ({layout}), {PricingContext.Hours}",
                PriceComponent.Of($"ElastiCache {nodeType} node hours", nodes * PricingContext.HoursPerMonth, price))
            : ResourcePricing.Unpriced($"node type {nodeType} has no ElastiCache Redis OSS price in {context.Region}");
    }

    private static bool TryNodeCount(JsonObject properties, bool isGroup, out decimal nodes, out string layout)
    {
        nodes = 0;
        if (!isGroup)
        {
            layout = "NumCacheNodes";
            var ok = PropertyReader.TryGetDecimal(PropertyReader.Path(properties, "NumCacheNodes"), out nodes);
            layout = ok ? $"{PricingContext.Format(nodes)} cache nodes" : "NumCacheNodes is not a literal number";
            return ok;
        }

        if (PropertyReader.IsSet(properties, "NumCacheClusters"))
        {
            var ok = PropertyReader.TryGetDecimal(PropertyReader.Path(properties, "NumCacheClusters"), out nodes);
            layout = ok ? "primary + replicas" : "NumCacheClusters is not a literal number";
            return ok;
        }

        // Cluster mode: shards × (1 primary + replicas), from the per-shard configuration when it is given.
        if (!PropertyReader.IsSet(properties, "ReplicasPerNodeGroup") && PropertyReader.Path(properties, "NodeGroupConfiguration") is JsonArray { Count: > 0 } shards)
        {
            foreach (var shard in shards)
            {
                var replicas = shard is JsonObject s && PropertyReader.TryGetDecimal(PropertyReader.Path(s, "ReplicaCount"), out var r) ? r : 0;
                nodes += 1 + replicas;
            }

            layout = $"{shards.Count} shard{(shards.Count == 1 ? "" : "s")}";
            return true;
        }

        var groups = 1m;
        var replicasPerGroup = 0m;
        if ((PropertyReader.IsSet(properties, "NumNodeGroups") && !PropertyReader.TryGetDecimal(PropertyReader.Path(properties, "NumNodeGroups"), out groups))
            || (PropertyReader.IsSet(properties, "ReplicasPerNodeGroup") && !PropertyReader.TryGetDecimal(PropertyReader.Path(properties, "ReplicasPerNodeGroup"), out replicasPerGroup)))
        {
            layout = "NumNodeGroups or ReplicasPerNodeGroup is not a literal number";
            return false;
        }

        nodes = groups * (1 + replicasPerGroup);
        layout = $"{PricingContext.Format(groups)} shard{(groups == 1 ? "" : "s")} × (1 primary + {PricingContext.Format(replicasPerGroup)} replica{(replicasPerGroup == 1 ? "" : "s")})";
        return true;
    }
}
