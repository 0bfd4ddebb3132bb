using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Data;
using Portal.Data.Entities.Campaigns;
using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Catalog;

/// <summary>Told of every catalog load, after it is swapped in.</summary>
public interface ICatalogLoadObserver
{
    Task CatalogLoadedAsync(TemplateCatalog catalog, CancellationToken cancellationToken);
}

/// <summary>
/// Keeps every template version the catalog has offered (<c>TemplateVersions</c>: content, hash, version, first seen), so
/// an older version stays readable after a reload, and fills in the content hash of environments that do not know it yet
/// (those created before hashes were recorded) from the version they were created with.
/// </summary>
public sealed partial class TemplateVersionArchive(
    IDbContextFactory<PortalDbContext> contextFactory, TimeProvider timeProvider, ILogger<TemplateVersionArchive> logger) : ICatalogLoadObserver
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task CatalogLoadedAsync(TemplateCatalog catalog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        try
        {
            var added = await RecordAsync(catalog, cancellationToken);
            if (added > 0)
            {
                LogRecorded(added);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The catalog works without its archive (e.g. before migrations ran); the next load records it.
            LogFailed(e);
        }
    }

    /// <summary>Stores the catalog's versions not stored yet and back-fills environments' hashes; returns how many versions were new.</summary>
    public async Task<int> RecordAsync(TemplateCatalog catalog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        var slugs = catalog.Offered.Select(e => e.Slug).ToList();
        var known = (await db.TemplateVersions.AsNoTracking().Where(v => slugs.Contains(v.TemplateSlug)).Select(v => new { v.TemplateSlug, v.ContentHash }).ToListAsync(cancellationToken))
            .Select(v => (v.TemplateSlug, v.ContentHash)).ToHashSet();
        var added = 0;
        foreach (var entry in catalog.Offered.Where(e => !known.Contains((e.Slug, e.ContentHash))))
        {
            db.TemplateVersions.Add(TemplateVersionRecord.Create(entry.Slug, entry.Version, entry.ContentHash, entry.TemplateBody, JsonSerializer.Serialize(entry.Manifest, Json), now));
            added++;
        }

        if (added > 0)
        {
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another node recorded the same content at the same moment (unique per template and hash): nothing is lost.
                db.ChangeTracker.Clear();
                added = 0;
            }
        }

        // Environments created before hashes were recorded run the content of their version; the catalog's is the best record of it.
        foreach (var entry in catalog.Offered)
        {
            await db.Environments
                .Where(e => e.TemplateSlug == entry.Slug && e.TemplateVersion == entry.Version && e.TemplateContentHash == null)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.TemplateContentHash, entry.ContentHash), cancellationToken);
        }

        return added;
    }

    /// <summary>Every stored version of a template, newest first.</summary>
    public async Task<IReadOnlyList<StoredTemplateVersion>> VersionsAsync(string slug, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var rows = await db.TemplateVersions.AsNoTracking().Where(v => v.TemplateSlug == slug).ToListAsync(cancellationToken);
        return [.. rows.OrderByDescending(v => v.FirstSeenAt).Select(v => new StoredTemplateVersion(v.TemplateSlug, v.Version, v.ContentHash, v.FirstSeenAt))];
    }

    /// <summary>The parsed template an environment runs: by its content hash, else the newest stored content of its version; null when unknown.</summary>
    public async Task<CfnTemplate?> TemplateAsync(string slug, string version, string? contentHash, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var rows = db.TemplateVersions.AsNoTracking().Where(v => v.TemplateSlug == slug);
        var body = contentHash is null ? null : await rows.Where(v => v.ContentHash == contentHash).Select(v => v.TemplateBody).FirstOrDefaultAsync(cancellationToken);
        if (body is null)
        {
            var candidates = await rows.Where(v => v.Version == version).Select(v => new { v.TemplateBody, v.FirstSeenAt }).ToListAsync(cancellationToken);
            body = candidates.OrderByDescending(v => v.FirstSeenAt).Select(v => v.TemplateBody).FirstOrDefault();
        }

        if (body is null)
        {
            return null;
        }

        try
        {
            return TemplateParser.Parse(body);
        }
        catch (TemplateParseException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Template versions: {Added} new version(s) of catalog templates recorded")]
    private partial void LogRecorded(int added);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Template versions could not be recorded after a catalog load; the next load tries again")]
    private partial void LogFailed(Exception exception);
}

/// <summary>A stored version of a template.</summary>
public sealed record StoredTemplateVersion(string Slug, string Version, string ContentHash, DateTimeOffset FirstSeenAt)
{
    public string ShortHash => ContentHash[..12];
}
