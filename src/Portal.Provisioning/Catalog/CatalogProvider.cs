using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Provisioning.Catalog;

/// <summary>
/// Holds the current <see cref="TemplateCatalog"/> (a singleton). Reads are lock-free; <see cref="ReloadAsync"/> loads a
/// new catalog and swaps it in whole, so readers see either the old or the new catalog, never a mix.
/// </summary>
public sealed partial class CatalogProvider(
    IOptions<CatalogOptions> options, CatalogLoader loader, ILogger<CatalogProvider> logger, IEnumerable<ICatalogLoadObserver>? observers = null) : IDisposable
{
    private readonly SemaphoreSlim _reload = new(1, 1);
    private TemplateCatalog? _current;

    /// <summary>The loaded catalog; loaded on first use when nothing has called <see cref="ReloadAsync"/> yet.</summary>
    public TemplateCatalog Current => Volatile.Read(ref _current) ?? LoadFirst();

    public async Task<TemplateCatalog> ReloadAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var catalog = await loader.LoadAsync(options.Value.Directory, cancellationToken).ConfigureAwait(false);
            foreach (var rejected in catalog.Rejected)
            {
                LogRejected(rejected.Slug, string.Join("; ", rejected.Problems));
            }

            LogLoaded(catalog.Offered.Count, catalog.Rejected.Count, catalog.Directory);
            Volatile.Write(ref _current, catalog);
            foreach (var observer in observers ?? [])
            {
                await observer.CatalogLoadedAsync(catalog, cancellationToken).ConfigureAwait(false);
            }

            return catalog;
        }
        finally
        {
            _reload.Release();
        }
    }

    public void Dispose() => _reload.Dispose();

    // Only reached before any reload; startup normally loads through CatalogWarmup.
    private TemplateCatalog LoadFirst() => Task.Run(() => ReloadAsync(CancellationToken.None)).GetAwaiter().GetResult();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Template {Slug} is not offered: {Problems}")]
    private partial void LogRejected(string slug, string problems);

    [LoggerMessage(Level = LogLevel.Information, Message = "Template catalog loaded: {Offered} offered, {Rejected} rejected, from {Directory}")]
    private partial void LogLoaded(int offered, int rejected, string directory);
}
