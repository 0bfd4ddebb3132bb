namespace Portal.Provisioning.Pricing.Pricers;

// The stated spot assumption: spot capacity costs 70% less than on-demand (shared/aws/README.md convention).
internal static class SpotDiscount
{
    public const decimal Fraction = 0.70m;
    public const string Statement = "Spot capacity is assumed to cost 70% less than on-demand (actual spot prices vary by AZ and over time).";

    // A negative, Assumed component taking 70% off onDemand for quantity units.
    public static PriceComponent For(string name, decimal quantity, Price onDemand, PricingContext context)
    {
        context.Assume(Statement);
        return PriceComponent.Assumed(
            $"{name} spot discount (assumed 70% below on-demand)",
            quantity,
            onDemand.Unit,
            -Fraction * onDemand.Usd,
            "https://aws.amazon.com/ec2/spot/pricing/",
            $"Assumed: spot taken as 70% below the on-demand {onDemand.Key} price of ${PricingContext.Format(onDemand.Usd)}");
    }
}
