using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Portal.Provisioning.Pricing.Pricers;

// Per-estimate state the pricers share: prices for the region, usage, the other resources, and assumptions made.
internal sealed class PricingContext
{
    public const decimal HoursPerMonth = 730m;

    private readonly PriceCatalog _catalog;
    private readonly IReadOnlyDictionary<string, decimal> _usage;
    private readonly Dictionary<string, EstimateResource> _byLogicalId;
    private readonly Dictionary<string, int> _countByType;
    private readonly List<string> _assumptions = [];
    private readonly HashSet<string> _assumptionSet = new(StringComparer.Ordinal);

    public PricingContext(PriceCatalog catalog, EstimateInput input)
    {
        _catalog = catalog;
        _usage = input.Usage;
        Region = input.Region;
        Purchase = input.Purchase ?? TierPurchaseOptions.OnDemand;
        _byLogicalId = new Dictionary<string, EstimateResource>(input.Resources.Count, StringComparer.Ordinal);
        _countByType = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var resource in input.Resources)
        {
            if (!_byLogicalId.TryAdd(resource.LogicalId, resource))
            {
                throw new ArgumentException($"Resource logical id '{resource.LogicalId}' appears more than once.", nameof(input));
            }

            _countByType[resource.ResourceType] = _countByType.GetValueOrDefault(resource.ResourceType) + 1;
        }
    }

    public string Region { get; }

    public TierPurchaseOptions Purchase { get; }

    public IReadOnlyList<string> Assumptions => _assumptions;

    public bool TryPrice(PriceKey key, [NotNullWhen(true)] out Price? price) => _catalog.TryGet(Region, key, out price);

    public decimal Usage(string key) => _usage.TryGetValue(key, out var value) ? value : 0m;

    public int Count(string resourceType) => _countByType.GetValueOrDefault(resourceType);

    public IEnumerable<EstimateResource> OfType(string resourceType) =>
        Count(resourceType) == 0 ? [] : _byLogicalId.Values.Where(r => string.Equals(r.ResourceType, resourceType, StringComparison.Ordinal));

    // The stack-wide usage for key split evenly over the stack's resources of resourceType.
    public decimal Share(string key, string resourceType, string unit)
    {
        var total = Usage(key);
        var count = Count(resourceType);
        if (total == 0 || count == 0)
        {
            return 0;
        }

        var share = total / count;
        if (count > 1)
        {
            Assume($"{key} ({Format(total)} {unit}) is split evenly over the stack's {count} {resourceType} resources: {Format(share)} {unit} each.");
        }

        return share;
    }

    public void Assume(string assumption)
    {
        if (_assumptionSet.Add(assumption))
        {
            _assumptions.Add(assumption);
        }
    }

    // Follows a Ref/Fn::GetAtt to a resource of resourceType in this stack.
    public bool TryFollow(JsonNode? reference, string resourceType, [NotNullWhen(true)] out EstimateResource? target)
    {
        target = null;
        var id = PropertyReader.ReferencedLogicalId(reference);
        return id is not null
            && _byLogicalId.TryGetValue(id, out target)
            && string.Equals(target.ResourceType, resourceType, StringComparison.Ordinal);
    }

    // Finds a resource of resourceType by reference, or by a literal value of its nameProperty.
    public bool TryFind(JsonNode? reference, string resourceType, string nameProperty, [NotNullWhen(true)] out EstimateResource? target)
    {
        if (TryFollow(reference, resourceType, out target))
        {
            return true;
        }

        if (PropertyReader.TryGetString(reference, out var name))
        {
            foreach (var candidate in _byLogicalId.Values)
            {
                if (string.Equals(candidate.ResourceType, resourceType, StringComparison.Ordinal)
                    && string.Equals(PropertyReader.GetString(candidate.Properties, nameProperty), name, StringComparison.Ordinal))
                {
                    target = candidate;
                    return true;
                }
            }
        }

        target = null;
        return false;
    }

    public static string Format(decimal value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    public static string Hours => $"{Format(HoursPerMonth)} h";
}
