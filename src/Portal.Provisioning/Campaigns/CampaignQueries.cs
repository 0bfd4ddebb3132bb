using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Campaigns;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Provisioning.Campaigns;

/// <summary>Campaigns as pages and the API show them: the list, one campaign with its fleet-wide preview and progress.</summary>
public sealed class CampaignQueries(IDbContextFactory<PortalDbContext> contextFactory)
{
    public const int DefaultPageSize = 25;
    public const int MaxPageSize = 200;

    /// <summary>A campaign's environments a page by default in the API (the page shows fewer).</summary>
    public const int DefaultTargetPageSize = 100;
    public const int MaxTargetPageSize = 500;

    /// <summary>One page of the campaigns, newest first, with how many there are.</summary>
    public async Task<CampaignListPage> ListAsync(int skip, int take, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var total = await db.UpgradeCampaigns.CountAsync(cancellationToken);
        var campaigns = await db.UpgradeCampaigns.AsNoTracking().OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).Skip(skip).Take(take).ToListAsync(cancellationToken);
        var ids = campaigns.Select(c => c.Id).ToList();
        var counts = await db.CampaignTargets.AsNoTracking().Where(t => ids.Contains(t.CampaignId)).GroupBy(t => new { t.CampaignId, t.Status })
            .Select(g => new { g.Key.CampaignId, g.Key.Status, Count = g.Count() }).ToListAsync(cancellationToken);
        return new CampaignListPage([.. campaigns.Select(c =>
        {
            var mine = counts.Where(x => x.CampaignId == c.Id).ToList();
            int Count(params CampaignTargetStatus[] statuses) => mine.Where(x => statuses.Contains(x.Status)).Sum(x => x.Count);
            return new CampaignSummary(c.Id, c.Name, c.TemplateSlug, c.TargetVersion, c.Status, mine.Sum(x => x.Count),
                Count(CampaignTargetStatus.Succeeded), Count(CampaignTargetStatus.Failed), Count(CampaignTargetStatus.Queued, CampaignTargetStatus.Submitted), c.CreatedAt, c.CreatedByName);
        })], total);
    }

    /// <summary>
    /// The campaign with its fleet-wide totals (over every environment) and one page of its environments, by wave, team and
    /// name (<paramref name="skip"/>, <paramref name="take"/>); null when there is no such campaign.
    /// </summary>
    public async Task<CampaignDetail?> GetAsync(Guid campaignId, CancellationToken cancellationToken, int skip = 0, int take = DefaultTargetPageSize)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var campaign = await db.UpgradeCampaigns.AsNoTracking().SingleOrDefaultAsync(c => c.Id == campaignId, cancellationToken);
        if (campaign is null)
        {
            return null;
        }

        // The totals: every target, without its change list (the largest column).
        var all = await db.CampaignTargets.AsNoTracking().Where(t => t.CampaignId == campaignId)
            .Select(t => new { t.Status, t.Wave, t.Added, t.Modified, t.Removed, t.Replaced, t.CurrentMonthlyUsd, t.TargetMonthlyUsd, t.ParameterNotesJson })
            .ToListAsync(cancellationToken);
        var previewed = all.Where(t => t.Status is not (CampaignTargetStatus.Pending or CampaignTargetStatus.Blocked)).ToList();
        var totals = new CampaignTotals(
            all.Count,
            previewed.Sum(v => v.Added),
            previewed.Sum(v => v.Modified),
            previewed.Sum(v => v.Removed),
            previewed.Sum(v => v.Replaced),
            previewed.Count(v => v.Replaced > 0),
            previewed.Sum(v => v.CurrentMonthlyUsd),
            previewed.Sum(v => v.TargetMonthlyUsd),
            previewed.Sum(v => v.TargetMonthlyUsd - v.CurrentMonthlyUsd),
            all.Sum(v => (JsonSerializer.Deserialize<List<ParameterNote>>(v.ParameterNotesJson, CampaignPlanner.Json) ?? []).Count(p => p.Change is "dropped" or "missing")),
            all.Count(v => v.Status == CampaignTargetStatus.Blocked),
            all.Count(v => v.Status == CampaignTargetStatus.Succeeded),
            all.Count(v => v.Status == CampaignTargetStatus.Failed),
            all.Count(v => v.Status is CampaignTargetStatus.Skipped or CampaignTargetStatus.Cancelled),
            all.Count(v => v.Status is CampaignTargetStatus.Queued or CampaignTargetStatus.Submitted),
            all.Count(v => v.Status == CampaignTargetStatus.Pending));
        var open = all.Where(t => t.Status is CampaignTargetStatus.Ready or CampaignTargetStatus.Queued or CampaignTargetStatus.Submitted).ToList();

        var page = await db.CampaignTargets.AsNoTracking().Where(t => t.CampaignId == campaignId)
            .Join(db.Environments, t => t.EnvironmentId, e => e.Id, (t, e) => new { t, Environment = e.Name })
            .Join(db.Teams, x => x.t.TeamId, team => team.Id, (x, team) => new { x.t, x.Environment, Team = team.Slug })
            .OrderBy(x => x.t.Wave).ThenBy(x => x.Team).ThenBy(x => x.Environment).ThenBy(x => x.t.Id)
            .Skip(skip).Take(take)
            .ToListAsync(cancellationToken);
        var views = page.Select(x => new CampaignTargetView(
                x.t.EnvironmentId,
                x.Environment,
                x.Team,
                x.t.Tier.Slug(),
                x.t.Wave,
                x.t.FromVersion,
                x.t.Status,
                x.t.Added,
                x.t.Modified,
                x.t.Removed,
                x.t.Replaced,
                x.t.CurrentMonthlyUsd,
                x.t.TargetMonthlyUsd,
                x.t.CostDeltaUsd,
                JsonSerializer.Deserialize<List<CampaignChange>>(x.t.ChangesJson, CampaignPlanner.Json) ?? [],
                JsonSerializer.Deserialize<List<ParameterNote>>(x.t.ParameterNotesJson, CampaignPlanner.Json) ?? [],
                x.t.RequestId,
                x.t.Detail))
            .ToList();
        return new CampaignDetail(
            campaign.Id,
            campaign.Name,
            campaign.TemplateSlug,
            campaign.TargetVersion,
            campaign.TargetContentHash[..12],
            campaign.Tiers.Length == 0 ? [] : campaign.Tiers.Split(','),
            campaign.Teams.Length == 0 ? [] : campaign.Teams.Split(','),
            campaign.WaveSize,
            campaign.MaxFailures,
            campaign.Status,
            campaign.PauseReason,
            open.Count == 0 ? 0 : open.Min(t => t.Wave),
            all.Count == 0 ? 0 : all.Max(t => t.Wave),
            campaign.CreatedByName,
            campaign.CreatedAt,
            campaign.StartedAt,
            campaign.FinishedAt,
            totals,
            views,
            take == 0 ? 1 : (skip / take) + 1,
            take);
    }

    /// <summary>Every team's slug, for the campaign form.</summary>
    public async Task<IReadOnlyList<string>> TeamSlugsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var slugs = await db.Teams.AsNoTracking().Select(t => t.Slug).ToListAsync(cancellationToken);
        return [.. slugs.Order(StringComparer.Ordinal)];
    }

    public async Task<CampaignTargetStatus?> TargetStatusAsync(Guid campaignId, Guid environmentId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.CampaignTargets.AsNoTracking().Where(t => t.CampaignId == campaignId && t.EnvironmentId == environmentId)
            .Select(t => (CampaignTargetStatus?)t.Status).SingleOrDefaultAsync(cancellationToken);
    }
}
