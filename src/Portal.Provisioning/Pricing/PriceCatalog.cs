using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Portal.Provisioning.Pricing;

/// <summary>
/// List prices for us-east-1 and us-west-2, loaded once from the embedded CSVs (see Pricing/Data/SOURCE.md).
/// Every region's prices are resolved at load time (regional row, else an all-regions row, else the us-east-1 row
/// marked Assumed), so a lookup is one dictionary hit.
/// </summary>
public sealed class PriceCatalog
{
    public const string UsEast1 = "us-east-1";
    public const string UsWest2 = "us-west-2";
    public const string Ec2Service = "EC2";
    public const string Ec2OnDemandDimension = "On-Demand Linux instance";

    /// <summary>How the notes of a price taken equal to us-east-1 begin (its basis is Assumed).</summary>
    public const string AssumedFromUsEast1 = "Assumed equal to the us-east-1 price";

    private const string PricesResource = "Portal.Provisioning.Pricing.prices.csv";
    private const string Ec2Resource = "Portal.Provisioning.Pricing.ec2-on-demand-us-east-1.csv";
    private const string Ec2FileSource =
        "https://github.com/aws/karpenter-provider-aws/blob/6fc13b5236fd04fd16ff3f9dc7490d0813994099/pkg/providers/pricing/zz_generated.pricing_aws.go";
    private const string Ec2FileNotes =
        "AWS Price List API snapshot 2026-07-20 (on-demand Linux, shared tenancy) via aws/karpenter-provider-aws (Apache-2.0)";

    private static readonly Lazy<PriceCatalog> LazyDefault = new(LoadEmbedded);

    private readonly FrozenDictionary<(string Region, PriceKey Key), Price> _prices;

    private PriceCatalog(FrozenDictionary<(string Region, PriceKey Key), Price> prices) => _prices = prices;

    public static IReadOnlyList<string> SupportedRegions { get; } = [UsEast1, UsWest2];

    /// <summary>The catalog built from the embedded price files; loaded on first use.</summary>
    public static PriceCatalog Default => LazyDefault.Value;

    public static bool IsSupportedRegion(string region) => region is UsEast1 or UsWest2;

    /// <summary>Throws <see cref="ArgumentException"/> unless the region is one the catalog prices.</summary>
    public static void EnsureSupportedRegion(string region)
    {
        if (!IsSupportedRegion(region))
        {
            throw new ArgumentException(
                $"Region '{region}' is not supported for estimates; supported: {string.Join(", ", SupportedRegions)}.", nameof(region));
        }
    }

    public bool TryGet(string region, PriceKey key, [NotNullWhen(true)] out Price? price)
    {
        EnsureSupportedRegion(region);
        return _prices.TryGetValue((region, key), out price);
    }

    /// <summary>Every price whose row is marked UNVERIFIED, once per row (a row that applies everywhere is listed under its own region), for someone to confirm.</summary>
    public IReadOnlyList<Price> Unverified() =>
        [.. _prices.Values.Where(p => p.Basis == PriceBasis.Unverified)
            .DistinctBy(p => (p.Key, p.Region))
            .OrderBy(p => p.Key.Service, StringComparer.Ordinal).ThenBy(p => p.Key.ResourceType, StringComparer.Ordinal).ThenBy(p => p.Key.Dimension, StringComparer.Ordinal).ThenBy(p => p.Region, StringComparer.Ordinal)];

    public Price Get(string region, PriceKey key) =>
        TryGet(region, key, out var price) ? price : throw new KeyNotFoundException($"No price for {key} in {region}.");

    public bool TryGetEc2OnDemand(string region, string instanceType, [NotNullWhen(true)] out Price? price) =>
        TryGet(region, new PriceKey(Ec2Service, instanceType, Ec2OnDemandDimension), out price);

    /// <summary>Builds a catalog from price files in the embedded formats (prices.csv and, optionally, the EC2 instance list).</summary>
    public static PriceCatalog Load(TextReader pricesCsv, TextReader? ec2OnDemandCsv = null)
    {
        ArgumentNullException.ThrowIfNull(pricesCsv);
        var rows = new List<(PriceKey Key, string Region, Price? Price, string Notes)>();
        ReadPrices(pricesCsv, rows);
        if (ec2OnDemandCsv is not null)
        {
            ReadEc2(ec2OnDemandCsv, rows);
        }

        return new PriceCatalog(Resolve(rows));
    }

    private static PriceCatalog LoadEmbedded()
    {
        var assembly = typeof(PriceCatalog).Assembly;
        using var prices = new StreamReader(assembly.GetManifestResourceStream(PricesResource)
            ?? throw new InvalidOperationException($"Embedded resource {PricesResource} is missing."));
        using var ec2 = new StreamReader(assembly.GetManifestResourceStream(Ec2Resource)
            ?? throw new InvalidOperationException($"Embedded resource {Ec2Resource} is missing."));
        return Load(prices, ec2);
    }

    private static void ReadPrices(TextReader reader, List<(PriceKey, string, Price?, string)> rows)
    {
        var lineNumber = 0;
        foreach (var f in PriceCsv.ReadRows(reader))
        {
            lineNumber++;
            if (lineNumber == 1)
            {
                if (f.Length < 8 || f[0] != "service" || f[4] != "usd")
                {
                    throw new FormatException("prices.csv must start with the header service,resource_type,dimension,unit,usd,region,source_url,notes.");
                }

                continue;
            }

            if (f.Length != 8)
            {
                throw new FormatException($"prices.csv line {lineNumber}: expected 8 fields, found {f.Length}.");
            }

            var key = new PriceKey(f[0], f[1], f[2]);
            var region = f[5];
            var notes = f[7];
            if (f[4].Length == 0)
            {
                // A row without a figure is a statement about the region (e.g. no us-west-2 source); keep its notes only.
                rows.Add((key, region, null, notes));
                continue;
            }

            var usd = decimal.Parse(f[4], NumberStyles.Number, CultureInfo.InvariantCulture);
            var basis = notes.Contains("UNVERIFIED", StringComparison.OrdinalIgnoreCase) ? PriceBasis.Unverified : PriceBasis.Sourced;
            rows.Add((key, region, new Price(key, usd, f[3], region, f[6], notes, basis), notes));
        }
    }

    private static void ReadEc2(TextReader reader, List<(PriceKey, string, Price?, string)> rows)
    {
        var lineNumber = 0;
        foreach (var f in PriceCsv.ReadRows(reader))
        {
            lineNumber++;
            if (lineNumber == 1)
            {
                continue;
            }

            if (f.Length != 2 || f[1].Length == 0)
            {
                throw new FormatException($"EC2 price file line {lineNumber}: expected instance_type,usd_per_hour.");
            }

            var key = new PriceKey(Ec2Service, f[0], Ec2OnDemandDimension);
            var usd = decimal.Parse(f[1], NumberStyles.Number, CultureInfo.InvariantCulture);
            rows.Add((key, UsEast1, new Price(key, usd, "hour", UsEast1, Ec2FileSource, Ec2FileNotes, PriceBasis.Sourced), Ec2FileNotes));
        }
    }

    private static FrozenDictionary<(string, PriceKey), Price> Resolve(List<(PriceKey Key, string Region, Price? Price, string Notes)> rows)
    {
        var regional = new Dictionary<(string, PriceKey), Price>();
        var everywhere = new Dictionary<PriceKey, Price>();
        var statements = new Dictionary<(string Service, string Region), string>();
        foreach (var (key, region, price, notes) in rows)
        {
            if (price is null)
            {
                statements[(key.Service, region)] = notes;
            }
            else if (IsSupportedRegion(region))
            {
                // prices.csv comes first, so its annotated rows win over the bare EC2 instance list.
                regional.TryAdd((region, key), price);
            }
            else
            {
                everywhere.TryAdd(key, price);
            }
        }

        var resolved = new Dictionary<(string, PriceKey), Price>(regional);
        var keys = regional.Keys.Select(k => k.Item2).Concat(everywhere.Keys).Distinct().ToList();
        foreach (var region in SupportedRegions)
        {
            foreach (var key in keys)
            {
                if (resolved.ContainsKey((region, key)))
                {
                    continue;
                }

                if (everywhere.TryGetValue(key, out var global))
                {
                    resolved[(region, key)] = global;
                }
                else if (regional.TryGetValue((UsEast1, key), out var east))
                {
                    var statement = statements.TryGetValue((key.Service, region), out var s) ? $" Catalog note for {region}: {s}." : "";
                    resolved[(region, key)] = east with
                    {
                        Region = region,
                        Basis = PriceBasis.Assumed,
                        Notes = $"{AssumedFromUsEast1}: the catalog has no {region} price.{statement} us-east-1 source notes: {east.Notes}",
                    };
                }
            }
        }

        return resolved.ToFrozenDictionary();
    }
}
