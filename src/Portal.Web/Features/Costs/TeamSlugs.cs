using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Web.Features.Costs;

/// <summary>
/// Every team's slug by id and id by slug, kept in memory by the cost queries (issue 18: a statement per call for a lookup
/// that never changes). A team's slug is fixed when it is created and teams are not deleted, so a cached pair is never
/// wrong; a team created since (an id or slug not in the cache) reloads the map once, and the answer comes from the reload.
/// </summary>
internal sealed class TeamSlugs(IDbContextFactory<PortalDbContext> contextFactory)
{
    private volatile Map? _map;

    /// <summary>Slugs by id, with every one of <paramref name="ids"/> that exists.</summary>
    public async ValueTask<IReadOnlyDictionary<Guid, string>> SlugsAsync(IEnumerable<Guid> ids, CancellationToken cancellationToken)
    {
        var map = _map;
        if (map is not null && ids.All(map.Slugs.ContainsKey))
        {
            return map.Slugs;
        }

        return (await ReloadAsync(cancellationToken)).Slugs;
    }

    /// <summary>Ids by slug, with <paramref name="slugs"/> if they exist.</summary>
    public async ValueTask<IReadOnlyDictionary<string, Guid>> IdsAsync(IEnumerable<string> slugs, CancellationToken cancellationToken)
    {
        var map = _map;
        if (map is not null && slugs.All(map.Ids.ContainsKey))
        {
            return map.Ids;
        }

        return (await ReloadAsync(cancellationToken)).Ids;
    }

    private async Task<Map> ReloadAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var teams = await db.Teams.AsNoTracking().Select(t => new { t.Id, t.Slug }).ToListAsync(cancellationToken);
        var map = new Map(teams.ToDictionary(t => t.Id, t => t.Slug), teams.ToDictionary(t => t.Slug, t => t.Id, StringComparer.Ordinal));
        _map = map;
        return map;
    }

    private sealed record Map(IReadOnlyDictionary<Guid, string> Slugs, IReadOnlyDictionary<string, Guid> Ids);
}
