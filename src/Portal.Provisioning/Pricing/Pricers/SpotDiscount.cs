namespace Portal.Provisioning.Pricing.Pricers;

// Spot capacity the template asks for, at the tier's configured spot discount (default 70% below on-demand, the shared/aws/README.md convention).
internal static class SpotDiscount
{
    // A negative, Assumed component taking the configured discount off onDemand for quantity units.
    public static PriceComponent For(string name, decimal quantity, Price onDemand, PricingContext context)
    {
        var spot = context.Purchase.Spot;
        var percent = PurchaseOption.Percent(spot.Discount);
        context.Assume($"Spot capacity is assumed to cost {percent} less than on-demand (actual spot prices vary by AZ and over time). Source: {spot.Source}");
        return PriceComponent.Assumed(
            $"{name} spot discount (assumed {percent} below on-demand)",
            quantity,
            onDemand.Unit,
            -spot.Discount * onDemand.Usd,
            "https://aws.amazon.com/ec2/spot/pricing/",
            $"Assumed: spot taken as {percent} below the on-demand {onDemand.Key} price of ${PricingContext.Format(onDemand.Usd)}. Source: {spot.Source}");
    }
}
