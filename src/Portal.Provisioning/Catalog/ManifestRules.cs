using System.Text.RegularExpressions;
using Portal.Provisioning.Pricing;
using Portal.Provisioning.Templates;
using static Portal.Provisioning.Catalog.CatalogProblemCodes;

namespace Portal.Provisioning.Catalog;

/// <summary>The rules of docs/template-manifest.md that a <c>portal.yaml</c> must follow against its template.</summary>
internal static partial class ManifestRules
{
    private static readonly string[] Tiers = ["dev", "staging", "prod"];
    private static readonly string[] Categories = ["Compute", "Containers", "Database", "Web", "Network"];
    private static readonly string[] KnownCapabilities = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"];

    // IAM resource types and the property that gives each a custom name (which needs CAPABILITY_NAMED_IAM).
    private static readonly Dictionary<string, string?> IamTypes = new(StringComparer.Ordinal)
    {
        ["AWS::IAM::Role"] = "RoleName",
        ["AWS::IAM::ManagedPolicy"] = "ManagedPolicyName",
        ["AWS::IAM::InstanceProfile"] = "InstanceProfileName",
        ["AWS::IAM::User"] = "UserName",
        ["AWS::IAM::Group"] = "GroupName",
        ["AWS::IAM::Policy"] = null,
        ["AWS::IAM::AccessKey"] = null,
        ["AWS::IAM::UserToGroupAddition"] = null,
    };

    public static void Check(string slug, TemplateManifest manifest, CfnTemplate? template, List<CatalogProblem> problems)
    {
        void Problem(string path, string code, string message) => problems.Add(new CatalogProblem(CatalogLoader.ManifestFile, path, code, message));

        foreach (var (field, value) in new[] { ("slug", manifest.Slug), ("name", manifest.Name), ("version", manifest.Version), ("category", manifest.Category), ("owner", manifest.Owner), ("description", manifest.Description) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                Problem(field, MissingField, $"'{field}' is required.");
            }
        }

        if (manifest.Slug.Length > 0 && manifest.Slug != slug)
        {
            Problem("slug", SlugMismatch, $"slug '{manifest.Slug}' must equal the folder name '{slug}'.");
        }

        if (!SlugPattern().IsMatch(slug))
        {
            Problem("slug", InvalidSlug, $"'{slug}' must match ^[a-z][a-z0-9-]{{1,40}}$.");
        }

        if (manifest.Version.Length > 0 && !SemVer().IsMatch(manifest.Version))
        {
            Problem("version", InvalidVersion, $"'{manifest.Version}' is not a semantic version (e.g. 1.2.0).");
        }

        if (manifest.Category.Length > 0 && !Categories.Contains(manifest.Category))
        {
            Problem("category", UnknownCategory, $"'{manifest.Category}' is not one of {string.Join(", ", Categories)}.");
        }

        foreach (var capability in manifest.Capabilities.Where(c => !KnownCapabilities.Contains(c)))
        {
            Problem("capabilities", UnknownCapability, $"'{capability}' is not one of {string.Join(", ", KnownCapabilities)}.");
        }

        if (manifest.Tiers.Count == 0)
        {
            Problem("tiers", NoTiers, "At least one tier (dev, staging, prod) is required.");
        }

        foreach (var (tierName, tier) in manifest.Tiers)
        {
            var tierPath = $"tiers.{tierName}";
            if (!Tiers.Contains(tierName))
            {
                Problem(tierPath, UnknownTier, $"Tier '{tierName}' is not one of dev, staging, prod.");
            }

            if (tier.Ttl is { } ttl)
            {
                if (ttl.DefaultHours < 0 || ttl.MaxHours < 0)
                {
                    Problem($"{tierPath}.ttl", InvalidTtl, "TTL hours cannot be negative.");
                }
                else if (ttl.MaxHours > 0 && (ttl.DefaultHours > ttl.MaxHours || ttl.DefaultHours == 0))
                {
                    Problem($"{tierPath}.ttl", InvalidTtl, ttl.DefaultHours == 0
                        ? $"defaultHours 0 (no expiry) exceeds maxHours {ttl.MaxHours}."
                        : $"defaultHours {ttl.DefaultHours} exceeds maxHours {ttl.MaxHours}.");
                }
            }

            foreach (var (key, amount) in tier.Usage)
            {
                if (!UsageKeys.All.Contains(key))
                {
                    Problem($"{tierPath}.usage.{key}", UnknownUsageKey, $"'{key}' is not a usage key the estimator understands.");
                }
                else if (amount < 0)
                {
                    Problem($"{tierPath}.usage.{key}", InvalidUsage, "Usage cannot be negative.");
                }
            }
        }

        if (template is not null)
        {
            CheckParameters(manifest, template, Problem);
            CheckCapabilities(manifest, template, Problem);
        }
    }

    private static void CheckParameters(TemplateManifest manifest, CfnTemplate template, Action<string, string, string> problem)
    {
        foreach (var (tierName, tier) in manifest.Tiers)
        {
            foreach (var (name, value) in tier.Parameters)
            {
                var path = $"tiers.{tierName}.parameters.{name}";
                if (!template.Parameters.TryGetValue(name, out var parameter))
                {
                    problem(path, UnknownParameter, $"'{name}' is not a parameter of template.yaml.");
                }
                else if (ParameterValidator.CheckValue(parameter, value ?? "") is { } message)
                {
                    problem(path, InvalidPreset, message);
                }
            }
        }

        // Off-hours values replace tier presets while a dev environment is stopped: real parameters, valid values, not the user's or the portal's.
        foreach (var (name, value) in manifest.OffHours)
        {
            var path = $"offHours.{name}";
            if (!template.Parameters.TryGetValue(name, out var parameter))
            {
                problem(path, UnknownParameter, $"'{name}' is not a parameter of template.yaml.");
            }
            else if (manifest.UserParameters.Contains(name) || manifest.PortalParameters.ContainsKey(name))
            {
                problem(path, ParameterListedTwice, $"'{name}' is the user's or the portal's; off-hours may only change tier presets.");
            }
            else if (ParameterValidator.CheckValue(parameter, value ?? "") is { } message)
            {
                problem(path, InvalidPreset, message);
            }
        }

        foreach (var name in manifest.UserParameters.Where(p => !template.Parameters.ContainsKey(p)))
        {
            problem($"userParameters.{name}", UnknownParameter, $"'{name}' is not a parameter of template.yaml.");
        }

        foreach (var name in manifest.PortalParameters.Keys)
        {
            if (!template.Parameters.ContainsKey(name))
            {
                problem($"portalParameters.{name}", UnknownParameter, $"'{name}' is not a parameter of template.yaml.");
            }
            else if (manifest.UserParameters.Contains(name))
            {
                problem($"portalParameters.{name}", ParameterListedTwice, $"'{name}' cannot be both a user parameter and a portal parameter.");
            }
        }

        var vpcCidrWired = manifest.PortalParameters.ContainsKey("VpcCidr");
        if (manifest.NeedsVpcCidr && !vpcCidrWired)
        {
            problem("portalParameters", VpcCidrNotWired, "needsVpcCidr is true, so portalParameters must map VpcCidr (and the template declare it).");
        }
        else if (!manifest.NeedsVpcCidr && vpcCidrWired)
        {
            problem("portalParameters.VpcCidr", VpcCidrNotWired, "VpcCidr is filled by the portal only when needsVpcCidr is true.");
        }

        foreach (var parameter in template.Parameters.Values.Where(p => p.Default is null))
        {
            var covered = manifest.PortalParameters.ContainsKey(parameter.Name)
                || manifest.UserParameters.Contains(parameter.Name)
                || (manifest.Tiers.Count > 0 && manifest.Tiers.Values.All(t => t.Parameters.ContainsKey(parameter.Name)));
            if (!covered)
            {
                problem($"parameters.{parameter.Name}", ParameterWithoutValue,
                    $"Template parameter '{parameter.Name}' has no Default, so every tier must preset it or it must be in portalParameters or userParameters.");
            }
        }
    }

    private static void CheckCapabilities(TemplateManifest manifest, CfnTemplate template, Action<string, string, string> problem)
    {
        var iam = template.Resources.Values.Where(r => IamTypes.ContainsKey(r.Type)).ToList();
        var named = iam.FirstOrDefault(r => IamTypes[r.Type] is { } nameProperty && r.Properties?[nameProperty] is not null);
        if (named is not null && !manifest.Capabilities.Contains("CAPABILITY_NAMED_IAM"))
        {
            problem("capabilities", MissingCapability, $"{named.LogicalId} is an IAM resource with a custom name, so CreateStack needs CAPABILITY_NAMED_IAM.");
        }
        else if (iam.Count > 0 && !manifest.Capabilities.Contains("CAPABILITY_IAM") && !manifest.Capabilities.Contains("CAPABILITY_NAMED_IAM"))
        {
            problem("capabilities", MissingCapability, $"{iam[0].LogicalId} is an IAM resource, so CreateStack needs CAPABILITY_IAM.");
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{1,40}$", RegexOptions.CultureInvariant)]
    private static partial Regex SlugPattern();

    [GeneratedRegex(@"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex SemVer();
}
