using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Web.Features.Drift;

/// <summary>The fleet's drift for platform engineers: drifted and out-of-band environments, by team and by template.</summary>
public sealed class DriftFleetQueries(IDbContextFactory<PortalDbContext> contextFactory)
{
    public const int DefaultPageSize = 25;
    public const int MaxPageSize = 200;

    /// <summary>The fleet's figures and groups, and one page of its drifted or out-of-band environments (team, template, name order).</summary>
    public async Task<DriftFleet> GetAsync(FleetPaging paging, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var live = db.Environments.Where(e => e.Status != EnvironmentStatus.Destroyed);
        var checkedCount = await db.EnvironmentDrifts.Where(d => d.CheckedAt != null).Join(live, d => d.EnvironmentId, e => e.Id, (d, _) => d).CountAsync(cancellationToken);
        var rows = await live
            .GroupJoin(db.EnvironmentDrifts, e => e.Id, d => d.EnvironmentId, (e, drifts) => new { e, drifts })
            .SelectMany(x => x.drifts.DefaultIfEmpty(), (x, d) => new { x.e, d })
            .Where(x => (x.d != null && x.d.Status == EnvironmentDrift.Drifted) || x.e.OutOfBand != null)
            .Join(db.Teams, x => x.e.TeamId, t => t.Id, (x, t) => new DriftFleetRow(
                x.e.Id,
                x.e.Name,
                t.Slug,
                x.e.TemplateSlug,
                x.e.Tier,
                x.e.Status,
                x.d == null ? EnvironmentDrift.NotChecked : x.d.Status,
                x.d == null ? 0 : x.d.DriftedResourceCount,
                x.d == null ? null : x.d.CheckedAt,
                x.e.OutOfBand))
            .ToListAsync(cancellationToken);
        rows = [.. rows.OrderBy(r => r.Team, StringComparer.Ordinal).ThenBy(r => r.Template, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)];
        return new DriftFleet(
            await live.CountAsync(cancellationToken),
            checkedCount,
            rows.Count(r => r.DriftStatus == EnvironmentDrift.Drifted),
            rows.Count(r => r.OutOfBand is not null),
            [.. rows.GroupBy(r => r.Team).Select(g => new DriftGroup(g.Key, g.Count(r => r.DriftStatus == EnvironmentDrift.Drifted), g.Count(r => r.OutOfBand is not null))).OrderBy(g => g.Key, StringComparer.Ordinal)],
            [.. rows.GroupBy(r => r.Template).Select(g => new DriftGroup(g.Key, g.Count(r => r.DriftStatus == EnvironmentDrift.Drifted), g.Count(r => r.OutOfBand is not null))).OrderBy(g => g.Key, StringComparer.Ordinal)],
            [.. rows.Skip(paging.Skip).Take(paging.PageSize)],
            rows.Count,
            paging.Page,
            paging.PageSize);
    }
}

/// <summary>
/// Live environments, how many were checked, how many drifted or changed outside the portal, by team and by template, and one
/// page of the rows (<see cref="EnvironmentCount"/> rows in all, <see cref="PageSize"/> a page).
/// </summary>
public sealed record DriftFleet(
    int LiveEnvironments, int Checked, int Drifted, int OutOfBand, IReadOnlyList<DriftGroup> ByTeam, IReadOnlyList<DriftGroup> ByTemplate, IReadOnlyList<DriftFleetRow> Environments,
    int EnvironmentCount, int Page, int PageSize);

public sealed record DriftGroup(string Key, int Drifted, int OutOfBand);

public sealed record DriftFleetRow(
    Guid Id, string Name, string Team, string Template, EnvironmentTier Tier, EnvironmentStatus Status, string DriftStatus, int DriftedResources, DateTimeOffset? CheckedAt, OutOfBandChange? OutOfBand);
