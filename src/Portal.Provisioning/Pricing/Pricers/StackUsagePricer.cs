namespace Portal.Provisioning.Pricing.Pricers;

// Usage that belongs to the stack rather than one resource: data transfer out and backup storage.
internal static class StackUsagePricer
{
    public const string StackLogicalId = "(stack)";
    public const string DataTransferType = "AWS::DataTransfer";
    public const string BackupStorageType = "AWS::RDS::BackupStorage";
    public static readonly PriceKey DataTransferOut = new("Data Transfer", "EC2 to Internet", "data transfer out (first 10 TB/month)");

    // Not in the price catalog: RDS backup storage beyond the free allowance is commonly published at $0.095 per GB-month.
    private const decimal BackupGbMonth = 0.095m;

    public static void Price(PricingContext context, List<CostLineItem> lineItems, List<UnpricedResource> unpriced)
    {
        var transferGb = context.Usage(UsageKeys.DataTransferOutGb);
        if (transferGb > 0)
        {
            if (context.TryPrice(DataTransferOut, out var price))
            {
                lineItems.Add(CostEstimator.LineItem(
                    StackLogicalId,
                    DataTransferType,
                    $"Data transfer out to the internet, {PricingContext.Format(transferGb)} GB",
                    [PriceComponent.Of("Data transfer out (first 10 TB tier)", transferGb, price)]));
            }
            else
            {
                unpriced.Add(new UnpricedResource(StackLogicalId, DataTransferType, $"no price for {DataTransferOut} in {context.Region}"));
            }
        }

        var snapshotGb = context.Usage(UsageKeys.SnapshotStorageGb);
        if (snapshotGb > 0)
        {
            context.Assume("Backup storage beyond the free allowance is priced at an assumed $0.095 per GB-month (RDS rate; Aurora's is lower; not in the price catalog).");
            lineItems.Add(CostEstimator.LineItem(
                StackLogicalId,
                BackupStorageType,
                $"Database backup storage beyond the free allowance, {PricingContext.Format(snapshotGb)} GB-month",
                [PriceComponent.Assumed(
                    "Backup storage", snapshotGb, "GB-month", BackupGbMonth, "https://aws.amazon.com/rds/postgresql/pricing/",
                    "Assumed: commonly published RDS backup storage rate; no row in the price catalog")]));
        }
    }
}
