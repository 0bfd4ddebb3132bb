namespace Portal.Provisioning.Pricing;

/// <summary>
/// A monthly estimate: <see cref="MonthlyUsd"/> (expected: every scaling resource at the size it starts at) is the sum of the line
/// items, each rounded to cents; <see cref="MonthlyMaxUsd"/> is the sum of the line items at their maximum size.
/// </summary>
public sealed record CostEstimate(
    decimal MonthlyUsd,
    IReadOnlyList<CostLineItem> LineItems,
    IReadOnlyList<UnpricedResource> Unpriced,
    IReadOnlyList<string> Assumptions,
    decimal MonthlyMaxUsd)
{
    /// <summary>True when some resource can scale beyond the size it starts at.</summary>
    public bool HasRange => MonthlyMaxUsd != MonthlyUsd;
}

/// <summary>
/// One resource's monthly cost (rounded to cents) and the components it is made of; for a resource that scales,
/// <see cref="MonthlyMaxUsd"/> and <see cref="MaxComponents"/> price it at its maximum (otherwise the max equals the expected figure and
/// <see cref="MaxComponents"/> is null).
/// </summary>
public sealed record CostLineItem(
    string LogicalId,
    string ResourceType,
    string Description,
    decimal MonthlyUsd,
    IReadOnlyList<PriceComponent> Components,
    decimal MonthlyMaxUsd,
    IReadOnlyList<PriceComponent>? MaxComponents = null);

/// <summary>Quantity × unit price, with the price's source and basis. <see cref="MonthlyUsd"/> is not rounded.</summary>
/// <param name="Name">What is billed, e.g. "Fargate vCPU".</param>
/// <param name="Quantity">Monthly quantity in <paramref name="Unit"/>.</param>
/// <param name="Unit">The price's billing unit.</param>
/// <param name="UnitUsd">US dollars per unit (negative for a discount).</param>
/// <param name="MonthlyUsd"><paramref name="Quantity"/> × <paramref name="UnitUsd"/>.</param>
/// <param name="Basis">Sourced, Unverified or Assumed.</param>
/// <param name="Source">The price's source URL.</param>
/// <param name="Notes">The price's notes (date, UNVERIFIED flag, how an assumed figure was derived).</param>
public sealed record PriceComponent(
    string Name,
    decimal Quantity,
    string Unit,
    decimal UnitUsd,
    decimal MonthlyUsd,
    PriceBasis Basis,
    string Source,
    string Notes)
{
    /// <summary>The date the price's source gives (from <see cref="Notes"/>), or "undated (price files copied …)".</summary>
    public string AsOf => PriceDates.AsOf(Notes);

    internal static PriceComponent Of(string name, decimal quantity, Price price) =>
        new(name, Normalize(quantity), price.Unit, price.Usd, Normalize(quantity * price.Usd), price.Basis, price.Source, price.Notes);

    internal static PriceComponent Assumed(string name, decimal quantity, string unit, decimal unitUsd, string source, string notes) =>
        new(name, Normalize(quantity), unit, unitUsd, Normalize(quantity * unitUsd), PriceBasis.Assumed, source, notes);

    // Drops trailing zeros (730.0 → 730) so serialised quantities read as written; the value is unchanged.
    private static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;
}

/// <summary>A resource the estimator could not price, and why; it is never counted as $0.</summary>
public sealed record UnpricedResource(string LogicalId, string ResourceType, string Reason);
