using System.Text.Json.Nodes;

namespace Portal.Provisioning.Pricing.Pricers;

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
            return ResourcePricing.Unpriced($"CacheNodeType {PropertyReader.Describe(PropertyReader.Get(properties, "CacheNodeType"))} is not literal");
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
            var ok = PropertyReader.TryGetDecimal(PropertyReader.Get(properties, "NumCacheNodes"), out nodes);
            layout = ok ? $"{PricingContext.Format(nodes)} cache nodes" : "NumCacheNodes is not a literal number";
            return ok;
        }

        if (PropertyReader.IsSet(properties, "NumCacheClusters"))
        {
            var ok = PropertyReader.TryGetDecimal(PropertyReader.Get(properties, "NumCacheClusters"), out nodes);
            layout = ok ? "primary + replicas" : "NumCacheClusters is not a literal number";
            return ok;
        }

        // Cluster mode: shards × (1 primary + replicas), from the per-shard configuration when it is given.
        if (!PropertyReader.IsSet(properties, "ReplicasPerNodeGroup") && PropertyReader.Get(properties, "NodeGroupConfiguration") is JsonArray { Count: > 0 } shards)
        {
            foreach (var shard in shards)
            {
                var replicas = shard is JsonObject s && PropertyReader.TryGetDecimal(PropertyReader.Get(s, "ReplicaCount"), out var r) ? r : 0;
                nodes += 1 + replicas;
            }

            layout = $"{shards.Count} shard{(shards.Count == 1 ? "" : "s")}";
            return true;
        }

        var groups = 1m;
        var replicasPerGroup = 0m;
        if ((PropertyReader.IsSet(properties, "NumNodeGroups") && !PropertyReader.TryGetDecimal(PropertyReader.Get(properties, "NumNodeGroups"), out groups))
            || (PropertyReader.IsSet(properties, "ReplicasPerNodeGroup") && !PropertyReader.TryGetDecimal(PropertyReader.Get(properties, "ReplicasPerNodeGroup"), out replicasPerGroup)))
        {
            layout = "NumNodeGroups or ReplicasPerNodeGroup is not a literal number";
            return false;
        }

        nodes = groups * (1 + replicasPerGroup);
        layout = $"{PricingContext.Format(groups)} shard{(groups == 1 ? "" : "s")} × (1 primary + {PricingContext.Format(replicasPerGroup)} replica{(replicasPerGroup == 1 ? "" : "s")})";
        return true;
    }
}
