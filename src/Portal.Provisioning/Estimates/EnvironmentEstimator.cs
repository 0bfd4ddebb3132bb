using Microsoft.Extensions.Options;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Pricing;
using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Estimates;

/// <summary>
/// Prices a catalog template for one tier, region and set of requester values: builds the parameters from the tier's
/// presets, resolves the template, and feeds its resources, the tier's usage assumptions and the tier's purchase options
/// (<see cref="PricingOptions"/>; without them, list on-demand prices) to the estimator.
/// </summary>
public sealed class EnvironmentEstimator(CostEstimator estimator, IOptions<PricingOptions>? pricing = null)
{
    /// <summary>Values the portal fills itself when it previews a request that has no environment yet.</summary>
    public static IReadOnlyDictionary<string, string> PreviewPortalValues(string tier) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["environment-name"] = "preview",
        ["vpc-cidr"] = "10.0.0.0/16",
        ["tier"] = tier,
    };

    /// <summary>
    /// Stand-in values for requester parameters that have no default and name existing AWS resources (VPC and subnet
    /// ids), so a catalog page can price a template before anyone has chosen where to put it.
    /// </summary>
    public static IReadOnlyDictionary<string, string> PreviewUserValues(CatalogEntry entry)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in entry.Manifest.UserParameters)
        {
            if (entry.Template.Parameters.TryGetValue(name, out var parameter) && parameter.Default is null && parameter.Type.IsAwsSpecific)
            {
                var one = PlaceholderId(parameter.Type.ItemType);
                values[name] = parameter.Type.IsList ? $"{one[..^1]}1,{one[..^1]}2" : one;
            }
        }

        return values;
    }

    private static string PlaceholderId(string awsType) => awsType switch
    {
        "AWS::EC2::VPC::Id" => "vpc-0123456789abcdef0",
        "AWS::EC2::Subnet::Id" => "subnet-0123456789abcdef0",
        "AWS::EC2::SecurityGroup::Id" => "sg-0123456789abcdef0",
        "AWS::EC2::KeyPair::KeyName" => "preview-key",
        "AWS::EC2::AvailabilityZone::Name" => "us-east-1a",
        _ => "preview0",
    };

    /// <summary>Validates the values and, when they are valid, prices the resolved template.</summary>
    public EstimateResult Estimate(CatalogEntry entry, EstimateRequest request, IReadOnlyDictionary<string, string>? portalValues = null)
    {
        var errors = new List<ParameterError>();
        if (!PriceCatalog.IsSupportedRegion(request.Region))
        {
            errors.Add(new ParameterError("region", $"Region must be one of {string.Join(", ", PriceCatalog.SupportedRegions)}."));
        }

        var parameters = entry.BuildParameters(request.Tier, portalValues ?? PreviewPortalValues(request.Tier), request.Parameters);
        errors.AddRange(parameters.Errors);
        if (errors.Count > 0)
        {
            return new EstimateResult(null, errors, parameters.Values);
        }

        var stackName = $"{portalValues?.GetValueOrDefault("environment-name") ?? "preview"}-{request.Tier}";
        ResolvedTemplate resolved;
        try
        {
            resolved = TemplateResolver.Resolve(entry.Template, parameters.Values, new StackContext(stackName, request.Region));
        }
        catch (TemplateResolveException ex)
        {
            return new EstimateResult(null, [new ParameterError("template", ex.Message)], parameters.Values);
        }

        var resources = resolved.Resources.Values.Select(r => new EstimateResource(r.LogicalId, r.Type, r.Properties)).ToList();
        var usage = entry.Manifest.Tiers[request.Tier].Usage;
        var purchase = pricing?.Value.For(request.Tier);
        var estimate = estimator.Estimate(new EstimateInput(request.Region, resources, usage, purchase));
        return new EstimateResult(estimate, [], parameters.Values);
    }
}

/// <summary>What to price: a tier, a region, and the requester's values for the template's user parameters.</summary>
public sealed record EstimateRequest(string Tier, string Region, IReadOnlyDictionary<string, string> Parameters);

/// <summary>The estimate, or the per-field errors that prevented it; <see cref="Parameters"/> are the values used.</summary>
public sealed record EstimateResult(CostEstimate? Estimate, IReadOnlyList<ParameterError> Errors, IReadOnlyDictionary<string, string> Parameters)
{
    public bool IsValid => Errors.Count == 0;
}
