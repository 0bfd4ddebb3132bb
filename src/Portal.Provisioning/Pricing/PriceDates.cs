using System.Text.RegularExpressions;

namespace Portal.Provisioning.Pricing;

/// <summary>When a price was true: the first date its notes give (2026-07-20, or "June 2026"), else when the price files were copied.</summary>
public static partial class PriceDates
{
    /// <summary>The price files were copied from the platform's shared reference data on this day (Data/SOURCE.md).</summary>
    public const string CopiedOn = "2026-11-22";

    public static string AsOf(string notes)
    {
        var match = DatePattern().Match(notes ?? "");
        return match.Success ? match.Value : $"undated (price files copied {CopiedOn})";
    }

    [GeneratedRegex(@"\b\d{4}-\d{2}-\d{2}\b|\b(January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b|\b(January|February|March|April|May|June|July|August|September|October|November|December)-(January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b", RegexOptions.CultureInvariant)]
    private static partial Regex DatePattern();
}
