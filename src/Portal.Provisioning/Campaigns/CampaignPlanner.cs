using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Campaigns;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Estimates;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Campaigns;

/// <summary>
/// Creates campaigns (choosing the environments and their waves) and prepares each environment's preview: a change set
/// with the target version and the environment's values, what happens to each parameter, and the cost before and after.
/// </summary>
public sealed class CampaignPlanner(
    IDbContextFactory<PortalDbContext> contextFactory,
    CatalogProvider catalog,
    TemplateVersionArchive archive,
    ChangeSetPreparer changeSets,
    EnvironmentEstimator estimator,
    ICampaignQueue queue,
    CampaignSignals signals,
    TimeProvider timeProvider)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public const int DefaultWaveSize = 5;

    public async Task<Guid> CreateAsync(CampaignActor actor, NewCampaign request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string>();
        var entry = string.IsNullOrWhiteSpace(request.Template) ? null : catalog.Current.Find(request.Template.Trim());
        if (entry is null)
        {
            errors["template"] = string.IsNullOrWhiteSpace(request.Template) ? "Choose a template." : $"There is no template '{request.Template}' in the catalog.";
        }
        else if (!string.IsNullOrWhiteSpace(request.TargetVersion) && request.TargetVersion.Trim() != entry.Version)
        {
            errors["targetVersion"] = $"The catalog offers {entry.Slug} {entry.Version}; a campaign upgrades to the version the catalog offers.";
        }

        var tiers = new List<EnvironmentTier>();
        foreach (var slug in request.Tiers ?? [])
        {
            if (EnvironmentTiers.TryParse(slug?.Trim().ToLowerInvariant() ?? "", out var tier))
            {
                tiers.Add(tier);
            }
            else
            {
                errors["tiers"] = $"'{slug}' is not a tier (dev, staging, prod).";
            }
        }

        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var teamSlugs = (request.Teams ?? []).Select(t => t?.Trim() ?? "").Where(t => t.Length > 0).Distinct().ToList();
        var teams = await db.Teams.AsNoTracking().ToDictionaryAsync(t => t.Id, cancellationToken);
        var unknown = teamSlugs.Where(s => teams.Values.All(t => t.Slug != s)).ToList();
        if (unknown.Count > 0)
        {
            errors["teams"] = $"There is no team {string.Join(", ", unknown.Select(u => $"'{u}'"))}.";
        }

        UpgradeCampaign campaign;
        try
        {
            campaign = UpgradeCampaign.Create(
                request.Name ?? "", entry?.Slug ?? "", entry?.Version ?? "", entry?.ContentHash ?? "", tiers, teamSlugs, request.WaveSize ?? DefaultWaveSize,
                request.MaxFailures ?? 0, actor.UserId, actor.Name, timeProvider.GetUtcNow());
        }
        catch (DomainValidationException e)
        {
            foreach (var (field, message) in e.Errors)
            {
                errors[field] = message;
            }

            throw new DomainValidationException(errors);
        }

        if (errors.Count > 0 || entry is null)
        {
            throw new DomainValidationException(errors);
        }

        var teamIds = teamSlugs.Count == 0 ? null : teams.Values.Where(t => teamSlugs.Contains(t.Slug)).Select(t => t.Id).ToList();
        var candidates = await db.Environments.AsNoTracking()
            .Where(e => e.TemplateSlug == entry.Slug && e.Status != EnvironmentStatus.Destroyed)
            .ToListAsync(cancellationToken);
        var chosen = candidates
            .Where(e => tiers.Count == 0 || tiers.Contains(e.Tier))
            .Where(e => teamIds is null || teamIds.Contains(e.TeamId))
            .Where(e => e.TemplateContentHash != entry.ContentHash && !(e.TemplateContentHash is null && e.TemplateVersion == entry.Version))
            .OrderBy(e => e.Tier).ThenBy(e => teams[e.TeamId].Slug, StringComparer.Ordinal).ThenBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
        if (chosen.Count == 0)
        {
            throw new DomainValidationException("environments", $"No environment of {entry.Slug} in the chosen tiers and teams runs anything but {entry.Version}.");
        }

        var now = timeProvider.GetUtcNow();
        db.UpgradeCampaigns.Add(campaign);
        var wave = 0;
        foreach (var tierGroup in chosen.GroupBy(e => e.Tier))
        {
            foreach (var chunk in tierGroup.Chunk(campaign.WaveSize))
            {
                wave++;
                foreach (var environment in chunk)
                {
                    db.CampaignTargets.Add(CampaignTarget.Create(campaign.Id, environment.Id, environment.TeamId, environment.Tier, wave, environment.TemplateVersion, environment.MonthlyEstimateUsd, now));
                }
            }
        }

        db.Audit(now, new AuditActor(actor.UserId, actor.Name), "campaign.created", UpgradeCampaign.AuditTargetType, campaign.Id.ToString(), new
        {
            campaign.Name,
            Template = entry.Slug,
            campaign.TargetVersion,
            campaign.TargetContentHash,
            campaign.Tiers,
            campaign.Teams,
            campaign.WaveSize,
            campaign.MaxFailures,
            Environments = chosen.Count,
            Waves = wave,
        });
        await db.SaveChangesAsync(cancellationToken);

        foreach (var environment in chosen)
        {
            queue.EnqueueStep(campaign.Id, environment.Id);
        }

        queue.ScheduleAdvance(campaign.Id, CampaignRunner.AdvanceInterval);
        signals.Changed(campaign.Id);
        return campaign.Id;
    }

    /// <summary>Prepares one environment's preview (idempotent: a target already previewed is left alone).</summary>
    public async Task PreviewAsync(Guid campaignId, Guid environmentId, bool lastAttempt, CancellationToken cancellationToken)
    {
        await PrepareAsync(campaignId, environmentId, lastAttempt, cancellationToken);
        signals.Changed(campaignId);
    }

    private async Task PrepareAsync(Guid campaignId, Guid environmentId, bool lastAttempt, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var target = await db.CampaignTargets.SingleOrDefaultAsync(t => t.CampaignId == campaignId && t.EnvironmentId == environmentId, cancellationToken);
        var campaign = await db.UpgradeCampaigns.AsNoTracking().SingleOrDefaultAsync(c => c.Id == campaignId, cancellationToken);
        if (target is not { Status: CampaignTargetStatus.Pending } || campaign is null)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        var environment = await db.Environments.AsNoTracking().SingleAsync(e => e.Id == environmentId, cancellationToken);
        var team = await db.Teams.AsNoTracking().SingleAsync(t => t.Id == environment.TeamId, cancellationToken);
        var entry = catalog.Current.Find(campaign.TemplateSlug);
        if (entry is null || entry.ContentHash != campaign.TargetContentHash)
        {
            target.Block($"The catalog no longer offers {campaign.TemplateSlug} {campaign.TargetVersion} ({campaign.TargetContentHash[..12]}).", "[]", now);
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        var old = await archive.TemplateAsync(environment.TemplateSlug, environment.TemplateVersion, environment.TemplateContentHash, cancellationToken);
        var (values, notes) = Parameters(environment, entry, old);
        var notesJson = JsonSerializer.Serialize(notes, Json);
        if (environment.Status != EnvironmentStatus.Ready)
        {
            target.Block($"{environment.Name} is {environment.Status}; only a Ready environment can be upgraded.", notesJson, now);
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        if (notes.FirstOrDefault(n => n.Change == "missing") is { } missing)
        {
            target.Block(missing.Detail, notesJson, now);
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        var estimate = estimator.Estimate(entry, new EstimateRequest(environment.Tier.Slug(), environment.Region, values), PortalValues.Preview(team.Slug, environment.Name, environment.Tier));
        try
        {
            if (!estimate.IsValid || estimate.Estimate is null)
            {
                throw new DomainValidationException("parameters", string.Join(" ", estimate.Errors.Select(e => $"{e.Parameter}: {e.Message}")));
            }

            var rows = await changeSets.PreviewAsync(environment, entry, JsonSerializer.Serialize(values, Json), cancellationToken);
            var changes = rows.Select(r => new CampaignChange(r.Action, r.LogicalResourceId, r.ResourceType, r.Replacement)).ToList();
            target.RecordPreview(
                JsonSerializer.Serialize(changes, Json),
                notesJson,
                changes.Count(c => c.Action == "Add"),
                changes.Count(c => c.Action == "Modify"),
                changes.Count(c => c.Action == "Remove"),
                changes.Count(c => c.Action == "Modify" && c.IsReplacement),
                estimate.Estimate.MonthlyUsd,
                now);
        }
        catch (Exception e) when (e is DomainValidationException or LifecycleConflictException or InvalidTransitionException || (lastAttempt && e is not OperationCanceledException))
        {
            target.Block($"The upgrade could not be previewed: {e.Message}", notesJson, now);
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// The requester's values an upgrade keeps (those the new version still takes) and a note per parameter: kept, dropped
    /// (no longer in the template), or added (filled with its default, preset by the tier, filled by the portal, or missing).
    /// </summary>
    public static (Dictionary<string, string> Values, List<ParameterNote> Notes) Parameters(PortalEnvironment environment, CatalogEntry entry, Templates.CfnTemplate? old)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(entry);
        var current = JsonSerializer.Deserialize<Dictionary<string, string>>(environment.ParametersJson, Json) ?? [];
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var notes = new List<ParameterNote>();
        foreach (var (name, value) in current.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (entry.Manifest.UserParameters.Contains(name) && entry.Template.Parameters.ContainsKey(name))
            {
                values[name] = value;
                notes.Add(new ParameterNote(name, "kept", "The value is kept."));
            }
            else
            {
                notes.Add(new ParameterNote(name, "dropped", $"{entry.Slug} {entry.Version} no longer has {name}; its value is dropped."));
            }
        }

        if (old is not null)
        {
            var tier = entry.Manifest.Tiers.GetValueOrDefault(environment.Tier.Slug());
            foreach (var parameter in entry.Template.Parameters.Values.Where(p => !old.Parameters.ContainsKey(p.Name)))
            {
                if (tier?.Parameters.TryGetValue(parameter.Name, out var preset) == true)
                {
                    notes.Add(new ParameterNote(parameter.Name, "preset", $"New in {entry.Version}: set to the {environment.Tier.Slug()} preset '{preset}'."));
                }
                else if (entry.Manifest.PortalParameters.ContainsKey(parameter.Name))
                {
                    notes.Add(new ParameterNote(parameter.Name, "portal", $"New in {entry.Version}: filled by the portal."));
                }
                else if (parameter.Default is not null)
                {
                    notes.Add(new ParameterNote(parameter.Name, "filled", $"New in {entry.Version}: filled with its default '{(parameter.NoEcho ? "****" : parameter.Default)}'."));
                }
                else if (!values.ContainsKey(parameter.Name))
                {
                    notes.Add(new ParameterNote(parameter.Name, "missing", $"New in {entry.Version}: {parameter.Name} has no default and no value, so the environment cannot be upgraded without one."));
                }
            }
        }

        return (values, notes);
    }
}
