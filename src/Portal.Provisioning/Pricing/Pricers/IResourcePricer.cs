namespace Portal.Provisioning.Pricing.Pricers;

// Prices one family of CloudFormation resource types.
internal interface IResourcePricer
{
    IReadOnlyCollection<string> ResourceTypes { get; }

    ResourcePricing Price(EstimateResource resource, PricingContext context);
}

// A pricer's answer: a description with its components, or the reason it cannot be priced.
internal sealed record ResourcePricing(string Description, IReadOnlyList<PriceComponent> Components, string? UnpricedReason, IReadOnlyList<PriceComponent>? MaxComponents = null)
{
    // The same resource at its maximum size; the description gains the range ("up to 10 nodes").
    public ResourcePricing WithMax(string range, IReadOnlyList<PriceComponent> maxComponents) =>
        this with { Description = $"{Description}; up to {range}", MaxComponents = maxComponents };

    public static ResourcePricing Priced(string description, params PriceComponent[] components) => new(description, components, null);

    public static ResourcePricing Unpriced(string reason) => new("", [], reason);

    public static ResourcePricing NoPrice(PriceKey key, string region) => Unpriced($"no price for {key} in {region}");
}
