using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Portal.Provisioning.Templates;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;
using static Portal.Provisioning.Catalog.CatalogProblemCodes;

namespace Portal.Provisioning.Catalog;

/// <summary>
/// Loads <c>&lt;directory&gt;/&lt;slug&gt;/template.yaml</c> + <c>portal.yaml</c> folders, enforces the manifest rules of
/// docs/template-manifest.md and validates each template; a folder with any error is rejected, not offered.
/// </summary>
public sealed partial class CatalogLoader(TemplateValidator validator, TimeProvider time)
{
    public const string TemplateFile = "template.yaml";
    public const string ManifestFile = "portal.yaml";

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

    private static readonly IDeserializer ManifestReader = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    public async Task<TemplateCatalog> LoadAsync(string directory, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var root = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The template catalog directory '{root}' does not exist.");
        }

        var offered = new List<CatalogEntry>();
        var rejected = new List<RejectedTemplate>();
        foreach (var folder in System.IO.Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(folder).StartsWith('.'))
            {
                continue;
            }

            var result = await LoadTemplateAsync(folder, cancellationToken).ConfigureAwait(false);
            if (result.Entry is { } entry)
            {
                offered.Add(entry);
            }
            else
            {
                rejected.Add(result.Rejection!);
            }
        }

        return new TemplateCatalog(root, offered, rejected, time.GetUtcNow());
    }

    /// <summary>Loads one template folder; exactly one of the result's members is set.</summary>
    public async Task<(CatalogEntry? Entry, RejectedTemplate? Rejection)> LoadTemplateAsync(string folder, CancellationToken cancellationToken)
    {
        var slug = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        var templatePath = Path.Combine(folder, TemplateFile);
        var manifestPath = Path.Combine(folder, ManifestFile);
        var missing = new[] { templatePath, manifestPath }
            .Where(p => !File.Exists(p))
            .Select(p => new CatalogProblem(Path.GetFileName(p), "", MissingFile, $"{slug}/{Path.GetFileName(p)} does not exist."))
            .ToList();
        if (missing.Count > 0)
        {
            return (null, new RejectedTemplate(slug, missing));
        }

        var templateBytes = await File.ReadAllBytesAsync(templatePath, cancellationToken).ConfigureAwait(false);
        var manifestBytes = await File.ReadAllBytesAsync(manifestPath, cancellationToken).ConfigureAwait(false);
        return Load(slug, templateBytes, manifestBytes);
    }

    /// <summary>Checks one template from its two files' contents (the folder name is <paramref name="slug"/>).</summary>
    public (CatalogEntry? Entry, RejectedTemplate? Rejection) Load(string slug, byte[] templateBytes, byte[] manifestBytes)
    {
        ArgumentNullException.ThrowIfNull(templateBytes);
        ArgumentNullException.ThrowIfNull(manifestBytes);
        var problems = new List<CatalogProblem>();
        var templateBody = Decode(templateBytes);
        CfnTemplate? template = null;
        try
        {
            template = TemplateParser.Parse(templateBody);
        }
        catch (TemplateParseException ex)
        {
            problems.Add(new CatalogProblem(TemplateFile, $"line {ex.Line}, column {ex.Column}", TemplateSyntax, ex.Reason));
        }

        TemplateManifest? manifest = null;
        try
        {
            manifest = Normalize(ManifestReader.Deserialize<TemplateManifest?>(Decode(manifestBytes)));
            if (manifest is null)
            {
                problems.Add(new CatalogProblem(ManifestFile, "", ManifestSyntax, "portal.yaml is empty."));
            }
        }
        catch (YamlException ex)
        {
            problems.Add(new CatalogProblem(ManifestFile, $"line {ex.Start.Line}, column {ex.Start.Column}", ManifestSyntax, ex.InnerException?.Message ?? ex.Message));
        }

        var warnings = new List<TemplateError>();
        if (template is not null)
        {
            foreach (var error in validator.Validate(template))
            {
                if (error.IsWarning)
                {
                    warnings.Add(error);
                }
                else
                {
                    problems.Add(new CatalogProblem(TemplateFile, error.Path, error.Code, error.Message));
                }
            }
        }

        if (manifest is not null)
        {
            CheckManifest(slug, manifest, template, problems);
        }

        if (manifest is not null && template is not null && problems.Count == 0)
        {
            CheckTiersResolve(manifest, template, problems);
        }

        if (problems.Count > 0 || template is null || manifest is null)
        {
            return (null, new RejectedTemplate(slug, problems));
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData([.. templateBytes, .. manifestBytes]));
        return (new CatalogEntry(slug, manifest, template, templateBody, hash, warnings), null);
    }

    private static void CheckManifest(string slug, TemplateManifest manifest, CfnTemplate? template, List<CatalogProblem> problems)
    {
        void Problem(string path, string code, string message) => problems.Add(new CatalogProblem(ManifestFile, path, code, message));

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

    // Resolves every tier with its presets (and stand-ins for portal and user values) and validates the result, which
    // finds what only some tiers break: a FindInMap key a tier lacks, a Cidr that does not fit, a preset out of range.
    private void CheckTiersResolve(TemplateManifest manifest, CfnTemplate template, List<CatalogProblem> problems)
    {
        var found = new Dictionary<(string Path, string Code), (string Message, List<string> Tiers)>();
        foreach (var (tierName, tier) in manifest.Tiers)
        {
            var values = new Dictionary<string, string>(tier.Parameters.Select(p => KeyValuePair.Create(p.Key, p.Value ?? "")), StringComparer.Ordinal);
            foreach (var (name, source) in manifest.PortalParameters)
            {
                values[name] = source switch
                {
                    "environment-name" => "catalog-check",
                    "vpc-cidr" => "10.0.0.0/16",
                    "tier" => tierName,
                    _ => template.Parameters[name].Default ?? StandIn(template.Parameters[name]),
                };
            }

            foreach (var parameter in template.Parameters.Values.Where(p => p.Default is null && !values.ContainsKey(p.Name)))
            {
                values[parameter.Name] = StandIn(parameter);
            }

            IReadOnlyList<TemplateError> errors;
            try
            {
                errors = validator.ValidateResolved(TemplateResolver.Resolve(template, values, new StackContext("catalog-check")));
            }
            catch (TemplateResolveException ex)
            {
                errors = [new TemplateError("Resources", TierDoesNotResolve, ex.Message)];
            }

            foreach (var error in errors.Where(e => !e.IsWarning))
            {
                if (!found.TryGetValue((error.Path, error.Code), out var entry))
                {
                    entry = (error.Message, []);
                    found[(error.Path, error.Code)] = entry;
                }

                entry.Tiers.Add(tierName);
            }
        }

        foreach (var ((path, code), (message, tiers)) in found)
        {
            problems.Add(new CatalogProblem(TemplateFile, path, code, $"With the {string.Join(", ", tiers)} tier preset{(tiers.Count > 1 ? "s" : "")}: {message}"));
        }
    }

    // A value for a parameter the requester supplies, good enough to resolve the template.
    private static string StandIn(CfnParameter parameter) =>
        parameter.AllowedValues is { Count: > 0 } allowed ? allowed[0]
        : parameter.Type.IsNumber ? (parameter.MinValue ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture)
        : "catalog-check";

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

    // YAML keys left empty ("parameters:") deserialize as null; the rules below expect empty collections.
    private static TemplateManifest? Normalize(TemplateManifest? manifest) => manifest is null ? null : manifest with
    {
        Slug = manifest.Slug ?? "",
        Name = manifest.Name ?? "",
        Description = manifest.Description ?? "",
        Category = manifest.Category ?? "",
        Owner = manifest.Owner ?? "",
        Version = manifest.Version ?? "",
        Capabilities = manifest.Capabilities ?? [],
        UserParameters = manifest.UserParameters ?? [],
        PortalParameters = manifest.PortalParameters ?? [],
        Tiers = (manifest.Tiers ?? []).ToDictionary(
            t => t.Key,
            t => t.Value is null ? new TierManifest() : t.Value with { Parameters = t.Value.Parameters ?? [], Usage = t.Value.Usage ?? [] },
            StringComparer.Ordinal),
    };

    private static string Decode(byte[] bytes) => new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF');

    [GeneratedRegex("^[a-z][a-z0-9-]{1,40}$", RegexOptions.CultureInvariant)]
    private static partial Regex SlugPattern();

    [GeneratedRegex(@"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex SemVer();
}
