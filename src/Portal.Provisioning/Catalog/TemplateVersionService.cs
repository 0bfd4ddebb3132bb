using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Provisioning.Catalog;

/// <summary>Whether an environment runs the template the catalog offers, and if not, what the offered version changes.</summary>
public sealed class TemplateVersionService(IDbContextFactory<PortalDbContext> contextFactory, CatalogProvider catalog, TemplateVersionArchive archive)
{
    /// <summary>
    /// The upgrade on offer for the environment (null when it runs the offered content, its template left the catalog, or
    /// the environment does not exist). The caller has checked that the user may see the environment.
    /// </summary>
    public async Task<UpgradeNotice?> ForEnvironmentAsync(Guid environmentId, CancellationToken cancellationToken)
    {
        string slug, version;
        string? hash;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            var row = await db.Environments.AsNoTracking().Where(e => e.Id == environmentId)
                .Select(e => new { e.TemplateSlug, e.TemplateVersion, e.TemplateContentHash, e.Status })
                .SingleOrDefaultAsync(cancellationToken);
            if (row is null || row.Status == Data.Entities.Lifecycle.EnvironmentStatus.Destroyed)
            {
                return null;
            }

            (slug, version, hash) = (row.TemplateSlug, row.TemplateVersion, row.TemplateContentHash);
        }

        var entry = catalog.Current.Find(slug);
        if (entry is null || entry.ContentHash == hash || (hash is null && entry.Version == version))
        {
            return null;
        }

        var old = await archive.TemplateAsync(slug, version, hash, cancellationToken);
        var diff = old is null ? null : TemplateDiff.Compare(version, old, entry.Version, entry.Template);
        return new UpgradeNotice(slug, version, hash?[..12], entry.Version, entry.ShortHash, diff);
    }
}

/// <summary>A newer template than the environment runs; <see cref="Diff"/> is null when the running version's content is not stored.</summary>
public sealed record UpgradeNotice(string Template, string CurrentVersion, string? CurrentShortHash, string AvailableVersion, string AvailableShortHash, TemplateDiff? Diff);
