namespace Portal.Provisioning.Pricing.Pricers;

// The tier's reserved and savings-plan coverage applied to on-demand hours, as negative Assumed components that name their source.
internal static class PurchaseMix
{
    // Compute: EC2 Reserved Instances (reservedApplies: EC2 instances and EKS nodes) and Compute Savings Plans (also Fargate).
    public static IEnumerable<PriceComponent> Compute(string name, decimal hours, Price onDemand, bool reservedApplies, PricingContext context)
    {
        var purchase = context.Purchase;
        if (reservedApplies && Coverage(purchase.Reserved, purchase) is > 0 and var reserved)
        {
            yield return Discount($"{name} reserved coverage ({PurchaseOption.Percent(reserved)} of on-demand hours)", hours * reserved, onDemand, purchase.Reserved, "Reserved Instances");
        }

        if (Coverage(purchase.SavingsPlan, purchase) is > 0 and var savingsPlan)
        {
            yield return Discount($"{name} savings-plan coverage ({PurchaseOption.Percent(savingsPlan)} of on-demand hours)", hours * savingsPlan, onDemand, purchase.SavingsPlan, "Compute Savings Plans");
        }
    }

    // Provisioned RDS/Aurora instance hours covered by reserved DB instances.
    public static IEnumerable<PriceComponent> Database(string name, decimal hours, decimal unitUsd, string unit, PricingContext context)
    {
        var option = context.Purchase.DatabaseReserved;
        if (option.Share > 0)
        {
            yield return PriceComponent.Assumed(
                $"{name} reserved coverage ({PurchaseOption.Percent(option.Share)} of instance hours, {PurchaseOption.Percent(option.Discount)} off)",
                hours * option.Share, unit, -option.Discount * unitUsd, "https://aws.amazon.com/rds/reserved-instances/",
                $"Assumed: tier purchase option, reserved DB instances {PurchaseOption.Percent(option.Share)} at {PurchaseOption.Percent(option.Discount)} below ${PricingContext.Format(unitUsd)}/{unit}. Source: {option.Source}");
        }
    }

    // States the tier's purchase mix once per estimate.
    public static void Describe(PricingContext context)
    {
        var p = context.Purchase;
        if (p.Spot.Share == 0 && p.Reserved.Share == 0 && p.SavingsPlan.Share == 0 && p.DatabaseReserved.Share == 0)
        {
            return;
        }

        context.Assume(
            $"Tier purchase options: compute {PurchaseOption.Percent(p.Spot.Share)} spot, {PurchaseOption.Percent(p.Reserved.Share)} reserved ({PurchaseOption.Percent(p.Reserved.Discount)} off), "
            + $"{PurchaseOption.Percent(p.SavingsPlan.Share)} savings plans ({PurchaseOption.Percent(p.SavingsPlan.Discount)} off); databases {PurchaseOption.Percent(p.DatabaseReserved.Share)} reserved"
            + (p.DatabaseReserved.Share > 0 ? $" ({PurchaseOption.Percent(p.DatabaseReserved.Discount)} off)" : "")
            + ". The template decides which capacity is spot (spot node groups, FARGATE_SPOT); reserved and savings-plan shares are fractions of all compute hours, "
            + "applied to the on-demand hours as share ÷ (1 − spot share), at the start size and at the maximum alike.");
    }

    private static decimal Coverage(PurchaseOption option, TierPurchaseOptions purchase) => option.Share == 0 ? 0 : purchase.OfOnDemand(option.Share);

    private static PriceComponent Discount(string name, decimal quantity, Price onDemand, PurchaseOption option, string what) =>
        PriceComponent.Assumed(
            name, quantity, onDemand.Unit, -option.Discount * onDemand.Usd,
            what == "Reserved Instances" ? "https://aws.amazon.com/ec2/pricing/reserved-instances/pricing/" : "https://aws.amazon.com/savingsplans/compute-pricing/",
            $"Assumed: tier purchase option, {what} at {PurchaseOption.Percent(option.Discount)} below the on-demand {onDemand.Key} price of ${PricingContext.Format(onDemand.Usd)}. Source: {option.Source}");
}
