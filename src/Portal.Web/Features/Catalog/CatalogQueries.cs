using System.Runtime.CompilerServices;
using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Estimates;
using Portal.Web.Security;

namespace Portal.Web.Features.Catalog;

/// <summary>What the catalog pages and API read: the loaded catalog, cards with "from" prices, estimates, reloads.</summary>
public sealed class CatalogQueries(
    CatalogProvider catalog,
    EnvironmentEstimator estimator,
    IDbContextFactory<PortalDbContext> contextFactory,
    TimeProvider timeProvider)
{
    public const string DefaultRegion = "us-east-1";

    // Tier estimates depend only on the loaded catalog instance: computed once per load, dropped with it.
    private readonly ConditionalWeakTable<CatalogEntry, Dictionary<string, EstimateResult>> _tierEstimates = [];

    public TemplateCatalog Current => catalog.Current;

    public CatalogEntry? Find(string slug) => catalog.Current.Find(slug);

    public IReadOnlyList<CatalogCard> Cards() =>
        [.. Current.Offered.OrderBy(e => e.Manifest.Name, StringComparer.Ordinal).Select(e => new CatalogCard(
            e.Slug, e.Manifest.Name, e.Manifest.Description, e.Manifest.Category, e.Version, [.. OrderedTiers(e)],
            TierEstimates(e).Values.Select(r => r.Estimate?.MonthlyUsd).Where(v => v is not null).Min(),
            [.. OrderedTiers(e).Select(t => new TierPrice(t, TierEstimates(e)[t].Estimate?.MonthlyUsd, e.Manifest.Tiers[t].Availability?.Target))]))];

    /// <summary>Each tier priced with its presets and the template's defaults, in us-east-1 (stand-in ids where a VPC or subnets must be chosen).</summary>
    public IReadOnlyDictionary<string, EstimateResult> TierEstimates(CatalogEntry entry) =>
        _tierEstimates.GetValue(entry, e => OrderedTiers(e).ToDictionary(
            tier => tier,
            tier => estimator.Estimate(e, new EstimateRequest(tier, DefaultRegion, EnvironmentEstimator.PreviewUserValues(e)))));

    public EstimateResult Estimate(CatalogEntry entry, EstimateRequest request) => estimator.Estimate(entry, request);

    /// <summary>The Ready network-vpc environments the actor may place a request in (see <see cref="NetworkQueries"/>).</summary>
    public Task<IReadOnlyList<ReadyNetwork>> ReadyNetworksAsync(Provisioning.Lifecycle.LifecycleActor actor, CancellationToken cancellationToken) =>
        NetworkQueries.ReadyNetworksAsync(contextFactory, actor, cancellationToken);

    public static IEnumerable<string> OrderedTiers(CatalogEntry entry) =>
        new[] { "dev", "staging", "prod" }.Where(entry.Manifest.Tiers.ContainsKey);

    /// <summary>Reloads templates/ from disk (admins); the reload and its outcome are audited.</summary>
    public async Task<TemplateCatalog> ReloadAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!user.IsInRole(PortalRoles.Admin))
        {
            throw new UnauthorizedAccessException("Only admins reload the catalog.");
        }

        var loaded = await catalog.ReloadAsync(cancellationToken);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        db.Audit(timeProvider.GetUtcNow(), user.ToActor(), "catalog.reloaded", "catalog", "templates", new
        {
            offered = loaded.Offered.Select(e => new { e.Slug, e.Version, hash = e.ShortHash }),
            rejected = loaded.Rejected.Select(r => new { r.Slug, problems = r.Problems.Count }),
        });
        await db.SaveChangesAsync(cancellationToken);
        return loaded;
    }
}

public sealed record CatalogCard(
    string Slug, string Name, string Description, string Category, string Version, IReadOnlyList<string> Tiers, decimal? FromMonthlyUsd, IReadOnlyList<TierPrice> Prices);

/// <summary>A tier's monthly list-price estimate with its presets (null when it cannot be priced without values) and availability target.</summary>
public sealed record TierPrice(string Tier, decimal? MonthlyUsd, string? Availability);

/// <summary>Money as the older pages show it (cents below $1,000, whole dollars above); new pages use <see cref="Components.Shared.Format"/>.</summary>
public static class Money
{
    private static readonly System.Globalization.CultureInfo Usd = System.Globalization.CultureInfo.GetCultureInfo("en-US");

    public static string Format(decimal usd) => usd.ToString(usd >= 1000 ? "C0" : "C2", Usd);

    public static string Monthly(decimal usd) => Format(usd) + "/month";
}
