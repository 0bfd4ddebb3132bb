using System.Security.Cryptography;
using System.Text;
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
public sealed class CatalogLoader(TemplateValidator validator, TimeProvider time)
{
    public const string TemplateFile = "template.yaml";
    public const string ManifestFile = "portal.yaml";

    /// <summary>CloudFormation's limit on an inline TemplateBody (larger templates need an S3 TemplateURL).</summary>
    public const int MaxTemplateBodyBytes = 51_200;

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
        try
        {
            return Load(slug, templateBytes, manifestBytes);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // One template tripping a bug in the checks must not take the whole catalog (and the portal's startup) down.
            return (null, new RejectedTemplate(slug, [new CatalogProblem(TemplateFile, "", LoaderFailure, $"The catalog loader failed on this template: {ex.Message}")]));
        }
    }

    /// <summary>Checks one template from its two files' contents (the folder name is <paramref name="slug"/>).</summary>
    public (CatalogEntry? Entry, RejectedTemplate? Rejection) Load(string slug, byte[] templateBytes, byte[] manifestBytes)
    {
        ArgumentNullException.ThrowIfNull(templateBytes);
        ArgumentNullException.ThrowIfNull(manifestBytes);
        var problems = new List<CatalogProblem>();
        if (templateBytes.Length > MaxTemplateBodyBytes)
        {
            problems.Add(new CatalogProblem(TemplateFile, "", TemplateTooLarge,
                $"template.yaml is {templateBytes.Length:N0} bytes; CreateStack takes a TemplateBody of at most {MaxTemplateBodyBytes:N0}."));
        }

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
            ManifestRules.Check(slug, manifest, template, problems);
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
        OffHours = manifest.OffHours ?? [],
        Tiers = (manifest.Tiers ?? []).ToDictionary(
            t => t.Key,
            t => t.Value is null ? new TierManifest() : t.Value with { Parameters = t.Value.Parameters ?? [], Usage = t.Value.Usage ?? [] },
            StringComparer.Ordinal),
    };

    private static string Decode(byte[] bytes) => new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF');
}
