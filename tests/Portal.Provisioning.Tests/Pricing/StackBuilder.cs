using System.Text.Json.Nodes;
using Portal.Provisioning.Pricing;

namespace Portal.Provisioning.Tests.Pricing;

/// <summary>Builds an <see cref="EstimateInput"/> by hand, properties written as CloudFormation JSON.</summary>
internal sealed class StackBuilder(string region = "us-east-1")
{
    private readonly List<EstimateResource> _resources = [];
    private readonly Dictionary<string, decimal> _usage = new(StringComparer.Ordinal);

    public StackBuilder Add(string logicalId, string resourceType, string propertiesJson = "{}")
    {
        _resources.Add(new EstimateResource(logicalId, resourceType, JsonNode.Parse(propertiesJson)!.AsObject()));
        return this;
    }

    public StackBuilder Usage(string key, decimal value)
    {
        _usage[key] = value;
        return this;
    }

    public EstimateInput Build() => new(region, _resources, _usage);
}

internal static class EstimateAssertions
{
    public const decimal Hours = 730m;

    public static decimal Cents(decimal value) => Math.Round(value, 2, MidpointRounding.AwayFromZero);

    public static CostLineItem Line(this CostEstimate estimate, string logicalId) =>
        estimate.LineItems.SingleOrDefault(i => i.LogicalId == logicalId)
            ?? throw new ShouldAssertException($"No line item {logicalId}; unpriced: {string.Join("; ", estimate.Unpriced.Select(u => $"{u.LogicalId}: {u.Reason}"))}");

    public static UnpricedResource UnpricedItem(this CostEstimate estimate, string logicalId) =>
        estimate.Unpriced.SingleOrDefault(u => u.LogicalId == logicalId)
            ?? throw new ShouldAssertException($"{logicalId} is not unpriced");
}
