using System.Globalization;
using Microsoft.Extensions.Options;

namespace Portal.Provisioning.Pricing;

/// <summary>
/// How each tier buys capacity (configuration section <c>Pricing</c>, key <c>Pricing:PurchaseOptions:{tier}</c>). The defaults are
/// the platform documents' figures; every share and discount carries its source, and the estimator states them in its components.
/// </summary>
public sealed class PricingOptions
{
    public const string SectionName = "Pricing";

    /// <summary>Purchase options by tier slug (<c>dev</c>, <c>staging</c>, <c>prod</c>); a tier not listed is priced at list on-demand rates.</summary>
    public Dictionary<string, TierPurchaseOptions> PurchaseOptions { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["dev"] = TierPurchaseOptions.PlatformDev(),
        ["staging"] = TierPurchaseOptions.PlatformStaging(),
        ["prod"] = TierPurchaseOptions.PlatformProd(),
    };

    /// <summary>The tier's purchase options, or list on-demand (<see cref="TierPurchaseOptions.OnDemand"/>) when none are configured.</summary>
    public TierPurchaseOptions For(string tier) =>
        PurchaseOptions.TryGetValue(tier, out var options) ? options : TierPurchaseOptions.OnDemand;
}

/// <summary>One tier's purchase mix. Shares are fractions of the tier's compute hours (spot + reserved + savings plan ≤ 1; the rest is on-demand).</summary>
public sealed class TierPurchaseOptions
{
    /// <summary>Commonly published spot saving (shared/aws/README.md convention): ~70% below on-demand.</summary>
    public const string SpotDiscountSource =
        "Assumed: spot capacity commonly ~70% below on-demand (shared/aws/README.md convention; https://aws.amazon.com/ec2/spot/pricing/, varies by AZ and over time)";

    private const string PlatformDocuments = "Platform documents (template catalog, eks-platform node groups)";

    /// <summary>List prices: no spot share, no reservations; spot capacity the template asks for still gets the spot discount.</summary>
    public static TierPurchaseOptions OnDemand { get; } = new()
    {
        Spot = new PurchaseOption { Share = 0, Discount = 0.70m, Source = SpotDiscountSource },
    };

    /// <summary>Spot: the share of compute hours on spot capacity and the discount spot capacity gets.</summary>
    public PurchaseOption Spot { get; set; } = new();

    /// <summary>EC2 Reserved Instances: the share of compute hours covered and their discount (EC2 instances and EKS nodes only).</summary>
    public PurchaseOption Reserved { get; set; } = new();

    /// <summary>Compute Savings Plans: the share of compute hours covered and their discount (EC2, EKS nodes and Fargate).</summary>
    public PurchaseOption SavingsPlan { get; set; } = new();

    /// <summary>Reserved DB instances: the share of provisioned RDS/Aurora instance hours covered and their discount (not serverless ACUs, not storage).</summary>
    public PurchaseOption DatabaseReserved { get; set; } = new();

    /// <summary>The share of on-demand-priced compute hours a coverage of <paramref name="share"/> of all compute hours amounts to.</summary>
    internal decimal OfOnDemand(decimal share) => Spot.Share >= 1 ? 0 : Math.Min(1m, share / (1 - Spot.Share));

    internal static TierPurchaseOptions PlatformDev() => new()
    {
        Spot = new PurchaseOption { Share = 0.70m, Discount = 0.70m, Source = $"{PlatformDocuments}: dev 70% spot. Discount: {SpotDiscountSource}" },
        Reserved = new PurchaseOption { Source = $"{PlatformDocuments}: dev buys no reservations" },
        SavingsPlan = new PurchaseOption { Source = $"{PlatformDocuments}: dev buys no savings plans" },
        DatabaseReserved = new PurchaseOption { Source = "Platform documents set no database reservation for dev" },
    };

    internal static TierPurchaseOptions PlatformStaging() => new()
    {
        Spot = new PurchaseOption { Share = 0.50m, Discount = 0.70m, Source = $"{PlatformDocuments}: staging 50% spot. Discount: {SpotDiscountSource}" },
        Reserved = new PurchaseOption
        {
            Share = 0.30m,
            Discount = 0.37m,
            Source = $"{PlatformDocuments}: staging 30% reserved. Discount: UNVERIFIED, commonly published 1-year standard no-upfront EC2 RI saving (~37% for t3/m5, https://aws.amazon.com/ec2/pricing/reserved-instances/pricing/)",
        },
        SavingsPlan = new PurchaseOption { Source = $"{PlatformDocuments}: staging buys no savings plans" },
        DatabaseReserved = new PurchaseOption { Source = "Platform documents set no database reservation for staging" },
    };

    internal static TierPurchaseOptions PlatformProd() => new()
    {
        Spot = new PurchaseOption { Share = 0, Discount = 0.70m, Source = $"{PlatformDocuments}: prod runs no spot. Discount: {SpotDiscountSource}" },
        Reserved = new PurchaseOption
        {
            Share = 0.60m,
            Discount = 0.37m,
            Source = $"{PlatformDocuments}: prod 60% reserved. Discount: UNVERIFIED, commonly published 1-year standard no-upfront EC2 RI saving (~37% for m5, https://aws.amazon.com/ec2/pricing/reserved-instances/pricing/)",
        },
        SavingsPlan = new PurchaseOption
        {
            Share = 0.30m,
            Discount = 0.28m,
            Source = $"{PlatformDocuments}: prod 30% savings plans. Discount: UNVERIFIED, commonly published 1-year no-upfront Compute Savings Plan saving (~28% for m5, https://aws.amazon.com/savingsplans/compute-pricing/)",
        },
        DatabaseReserved = new PurchaseOption { Source = "Platform documents set no database reservation for prod" },
    };
}

/// <summary>A share of capacity bought one way, the discount it gets (fraction off the on-demand rate) and where both come from.</summary>
public sealed class PurchaseOption
{
    /// <summary>Fraction 0..1 of the hours bought this way.</summary>
    public decimal Share { get; set; }

    /// <summary>Fraction 0..1 off the on-demand rate.</summary>
    public decimal Discount { get; set; }

    /// <summary>Where the share and the discount come from (shown in every component that applies them).</summary>
    public string Source { get; set; } = "";

    internal static string Percent(decimal fraction) => (fraction * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}

/// <summary>Checks every tier's shares and discounts; messages name the exact configuration key.</summary>
internal sealed class PricingOptionsValidator : IValidateOptions<PricingOptions>
{
    public ValidateOptionsResult Validate(string? name, PricingOptions options)
    {
        var errors = new List<string>();
        foreach (var (tier, tierOptions) in options.PurchaseOptions)
        {
            var prefix = $"{PricingOptions.SectionName}:{nameof(PricingOptions.PurchaseOptions)}:{tier}";
            if (tierOptions is null)
            {
                errors.Add($"{prefix}: is empty.");
                continue;
            }

            Check(errors, $"{prefix}:{nameof(TierPurchaseOptions.Spot)}", tierOptions.Spot);
            Check(errors, $"{prefix}:{nameof(TierPurchaseOptions.Reserved)}", tierOptions.Reserved);
            Check(errors, $"{prefix}:{nameof(TierPurchaseOptions.SavingsPlan)}", tierOptions.SavingsPlan);
            Check(errors, $"{prefix}:{nameof(TierPurchaseOptions.DatabaseReserved)}", tierOptions.DatabaseReserved);
            var compute = (tierOptions.Spot?.Share ?? 0) + (tierOptions.Reserved?.Share ?? 0) + (tierOptions.SavingsPlan?.Share ?? 0);
            if (compute > 1)
            {
                errors.Add($"{prefix}: Spot:Share + Reserved:Share + SavingsPlan:Share is {PurchaseOption.Percent(compute)}; the compute shares cannot exceed 100%.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Check(List<string> errors, string key, PurchaseOption? option)
    {
        if (option is null)
        {
            errors.Add($"{key}: is empty.");
            return;
        }

        if (option.Share is < 0 or > 1)
        {
            errors.Add($"{key}:{nameof(PurchaseOption.Share)}: {option.Share.ToString(CultureInfo.InvariantCulture)} is not a fraction between 0 and 1.");
        }

        if (option.Discount is < 0 or >= 1)
        {
            errors.Add($"{key}:{nameof(PurchaseOption.Discount)}: {option.Discount.ToString(CultureInfo.InvariantCulture)} is not a fraction from 0 up to (not including) 1.");
        }

        if (option.Share > 0 && option.Discount == 0)
        {
            errors.Add($"{key}:{nameof(PurchaseOption.Discount)}: a share of {PurchaseOption.Percent(option.Share)} needs the discount it gets.");
        }

        if ((option.Share > 0 || option.Discount > 0) && string.IsNullOrWhiteSpace(option.Source))
        {
            errors.Add($"{key}:{nameof(PurchaseOption.Source)}: a share or discount needs the source it comes from.");
        }
    }
}
