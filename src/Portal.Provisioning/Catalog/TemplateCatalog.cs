using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Catalog;

/// <summary>The catalog as loaded from one directory: templates offered to requesters and templates rejected, with reasons.</summary>
public sealed record TemplateCatalog(
    string Directory,
    IReadOnlyList<CatalogEntry> Offered,
    IReadOnlyList<RejectedTemplate> Rejected,
    DateTimeOffset LoadedAt)
{
    public CatalogEntry? Find(string slug) => Offered.FirstOrDefault(e => e.Slug == slug);
}

/// <summary>
/// A template the portal offers. <see cref="ContentHash"/> is the SHA-256 (lower-case hex) of template.yaml's bytes
/// followed by portal.yaml's; <see cref="ShortHash"/> is its first 12 characters, for display.
/// </summary>
public sealed record CatalogEntry(
    string Slug,
    TemplateManifest Manifest,
    CfnTemplate Template,
    string TemplateBody,
    string ContentHash,
    IReadOnlyList<TemplateError> Warnings)
{
    public string Version => Manifest.Version;

    public string ShortHash => ContentHash[..12];

    /// <summary>
    /// The parameter values for a request: the tier's presets, then the portal's own values (keyed by the manifest's
    /// source names, e.g. <c>environment-name</c>), then the requester's values for <c>userParameters</c> only, all
    /// checked against the template's constraints. Parameters left out take their template default.
    /// </summary>
    public ParameterSet BuildParameters(string tier, IReadOnlyDictionary<string, string> portalValues, IReadOnlyDictionary<string, string> userValues)
    {
        ArgumentNullException.ThrowIfNull(portalValues);
        ArgumentNullException.ThrowIfNull(userValues);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var errors = new List<ParameterError>();
        if (!Manifest.Tiers.TryGetValue(tier, out var preset))
        {
            errors.Add(new ParameterError("tier", $"'{Slug}' is not offered in tier '{tier}' (tiers: {string.Join(", ", Manifest.Tiers.Keys)})."));
            return new ParameterSet(values, errors);
        }

        foreach (var (name, value) in preset.Parameters)
        {
            values[name] = value ?? "";
        }

        foreach (var (name, source) in Manifest.PortalParameters)
        {
            if (portalValues.TryGetValue(source, out var value))
            {
                values[name] = value;
            }
            else
            {
                errors.Add(new ParameterError(name, $"The portal did not supply '{source}' for {name}."));
            }
        }

        foreach (var (name, value) in userValues)
        {
            if (Manifest.UserParameters.Contains(name))
            {
                values[name] = value;
            }
            else
            {
                errors.Add(new ParameterError(name, $"{name} cannot be set by the requester."));
            }
        }

        errors.AddRange(ParameterValidator.Validate(Template, values).Where(e => errors.All(x => x.Parameter != e.Parameter)));
        return new ParameterSet(values, errors);
    }
}

/// <summary>Parameter values for CreateStack and any problems with them (none when <see cref="IsValid"/>).</summary>
public sealed record ParameterSet(IReadOnlyDictionary<string, string> Values, IReadOnlyList<ParameterError> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>A template folder that is not offered, and every reason found.</summary>
public sealed record RejectedTemplate(string Slug, IReadOnlyList<CatalogProblem> Problems);

/// <summary>One reason a template is rejected: the file (template.yaml or portal.yaml), where in it, a code and a message.</summary>
public sealed record CatalogProblem(string File, string Path, string Code, string Message)
{
    public override string ToString() => $"{File} {Path}: [{Code}] {Message}";
}

/// <summary>The codes of manifest and folder problems (template problems keep <see cref="TemplateErrorCodes"/>).</summary>
public static class CatalogProblemCodes
{
    public const string MissingFile = "MissingFile";
    public const string TemplateSyntax = "TemplateSyntax";
    public const string ManifestSyntax = "ManifestSyntax";
    public const string MissingField = "MissingField";
    public const string SlugMismatch = "SlugMismatch";
    public const string InvalidSlug = "InvalidSlug";
    public const string InvalidVersion = "InvalidVersion";
    public const string UnknownCategory = "UnknownCategory";
    public const string UnknownCapability = "UnknownCapability";
    public const string MissingCapability = "MissingCapability";
    public const string UnknownTier = "UnknownTier";
    public const string NoTiers = "NoTiers";
    public const string UnknownParameter = "UnknownParameter";
    public const string InvalidPreset = "InvalidPreset";
    public const string ParameterListedTwice = "ParameterListedTwice";
    public const string ParameterWithoutValue = "ParameterWithoutValue";
    public const string InvalidTtl = "InvalidTtl";
    public const string UnknownUsageKey = "UnknownUsageKey";
    public const string InvalidUsage = "InvalidUsage";
    public const string VpcCidrNotWired = "VpcCidrNotWired";
    public const string TierDoesNotResolve = "TierDoesNotResolve";
    public const string LoaderFailure = "LoaderFailure";
    public const string TemplateTooLarge = "TemplateTooLarge";
}
