namespace Portal.Data.Entities.Campaigns;

/// <summary>
/// One version of a catalog template as the portal saw it (template body and manifest), kept when the catalog is reloaded so
/// older versions stay readable and an environment's running version can be compared with the offered one.
/// Unique per template and content hash.
/// </summary>
public sealed class TemplateVersionRecord
{
    public Guid Id { get; private set; }

    public string TemplateSlug { get; private set; } = "";

    public string Version { get; private set; } = "";

    /// <summary>SHA-256 (lower-case hex) of template.yaml then portal.yaml, as the catalog computes it.</summary>
    public string ContentHash { get; private set; } = "";

    public string TemplateBody { get; private set; } = "";

    /// <summary>The manifest (portal.yaml) as JSON.</summary>
    public string ManifestJson { get; private set; } = "{}";

    /// <summary>When a catalog load first offered this content.</summary>
    public DateTimeOffset FirstSeenAt { get; private set; }

    private TemplateVersionRecord()
    {
    }

    public static TemplateVersionRecord Create(string templateSlug, string version, string contentHash, string templateBody, string manifestJson, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(templateSlug))
        {
            errors[nameof(TemplateSlug)] = "A template slug is required.";
        }

        if (string.IsNullOrWhiteSpace(version))
        {
            errors[nameof(Version)] = "A version is required.";
        }

        if (contentHash is not { Length: 64 })
        {
            errors[nameof(ContentHash)] = "A content hash is 64 hexadecimal characters.";
        }

        if (errors.Count > 0)
        {
            throw new DomainValidationException(errors);
        }

        return new TemplateVersionRecord
        {
            Id = Guid.CreateVersion7(now),
            TemplateSlug = templateSlug,
            Version = version,
            ContentHash = contentHash,
            TemplateBody = templateBody ?? "",
            ManifestJson = manifestJson ?? "{}",
            FirstSeenAt = now,
        };
    }
}
