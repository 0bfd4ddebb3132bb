using System.Globalization;
using System.Text.Json.Nodes;

namespace Portal.Provisioning.Pricing.Pricers;

// ECS services on Fargate: (vCPU-hours + GB-hours) × DesiredCount from the referenced task definition's Cpu and Memory.
internal sealed class FargateServicePricer : IResourcePricer
{
    public static readonly PriceKey Vcpu = new("Fargate", "Linux/x86", "vCPU");
    public static readonly PriceKey Memory = new("Fargate", "Linux/x86", "memory");

    public const string ScalableTargetType = "AWS::ApplicationAutoScaling::ScalableTarget";

    public IReadOnlyCollection<string> ResourceTypes { get; } = ["AWS::ECS::Service"];

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        var properties = resource.Properties;
        if (!TrySpotShare(resource, context, out var spotShare, out var reason))
        {
            return ResourcePricing.Unpriced(reason);
        }

        if (!context.TryFollow(PropertyReader.Get(properties, "TaskDefinition"), "AWS::ECS::TaskDefinition", out var taskDefinition))
        {
            return ResourcePricing.Unpriced(
                $"TaskDefinition {PropertyReader.Describe(PropertyReader.Get(properties, "TaskDefinition"))} is not a reference to a task definition in this stack");
        }

        var task = taskDefinition.Properties;
        var platform = PropertyReader.Get(task, "RuntimePlatform") as JsonObject;
        var architecture = (platform is null ? null : PropertyReader.GetString(platform, "CpuArchitecture")) ?? "X86_64";
        var os = (platform is null ? null : PropertyReader.GetString(platform, "OperatingSystemFamily")) ?? "LINUX";
        if (architecture != "X86_64" || os != "LINUX")
        {
            return ResourcePricing.Unpriced($"Fargate {os}/{architecture} has no price row (only Linux/x86)");
        }

        if (!TryVcpu(PropertyReader.Get(task, "Cpu"), out var vcpu))
        {
            return ResourcePricing.Unpriced($"task definition {taskDefinition.LogicalId} Cpu {PropertyReader.Describe(PropertyReader.Get(task, "Cpu"))} is not a literal CPU size");
        }

        if (!TryGb(PropertyReader.Get(task, "Memory"), out var gb))
        {
            return ResourcePricing.Unpriced($"task definition {taskDefinition.LogicalId} Memory {PropertyReader.Describe(PropertyReader.Get(task, "Memory"))} is not a literal memory size");
        }

        var countNode = PropertyReader.Get(properties, "DesiredCount");
        decimal count;
        if (countNode is null)
        {
            count = 1;
            context.Assume($"{resource.LogicalId}: DesiredCount not set; CloudFormation's default of 1 task is priced.");
        }
        else if (!PropertyReader.TryGetDecimal(countNode, out count))
        {
            return ResourcePricing.Unpriced($"DesiredCount {PropertyReader.Describe(countNode)} is not a literal number");
        }

        if (!context.TryPrice(Vcpu, out var vcpuPrice))
        {
            return ResourcePricing.NoPrice(Vcpu, context.Region);
        }

        if (!context.TryPrice(Memory, out var memoryPrice))
        {
            return ResourcePricing.NoPrice(Memory, context.Region);
        }

        var description = $"{PricingContext.Format(count)} × Fargate task {PricingContext.Format(vcpu)} vCPU / {PricingContext.Format(gb)} GB, {PricingContext.Hours}";
        if (spotShare > 0)
        {
            description += $" ({PricingContext.Format(spotShare * count)} on FARGATE_SPOT)";
        }

        var pricing = ResourcePricing.Priced(description, Components(count, vcpu, gb, spotShare, vcpuPrice, memoryPrice, context));
        return MaxTasks(resource, context) is { } max && max > count
            ? pricing.WithMax($"{PricingContext.Format(max)} tasks (Application Auto Scaling MaxCapacity)", Components(max, vcpu, gb, spotShare, vcpuPrice, memoryPrice, context))
            : pricing;
    }

    private static PriceComponent[] Components(decimal count, decimal vcpu, decimal gb, decimal spotShare, Price vcpuPrice, Price memoryPrice, PricingContext context)
    {
        var vcpuHours = count * vcpu * PricingContext.HoursPerMonth;
        var gbHours = count * gb * PricingContext.HoursPerMonth;
        var components = new List<PriceComponent>(6) { PriceComponent.Of("Fargate vCPU", vcpuHours, vcpuPrice), PriceComponent.Of("Fargate memory", gbHours, memoryPrice) };
        if (spotShare > 0)
        {
            components.Add(SpotDiscount.For("Fargate vCPU", spotShare * vcpuHours, vcpuPrice, context));
            components.Add(SpotDiscount.For("Fargate memory", spotShare * gbHours, memoryPrice, context));
        }

        // Reserved Instances do not cover Fargate; Compute Savings Plans do.
        components.AddRange(PurchaseMix.Compute("Fargate vCPU", (1 - spotShare) * vcpuHours, vcpuPrice, reservedApplies: false, context));
        components.AddRange(PurchaseMix.Compute("Fargate memory", (1 - spotShare) * gbHours, memoryPrice, reservedApplies: false, context));
        return [.. components];
    }

    // The MaxCapacity of an Application Auto Scaling target on this service's DesiredCount, when the stack has one.
    private static decimal? MaxTasks(EstimateResource service, PricingContext context)
    {
        foreach (var target in context.OfType(ScalableTargetType))
        {
            if (PropertyReader.GetString(target.Properties, "ScalableDimension") != "ecs:service:DesiredCount"
                || !PropertyReader.Mentions(PropertyReader.Get(target.Properties, "ResourceId"), service.LogicalId))
            {
                continue;
            }

            if (PropertyReader.TryGetDecimal(PropertyReader.Get(target.Properties, "MaxCapacity"), out var max))
            {
                return max;
            }

            context.Assume($"{target.LogicalId}: MaxCapacity is not a literal number; {service.LogicalId} is priced at its desired count only.");
        }

        return null;
    }

    // The share of tasks on FARGATE_SPOT; false when the service does not run on Fargate.
    private static bool TrySpotShare(EstimateResource resource, PricingContext context, out decimal spotShare, out string reason)
    {
        spotShare = 0;
        reason = "";
        var properties = resource.Properties;
        var launchType = PropertyReader.GetString(properties, "LaunchType");
        if (launchType == "FARGATE")
        {
            return true;
        }

        if (launchType is not null)
        {
            reason = $"launch type {launchType}: only Fargate services are priced (EC2 capacity is priced on its instances)";
            return false;
        }

        var strategy = PropertyReader.Get(properties, "CapacityProviderStrategy") as JsonArray;
        if (strategy is null && context.TryFollow(PropertyReader.Get(properties, "Cluster"), "AWS::ECS::Cluster", out var cluster))
        {
            strategy = PropertyReader.Get(cluster.Properties, "DefaultCapacityProviderStrategy") as JsonArray;
        }

        if (strategy is null || strategy.Count == 0)
        {
            reason = "neither LaunchType FARGATE nor a Fargate capacity provider strategy is set, so the service would not run on Fargate";
            return false;
        }

        decimal fargateWeight = 0, spotWeight = 0;
        foreach (var item in strategy)
        {
            if (item is not JsonObject entry)
            {
                reason = "capacity provider strategy entry is not an object";
                return false;
            }

            var provider = PropertyReader.GetString(entry, "CapacityProvider");
            var weight = PropertyReader.TryGetDecimal(PropertyReader.Get(entry, "Weight"), out var w) ? w : 0;
            if (PropertyReader.IsSet(entry, "Base") && PropertyReader.TryGetDecimal(PropertyReader.Get(entry, "Base"), out var b) && b > 0)
            {
                context.Assume($"{resource.LogicalId}: capacity provider Base is ignored; tasks are split by Weight.");
            }

            switch (provider)
            {
                case "FARGATE":
                    fargateWeight += weight;
                    break;
                case "FARGATE_SPOT":
                    spotWeight += weight;
                    break;
                default:
                    reason = $"capacity provider {provider ?? "(not literal)"} is not Fargate";
                    return false;
            }
        }

        if (fargateWeight + spotWeight == 0)
        {
            reason = "capacity provider strategy has no positive Weight";
            return false;
        }

        spotShare = spotWeight / (fargateWeight + spotWeight);
        return true;
    }

    private static bool TryVcpu(JsonNode? node, out decimal vcpu)
    {
        vcpu = 0;
        if (PropertyReader.TryGetDecimal(node, out var units))
        {
            vcpu = units / 1024m;
            return vcpu > 0;
        }

        return PropertyReader.TryGetString(node, out var text) && TryUnit(text, "vcpu", out vcpu);
    }

    private static bool TryGb(JsonNode? node, out decimal gb)
    {
        gb = 0;
        if (PropertyReader.TryGetDecimal(node, out var mb))
        {
            gb = mb / 1024m;
            return gb > 0;
        }

        return PropertyReader.TryGetString(node, out var text) && TryUnit(text, "gb", out gb);
    }

    // CloudFormation also accepts "0.5 vCPU" and "1 GB".
    private static bool TryUnit(string text, string unit, out decimal value)
    {
        value = 0;
        var trimmed = text.Trim();
        if (!trimmed.EndsWith(unit, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return decimal.TryParse(trimmed[..^unit.Length].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value > 0;
    }
}
