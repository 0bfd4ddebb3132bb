namespace Portal.Provisioning.Pricing.Pricers;

/// <summary>Prices one family of CloudFormation resource types.</summary>
internal interface IResourcePricer
{
    IReadOnlyCollection<string> ResourceTypes { get; }

    ResourcePricing Price(EstimateResource resource, PricingContext context);
}

/// <summary>A pricer's answer: a description with its components, or the reason it cannot be priced.</summary>
internal sealed record ResourcePricing(string Description, IReadOnlyList<PriceComponent> Components, string? UnpricedReason)
{
    public static ResourcePricing Priced(string description, params PriceComponent[] components) => new(description, components, null);

    public static ResourcePricing Unpriced(string reason) => new("", [], reason);

    public static ResourcePricing NoPrice(PriceKey key, string region) => Unpriced($"no price for {key} in {region}");
}
