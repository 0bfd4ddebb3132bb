namespace Portal.Provisioning.Pricing;

/// <summary>Identifies a price row: the CSV's <c>service</c>, <c>resource_type</c> and <c>dimension</c>.</summary>
public readonly record struct PriceKey(string Service, string ResourceType, string Dimension)
{
    public override string ToString() => $"{Service} {ResourceType} ({Dimension})";
}

/// <summary>One list price in one region, with where it came from.</summary>
/// <param name="Key">The row it was read from.</param>
/// <param name="Usd">US dollars per <paramref name="Unit"/>.</param>
/// <param name="Unit">The billing unit, e.g. <c>hour</c>, <c>GB-month</c>, <c>vCPU-hour</c>.</param>
/// <param name="Region">The region the source gives (<c>all</c> or <c>global</c> when it applies everywhere).</param>
/// <param name="Source">The source URL.</param>
/// <param name="Notes">Date, caveats and, for Unverified or Assumed prices, why.</param>
/// <param name="Basis">Sourced, Unverified or Assumed.</param>
public sealed record Price(PriceKey Key, decimal Usd, string Unit, string Region, string Source, string Notes, PriceBasis Basis)
{
    /// <summary>The date the source gives, from <see cref="Notes"/> (see <see cref="PriceDates"/>).</summary>
    public string AsOf => PriceDates.AsOf(Notes);
}
