using System.Text.Json.Nodes;

namespace Portal.Provisioning.Pricing.Pricers;

// NAT gateways: gateway hours plus natProcessedGb split evenly over the stack's NAT gateways.
internal sealed class NatGatewayPricer : IResourcePricer
{
    public const string NatGatewayType = "AWS::EC2::NatGateway";
    public static readonly PriceKey Hour = new("VPC", "NAT Gateway", "gateway hour");
    public static readonly PriceKey Processed = new("VPC", "NAT Gateway", "data processed");

    public IReadOnlyCollection<string> ResourceTypes { get; } = [NatGatewayType];

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        if (PropertyReader.GetString(resource.Properties, "ConnectivityType") == "private")
        {
            return ResourcePricing.Unpriced("private NAT gateways are not in the price catalog");
        }

        if (!context.TryPrice(Hour, out var hour))
        {
            return ResourcePricing.NoPrice(Hour, context.Region);
        }

        if (!context.TryPrice(Processed, out var processed))
        {
            return ResourcePricing.NoPrice(Processed, context.Region);
        }

        var gb = context.Share(UsageKeys.NatProcessedGb, NatGatewayType, "GB");
        return ResourcePricing.Priced(
            $"NAT gateway, {PricingContext.Hours} + {PricingContext.Format(gb)} GB processed",
            PriceComponent.Of("NAT gateway hours", PricingContext.HoursPerMonth, hour),
            PriceComponent.Of("NAT data processed", gb, processed));
    }
}

// Elastic IPs: every public IPv4 address is billed per in-use hour.
internal sealed class ElasticIpPricer : IResourcePricer
{
    public static readonly PriceKey PublicIpv4 = new("VPC", "Public IPv4 address", "in-use address hour (incl. Elastic IP)");

    public IReadOnlyCollection<string> ResourceTypes { get; } = ["AWS::EC2::EIP"];

    public ResourcePricing Price(EstimateResource resource, PricingContext context) =>
        context.TryPrice(PublicIpv4, out var price)
            ? ResourcePricing.Priced($"1 public IPv4 address, {PricingContext.Hours}", PriceComponent.Of("Public IPv4 address hours", PricingContext.HoursPerMonth, price))
            : ResourcePricing.NoPrice(PublicIpv4, context.Region);
}

// Application load balancers: hours, albLcu LCUs per ALB, and the public IPv4 address an internet-facing ALB holds per subnet.
internal sealed class LoadBalancerPricer : IResourcePricer
{
    public static readonly PriceKey Hour = new("ELB", "Application Load Balancer", "ALB hour");
    public static readonly PriceKey Lcu = new("ELB", "Application Load Balancer", "LCU");

    public IReadOnlyCollection<string> ResourceTypes { get; } = ["AWS::ElasticLoadBalancingV2::LoadBalancer"];

    public ResourcePricing Price(EstimateResource resource, PricingContext context)
    {
        var properties = resource.Properties;
        var type = PropertyReader.GetString(properties, "Type") ?? "application";
        if (type != "application")
        {
            return ResourcePricing.Unpriced($"{type} load balancers are not in the price catalog");
        }

        if (!context.TryPrice(Hour, out var hour))
        {
            return ResourcePricing.NoPrice(Hour, context.Region);
        }

        if (!context.TryPrice(Lcu, out var lcu))
        {
            return ResourcePricing.NoPrice(Lcu, context.Region);
        }

        var lcus = context.Usage(UsageKeys.AlbLcu);
        var lcuHours = lcus * PricingContext.HoursPerMonth;
        var hours = PriceComponent.Of("ALB hours", PricingContext.HoursPerMonth, hour);
        var capacity = PriceComponent.Of("ALB LCU-hours", lcuHours, lcu);
        var description = $"Application load balancer, {PricingContext.Hours}, {PricingContext.Format(lcus)} LCU average";

        var scheme = PropertyReader.GetString(properties, "Scheme") ?? "internet-facing";
        if (scheme != "internet-facing")
        {
            return ResourcePricing.Priced(description, hours, capacity);
        }

        if (!context.TryPrice(ElasticIpPricer.PublicIpv4, out var ipv4))
        {
            return ResourcePricing.NoPrice(ElasticIpPricer.PublicIpv4, context.Region);
        }

        // An internet-facing ALB holds one public IPv4 address per subnet (AZ), billed like any other.
        var addresses = (PropertyReader.Get(properties, "Subnets") ?? PropertyReader.Get(properties, "SubnetMappings")) is JsonArray subnets
            ? subnets.Count
            : 0;
        if (addresses == 0)
        {
            return ResourcePricing.Unpriced("internet-facing ALB without a literal Subnets/SubnetMappings list: its public IPv4 address count is unknown");
        }

        context.Assume("An internet-facing ALB is billed for one public IPv4 address per subnet it spans.");
        return ResourcePricing.Priced(
            $"{description}, {addresses} public IPv4 addresses",
            hours,
            capacity,
            PriceComponent.Of("ALB public IPv4 address hours", addresses * PricingContext.HoursPerMonth, ipv4));
    }
}
