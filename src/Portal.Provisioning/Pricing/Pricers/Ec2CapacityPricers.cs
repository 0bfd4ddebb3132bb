using System.Text.Json.Nodes;

namespace Portal.Provisioning.Pricing.Pricers;

// Prices N on-demand (or spot) Linux instances of one type for a month, and up to maxCount when the group can grow.
internal static class InstanceHours
{
    public static ResourcePricing Price(string instanceType, decimal count, decimal? maxCount, bool spot, string what, PricingContext context)
    {
        if (!context.TryPrice(new PriceKey(PriceCatalog.Ec2Service, instanceType, PriceCatalog.Ec2OnDemandDimension), out var onDemand))
        {
            return ResourcePricing.Unpriced($"instance type {instanceType} has no on-demand price in {context.Region}");
        }

        var description = $"{PricingContext.Format(count)} × {instanceType} {what}, {PricingContext.Hours}";
        var pricing = ResourcePricing.Priced(
            spot ? $"{description}, spot (assumed {PurchaseOption.Percent(context.Purchase.Spot.Discount)} below on-demand)" : $"{description}, on-demand",
            Components(instanceType, count, spot, onDemand, context));
        return maxCount is { } max && max > count
            ? pricing.WithMax($"{PricingContext.Format(max)} {what}s", Components(instanceType, max, spot, onDemand, context))
            : pricing;
    }

    private static PriceComponent[] Components(string instanceType, decimal count, bool spot, Price onDemand, PricingContext context)
    {
        var hours = count * PricingContext.HoursPerMonth;
        var onDemandComponent = PriceComponent.Of($"EC2 {instanceType} on-demand hours", hours, onDemand);
        return spot
            ? [onDemandComponent, SpotDiscount.For($"EC2 {instanceType}", hours, onDemand, context)]
            : [onDemandComponent, .. PurchaseMix.Compute($"EC2 {instanceType}", hours, onDemand, reservedApplies: true, context)];
    }

    // A literal maximum size, or null (with the reason stated) when the group's maximum is not a number.
    public static decimal? MaxSize(EstimateResource resource, JsonObject properties, string name, decimal count, PricingContext context)
    {
        if (PropertyReader.TryGetDecimal(PropertyReader.Get(properties, name), out var max))
        {
            return max;
        }

        context.Assume($"{resource.LogicalId}: {name} is not a literal number; its maximum is taken as its start size ({PricingContext.Format(count)}).");
        return null;
    }
}

// EKS clusters: the control plane at the standard-support rate.
internal sealed class EksClusterPricer : IResourcePricer
{
    public static readonly PriceKey ControlPlane = new("EKS", "cluster (standard support)", "control plane");

    public IReadOnlyCollection<string> ResourceTypes { get; } = ["AWS::EKS::Cluster"];

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        if (!context.TryPrice(ControlPlane, out var price))
        {
            return ResourcePricing.NoPrice(ControlPlane, context.Region);
        }

        context.Assume("EKS control planes are priced at the standard-support rate; a Kubernetes version in extended support costs $0.60/h instead.");
        return ResourcePricing.Priced(
            $"EKS control plane (standard support), {PricingContext.Hours}",
            PriceComponent.Of("EKS cluster hours", PricingContext.HoursPerMonth, price));
    }
}

// EKS managed node groups: first instance type × ScalingConfig.DesiredSize; SPOT at the stated discount.
internal sealed class EksNodegroupPricer : IResourcePricer
{
    public IReadOnlyCollection<string> ResourceTypes { get; } = ["AWS::EKS::Nodegroup"];

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        var properties = resource.Properties;
        var amiType = PropertyReader.GetString(properties, "AmiType") ?? "";
        if (amiType.StartsWith("WINDOWS", StringComparison.Ordinal))
        {
            return ResourcePricing.Unpriced($"AMI type {amiType}: only Linux instance prices are in the catalog");
        }

        string instanceType;
        var types = PropertyReader.Get(properties, "InstanceTypes");
        if (types is null)
        {
            if (PropertyReader.IsSet(properties, "LaunchTemplate"))
            {
                return ResourcePricing.Unpriced("instance type comes from a launch template, which node group pricing does not follow");
            }

            instanceType = "t3.medium";
            context.Assume($"{resource.LogicalId}: InstanceTypes not set; EKS's default t3.medium is priced.");
        }
        else if (types is not JsonArray { Count: > 0 } list || !PropertyReader.TryGetString(list[0], out instanceType))
        {
            return ResourcePricing.Unpriced($"InstanceTypes {PropertyReader.Describe(types)} has no literal first instance type");
        }

        if (PropertyReader.Get(properties, "ScalingConfig") is not JsonObject scaling)
        {
            return ResourcePricing.Unpriced("ScalingConfig is not set, so the node count is unknown");
        }

        if (!PropertyReader.TryGetDecimal(PropertyReader.Get(scaling, "DesiredSize"), out var count))
        {
            if (!PropertyReader.TryGetDecimal(PropertyReader.Get(scaling, "MinSize"), out count))
            {
                return ResourcePricing.Unpriced("ScalingConfig has neither a literal DesiredSize nor MinSize");
            }

            context.Assume($"{resource.LogicalId}: DesiredSize not set; MinSize ({PricingContext.Format(count)}) nodes are priced.");
        }

        context.Assume("Node group and Auto Scaling group root volumes (EBS) are not priced.");
        var spot = PropertyReader.GetString(properties, "CapacityType") == "SPOT";
        return InstanceHours.Price(instanceType, count, InstanceHours.MaxSize(resource, scaling, "MaxSize", count, context), spot, "EKS node", context);
    }
}

// Auto Scaling groups whose launch template or launch configuration names a literal instance type × DesiredCapacity (or MinSize).
internal sealed class AutoScalingGroupPricer : IResourcePricer
{
    public IReadOnlyCollection<string> ResourceTypes { get; } = ["AWS::AutoScaling::AutoScalingGroup"];

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        var properties = resource.Properties;
        if (PropertyReader.IsSet(properties, "MixedInstancesPolicy"))
        {
            return ResourcePricing.Unpriced("mixed instances policies are not priced");
        }

        string? instanceType = null;
        if (PropertyReader.Get(properties, "LaunchTemplate") is JsonObject spec)
        {
            var reference = PropertyReader.Get(spec, "LaunchTemplateId") ?? PropertyReader.Get(spec, "LaunchTemplateName");
            if (context.TryFollow(reference, "AWS::EC2::LaunchTemplate", out var template)
                && PropertyReader.Get(template.Properties, "LaunchTemplateData") is JsonObject data)
            {
                instanceType = PropertyReader.GetString(data, "InstanceType");
            }
        }
        else if (context.TryFollow(PropertyReader.Get(properties, "LaunchConfigurationName"), "AWS::AutoScaling::LaunchConfiguration", out var configuration))
        {
            instanceType = PropertyReader.GetString(configuration.Properties, "InstanceType");
        }

        if (instanceType is null)
        {
            return ResourcePricing.Unpriced("no literal InstanceType in a launch template or launch configuration of this stack");
        }

        if (!PropertyReader.TryGetDecimal(PropertyReader.Get(properties, "DesiredCapacity"), out var count))
        {
            if (!PropertyReader.TryGetDecimal(PropertyReader.Get(properties, "MinSize"), out count))
            {
                return ResourcePricing.Unpriced("neither DesiredCapacity nor MinSize is a literal number");
            }

            context.Assume($"{resource.LogicalId}: DesiredCapacity not set; MinSize ({PricingContext.Format(count)}) instances are priced.");
        }

        context.Assume("Node group and Auto Scaling group root volumes (EBS) are not priced.");
        return InstanceHours.Price(instanceType, count, InstanceHours.MaxSize(resource, properties, "MaxSize", count, context), spot: false, "instance", context);
    }
}
