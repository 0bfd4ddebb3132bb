using System.Text.Json.Nodes;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// What a template holds once created: its VPCs, Elastic IPs and NAT gateways after conditions, each NAT gateway in the
/// Availability Zone of the subnet it is placed in (<c>SubnetId: !Ref PublicSubnet2</c> → that subnet's
/// <c>AvailabilityZone</c>, e.g. <c>!Select [1, !GetAZs '']</c> = us-east-1b). A zone the template does not say is unknown.
/// </summary>
public static class QuotaDemands
{
    public const string VpcType = "AWS::EC2::VPC";
    public const string EipType = "AWS::EC2::EIP";
    public const string NatGatewayType = "AWS::EC2::NatGateway";

    public static bool IsCounted(string resourceType) => resourceType is VpcType or EipType or NatGatewayType;

    /// <summary>What <paramref name="entry"/> would create with these values.</summary>
    public static QuotaDemand Of(CatalogEntry entry, string tier, string region, IReadOnlyDictionary<string, string> portalValues, IReadOnlyDictionary<string, string> userValues)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var parameters = entry.BuildParameters(tier, portalValues, userValues);
        return Of(entry.Template, parameters.Values, new StackContext($"quota-{tier}", region));
    }

    /// <summary>What <paramref name="template"/> creates with <paramref name="parameters"/> in <paramref name="stack"/>.</summary>
    public static QuotaDemand Of(CfnTemplate template, IReadOnlyDictionary<string, string> parameters, StackContext stack)
    {
        ArgumentNullException.ThrowIfNull(template);
        try
        {
            var resolved = TemplateResolver.Resolve(template, parameters, stack);
            var counted = resolved.Resources.Values.Where(r => IsCounted(r.Type)).ToList();
            return new QuotaDemand(
                1,
                counted.Count(r => r.Type == VpcType),
                counted.Count(r => r.Type == EipType),
                counted.Where(r => r.Type == NatGatewayType).GroupBy(r => ZoneOf(resolved, r.LogicalId), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
        }
        catch (TemplateResolveException)
        {
            // Values the estimate already refused: count every declared resource (the upper bound), zones unknown.
            var types = template.Resources.Values.Select(r => r.Type).ToList();
            return new QuotaDemand(1, types.Count(t => t == VpcType), types.Count(t => t == EipType), types.Count(t => t == NatGatewayType));
        }
    }

    /// <summary>The Availability Zone of resource <paramref name="logicalId"/> (a NAT gateway) through its subnet, or <see cref="QuotaDemand.UnknownZone"/>.</summary>
    public static string ZoneOf(ResolvedTemplate resolved, string logicalId)
    {
        ArgumentNullException.ThrowIfNull(resolved);
        if (resolved.Resources.TryGetValue(logicalId, out var resource)
            && resource.Properties["SubnetId"] is JsonObject { Count: 1 } reference
            && reference["Ref"] is JsonValue subnetRef && subnetRef.TryGetValue<string>(out var subnetId)
            && resolved.Resources.TryGetValue(subnetId, out var subnet)
            && subnet.Properties["AvailabilityZone"] is JsonValue zoneValue && zoneValue.TryGetValue<string>(out var zone) && zone.Length > 0)
        {
            return zone;
        }

        return QuotaDemand.UnknownZone;
    }
}
