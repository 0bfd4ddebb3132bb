using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Campaigns;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Provisioning.Campaigns;

/// <summary>Campaigns as pages and the API show them: the list, one campaign with its fleet-wide preview and progress.</summary>
public sealed class CampaignQueries(IDbContextFactory<PortalDbContext> contextFactory)
{
    public async Task<IReadOnlyList<CampaignSummary>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var campaigns = await db.UpgradeCampaigns.AsNoTracking().ToListAsync(cancellationToken);
        var counts = await db.CampaignTargets.AsNoTracking().GroupBy(t => new { t.CampaignId, t.Status })
            .Select(g => new { g.Key.CampaignId, g.Key.Status, Count = g.Count() }).ToListAsync(cancellationToken);
        return [.. campaigns.OrderByDescending(c => c.CreatedAt).Select(c =>
        {
            var mine = counts.Where(x => x.CampaignId == c.Id).ToList();
            int Count(params CampaignTargetStatus[] statuses) => mine.Where(x => statuses.Contains(x.Status)).Sum(x => x.Count);
            return new CampaignSummary(c.Id, c.Name, c.TemplateSlug, c.TargetVersion, c.Status, mine.Sum(x => x.Count),
                Count(CampaignTargetStatus.Succeeded), Count(CampaignTargetStatus.Failed), Count(CampaignTargetStatus.Queued, CampaignTargetStatus.Submitted), c.CreatedAt, c.CreatedByName);
        })];
    }

    public async Task<CampaignDetail?> GetAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var campaign = await db.UpgradeCampaigns.AsNoTracking().SingleOrDefaultAsync(c => c.Id == campaignId, cancellationToken);
        if (campaign is null)
        {
            return null;
        }

        var targets = await db.CampaignTargets.AsNoTracking().Where(t => t.CampaignId == campaignId).ToListAsync(cancellationToken);
        var environmentIds = targets.Select(t => t.EnvironmentId).ToList();
        var names = await db.Environments.AsNoTracking().Where(e => environmentIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, e => e.Name, cancellationToken);
        var teams = await db.Teams.AsNoTracking().ToDictionaryAsync(t => t.Id, t => t.Slug, cancellationToken);
        var views = targets
            .OrderBy(t => t.Wave).ThenBy(t => teams.GetValueOrDefault(t.TeamId), StringComparer.Ordinal).ThenBy(t => names.GetValueOrDefault(t.EnvironmentId), StringComparer.Ordinal)
            .Select(t => new CampaignTargetView(
                t.EnvironmentId,
                names.GetValueOrDefault(t.EnvironmentId) ?? "",
                teams.GetValueOrDefault(t.TeamId) ?? "",
                t.Tier.Slug(),
                t.Wave,
                t.FromVersion,
                t.Status,
                t.Added,
                t.Modified,
                t.Removed,
                t.Replaced,
                t.CurrentMonthlyUsd,
                t.TargetMonthlyUsd,
                t.CostDeltaUsd,
                JsonSerializer.Deserialize<List<CampaignChange>>(t.ChangesJson, CampaignPlanner.Json) ?? [],
                JsonSerializer.Deserialize<List<ParameterNote>>(t.ParameterNotesJson, CampaignPlanner.Json) ?? [],
                t.RequestId,
                t.Detail))
            .ToList();
        var previewed = views.Where(v => v.Status is not (CampaignTargetStatus.Pending or CampaignTargetStatus.Blocked)).ToList();
        var totals = new CampaignTotals(
            views.Count,
            previewed.Sum(v => v.Added),
            previewed.Sum(v => v.Modified),
            previewed.Sum(v => v.Removed),
            previewed.Sum(v => v.Replaced),
            previewed.Count(v => v.Replaced > 0),
            previewed.Sum(v => v.CurrentMonthlyUsd),
            previewed.Sum(v => v.TargetMonthlyUsd),
            previewed.Sum(v => v.CostDeltaUsd),
            views.Sum(v => v.Parameters.Count(p => p.Change is "dropped" or "missing")),
            views.Count(v => v.Status == CampaignTargetStatus.Blocked),
            views.Count(v => v.Status == CampaignTargetStatus.Succeeded),
            views.Count(v => v.Status == CampaignTargetStatus.Failed),
            views.Count(v => v.Status is CampaignTargetStatus.Skipped or CampaignTargetStatus.Cancelled),
            views.Count(v => v.Status is CampaignTargetStatus.Queued or CampaignTargetStatus.Submitted));
        var open = targets.Where(t => t.Status is CampaignTargetStatus.Ready or CampaignTargetStatus.Queued or CampaignTargetStatus.Submitted).ToList();
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
            targets.Count == 0 ? 0 : targets.Max(t => t.Wave),
            campaign.CreatedByName,
            campaign.CreatedAt,
            campaign.StartedAt,
            campaign.FinishedAt,
            totals,
            views);
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
