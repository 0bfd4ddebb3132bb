using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Campaigns;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Campaigns;

/// <summary>
/// Rolls a campaign out: start, pause, resume and cancel (by a person), each environment's update request (a step), and the
/// advance that follows the requests, records outcomes, pauses on failures and starts the next wave when one is done.
/// Every environment's upgrade is a normal update request on behalf of the environment's owner, so the normal policy decides
/// it (dev may be auto-approved, staging needs a platform engineer, prod two).
/// </summary>
public sealed class CampaignRunner(
    IDbContextFactory<PortalDbContext> contextFactory,
    CatalogProvider catalog,
    RequestWorkflow workflow,
    ICampaignQueue queue,
    CampaignSignals signals,
    TimeProvider timeProvider)
{
    /// <summary>How often a running campaign looks at its environments' requests.</summary>
    public static readonly TimeSpan AdvanceInterval = TimeSpan.FromSeconds(2);

    /// <summary>A queued step not done after this long is enqueued again (its job was lost).</summary>
    public static readonly TimeSpan StepRequeueAfter = TimeSpan.FromSeconds(30);

    public static string Marker(Guid campaignId) => $"[campaign {campaignId}]";

    public Task StartAsync(CampaignActor actor, Guid campaignId, CancellationToken cancellationToken) =>
        ChangeAsync(actor, campaignId, "campaign.started", (c, _, now) => c.Start(now), cancellationToken);

    public Task PauseAsync(CampaignActor actor, Guid campaignId, CancellationToken cancellationToken) =>
        ChangeAsync(actor, campaignId, "campaign.paused", (c, _, now) => c.Pause($"Paused by {actor.Name}.", now), cancellationToken);

    public Task ResumeAsync(CampaignActor actor, Guid campaignId, CancellationToken cancellationToken) =>
        ChangeAsync(actor, campaignId, "campaign.resumed", (c, targets, now) => c.Resume(targets.Count(t => t.Status == CampaignTargetStatus.Failed), now), cancellationToken);

    public Task CancelAsync(CampaignActor actor, Guid campaignId, CancellationToken cancellationToken) =>
        ChangeAsync(actor, campaignId, "campaign.cancelled", (c, targets, now) =>
        {
            c.Cancel(now);
            foreach (var target in targets.Where(t => t.Status is CampaignTargetStatus.Pending or CampaignTargetStatus.Ready or CampaignTargetStatus.Queued))
            {
                target.Finish(CampaignTargetStatus.Cancelled, $"The campaign was cancelled by {actor.Name}.", now);
            }
        }, cancellationToken);

    private async Task ChangeAsync(
        CampaignActor actor, Guid campaignId, string action, Action<UpgradeCampaign, List<CampaignTarget>, DateTimeOffset> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var campaign = await db.UpgradeCampaigns.SingleOrDefaultAsync(c => c.Id == campaignId, cancellationToken)
            ?? throw new LifecycleNotFoundException("campaign", campaignId);
        var targets = await db.CampaignTargets.Where(t => t.CampaignId == campaignId).ToListAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        var from = campaign.Status;
        change(campaign, targets, now);
        db.Audit(now, new AuditActor(actor.UserId, actor.Name), action, UpgradeCampaign.AuditTargetType, campaign.Id.ToString(), new { From = from, To = campaign.Status });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new LifecycleConflictException($"Campaign {campaign.Name} was changed at the same moment; reload and try again.");
        }

        signals.Changed(campaignId);

        if (campaign.Status == CampaignStatus.Running)
        {
            queue.ScheduleAdvance(campaignId, TimeSpan.Zero);
        }
    }

    /// <summary>
    /// One advance: records the outcome of submitted upgrades, pauses when failures exceed what the campaign tolerates, queues
    /// the next wave when the current one is done, completes the campaign at the end. Returns whether to look again later.
    /// </summary>
    public async Task<bool> AdvanceAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var campaign = await db.UpgradeCampaigns.SingleOrDefaultAsync(c => c.Id == campaignId, cancellationToken);
        if (campaign is null || campaign.IsFinished)
        {
            return false;
        }

        var now = timeProvider.GetUtcNow();
        var targets = await db.CampaignTargets.Where(t => t.CampaignId == campaignId).ToListAsync(cancellationToken);
        var submitted = targets.Where(t => t.Status == CampaignTargetStatus.Submitted && t.RequestId is not null).ToList();
        var requestIds = submitted.Select(t => t.RequestId!.Value).ToList();
        var environmentIds = submitted.Select(t => t.EnvironmentId).ToList();
        var requests = await db.EnvironmentRequests.AsNoTracking().Where(r => requestIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken);
        var environments = await db.Environments.AsNoTracking().Where(e => environmentIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, cancellationToken);
        var system = new AuditActor(null, "portal");
        foreach (var target in submitted)
        {
            var request = requests.GetValueOrDefault(target.RequestId!.Value);
            var environment = environments.GetValueOrDefault(target.EnvironmentId);
            var (outcome, detail) = Outcome(campaign, request, environment);
            if (outcome is { } finished)
            {
                target.Finish(finished, detail, now);
                db.Audit(now, system, $"campaign.environment-{finished.ToString().ToLowerInvariant()}", UpgradeCampaign.AuditTargetType, campaign.Id.ToString(), new
                {
                    target.EnvironmentId,
                    target.RequestId,
                    Detail = detail,
                });
            }
        }

        var failures = targets.Count(t => t.Status == CampaignTargetStatus.Failed);
        if (campaign.Status == CampaignStatus.Preparing && targets.Any(t => t.Status == CampaignTargetStatus.Pending))
        {
            // Previews whose job was lost (a node died) are enqueued again; a duplicate finds the preview done.
            foreach (var stale in targets.Where(t => t.Status == CampaignTargetStatus.Pending && now - t.UpdatedAt > StepRequeueAfter))
            {
                queue.EnqueueStep(campaign.Id, stale.EnvironmentId);
            }
        }
        else if (campaign.Status == CampaignStatus.Preparing)
        {
            campaign.MarkPrepared(now);
            db.Audit(now, system, "campaign.prepared", UpgradeCampaign.AuditTargetType, campaign.Id.ToString(), new { Environments = targets.Count });
        }
        else if (campaign.Status == CampaignStatus.Running && campaign.ShouldPause(failures))
        {
            var failed = targets.Where(t => t.Status == CampaignTargetStatus.Failed).Select(t => t.EnvironmentId).ToList();
            var names = await db.Environments.AsNoTracking().Where(e => failed.Contains(e.Id)).Select(e => e.Name).ToListAsync(cancellationToken);
            var reason = campaign.MaxFailures == 0
                ? $"Paused automatically: the upgrade of {string.Join(", ", names.Order(StringComparer.Ordinal))} failed."
                : $"Paused automatically: {failures - campaign.AcknowledgedFailures} upgrades failed, more than the {campaign.MaxFailures} tolerated ({string.Join(", ", names.Order(StringComparer.Ordinal))}).";
            campaign.Pause(reason, now);
            db.Audit(now, system, "campaign.paused", UpgradeCampaign.AuditTargetType, campaign.Id.ToString(), new { Reason = reason, Failures = failures });
            Notifications.Add(db, campaign.CreatedById, "campaign.paused", $"Campaign paused: {campaign.Name}", reason, $"/campaigns/{campaign.Id}", $"campaign-paused:{campaign.Id}:{failures}", now);
        }
        else if (campaign.Status == CampaignStatus.Running)
        {
            var open = targets.Where(t => t.Status is CampaignTargetStatus.Ready or CampaignTargetStatus.Queued or CampaignTargetStatus.Submitted).ToList();
            if (open.Count == 0)
            {
                campaign.Complete(now);
                db.Audit(now, system, "campaign.completed", UpgradeCampaign.AuditTargetType, campaign.Id.ToString(), new
                {
                    Succeeded = targets.Count(t => t.Status == CampaignTargetStatus.Succeeded),
                    Failed = failures,
                    Skipped = targets.Count(t => t.Status is CampaignTargetStatus.Skipped or CampaignTargetStatus.Blocked),
                });
                Notifications.Add(db, campaign.CreatedById, "campaign.completed", $"Campaign completed: {campaign.Name}",
                    $"{targets.Count(t => t.Status == CampaignTargetStatus.Succeeded)} of {targets.Count} environments run {campaign.TemplateSlug} {campaign.TargetVersion}; {failures} failed.",
                    $"/campaigns/{campaign.Id}", $"campaign-completed:{campaign.Id}", now);
            }
            else
            {
                var wave = open.Min(t => t.Wave);
                foreach (var target in open.Where(t => t.Wave == wave && t.Status == CampaignTargetStatus.Ready))
                {
                    target.Queue(now);
                }

                // Steps whose job was lost (a node died, before or after its claim) are enqueued again; a duplicate finds the step done.
                foreach (var stale in open.Where(t => t.Status is CampaignTargetStatus.Queued or CampaignTargetStatus.Submitted && t.RequestId is null && now - t.UpdatedAt > StepRequeueAfter))
                {
                    queue.EnqueueStep(campaign.Id, stale.EnvironmentId);
                }
            }
        }

        var changed = db.ChangeTracker.HasChanges();
        await db.SaveChangesAsync(cancellationToken);
        if (changed)
        {
            signals.Changed(campaignId);
        }

        foreach (var target in targets.Where(t => t.Status == CampaignTargetStatus.Queued && t.UpdatedAt == now))
        {
            queue.EnqueueStep(campaign.Id, target.EnvironmentId);
        }

        // A paused campaign keeps following the upgrades already requested, then rests until resumed.
        return campaign.Status is CampaignStatus.Preparing or CampaignStatus.Running
            || (campaign.Status == CampaignStatus.Paused && targets.Any(t => t.Status is CampaignTargetStatus.Submitted));
    }

    private static (CampaignTargetStatus?, string?) Outcome(UpgradeCampaign campaign, EnvironmentRequest? request, PortalEnvironment? environment)
    {
        if (request is null || environment is null)
        {
            return (CampaignTargetStatus.Skipped, "The request or the environment no longer exists.");
        }

        return request.Status switch
        {
            RequestStatus.Rejected => (CampaignTargetStatus.Skipped, $"The update was rejected: {request.PolicyReason}"),
            RequestStatus.Cancelled => (CampaignTargetStatus.Skipped, "The update request was cancelled."),
            RequestStatus.Failed => (CampaignTargetStatus.Failed, request.FailureReason ?? environment.FailureReason ?? "The update failed."),
            RequestStatus.Completed when environment.TemplateVersion == campaign.TargetVersion => (CampaignTargetStatus.Succeeded, $"Runs {campaign.TemplateSlug} {campaign.TargetVersion}."),
            RequestStatus.Completed => (CampaignTargetStatus.Failed, $"The update completed but the environment runs {environment.TemplateVersion}."),
            _ when environment.Status == EnvironmentStatus.Destroyed => (CampaignTargetStatus.Skipped, "The environment was destroyed."),
            RequestStatus.Approved when environment.Status == EnvironmentStatus.Failed && environment.FailedFrom == EnvironmentStatus.Updating =>
                (CampaignTargetStatus.Failed, environment.FailureReason ?? "The update failed."),
            RequestStatus.PendingApproval or RequestStatus.Approved => (null, null),
            _ => (null, null),
        };
    }

    /// <summary>
    /// One environment's step once its wave started: claims the target (Queued → Submitted, the row's version checked, so a
    /// cancel at the same moment either sees the claim or fails, never both win), then makes its update request. Idempotent:
    /// a request this campaign already made for the environment is adopted instead of making a second, and a claimed target
    /// whose request was never made (the node died) is finished by the next run of the step.
    /// </summary>
    public async Task SubmitAsync(Guid campaignId, Guid environmentId, CancellationToken cancellationToken)
    {
        CampaignTarget? target;
        UpgradeCampaign? campaign;
        PortalEnvironment? environment;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            target = await db.CampaignTargets.AsNoTracking().SingleOrDefaultAsync(t => t.CampaignId == campaignId && t.EnvironmentId == environmentId, cancellationToken);
            campaign = await db.UpgradeCampaigns.AsNoTracking().SingleOrDefaultAsync(c => c.Id == campaignId, cancellationToken);
            environment = await db.Environments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == environmentId, cancellationToken);
            if (target is null || campaign is null || environment is null
                || !(target is { Status: CampaignTargetStatus.Submitted, RequestId: null } || (target.Status == CampaignTargetStatus.Queued && campaign.Status == CampaignStatus.Running)))
            {
                return;
            }

            var marker = Marker(campaignId);
            var existing = await db.EnvironmentRequests.AsNoTracking()
                .Where(r => r.EnvironmentId == environmentId && r.Kind == RequestKind.Update && r.Justification.Contains(marker))
                .Select(r => (Guid?)r.Id).FirstOrDefaultAsync(cancellationToken);
            if (existing is { } adopted)
            {
                await FinishStepAsync(campaignId, environmentId, t => t.MarkSubmitted(adopted, timeProvider.GetUtcNow()), "campaign.environment-submitted", adopted, cancellationToken);
                return;
            }
        }

        var entry = catalog.Current.Find(campaign.TemplateSlug);
        if (entry is null || entry.ContentHash != campaign.TargetContentHash)
        {
            await FinishStepAsync(campaignId, environmentId,
                t => t.Finish(CampaignTargetStatus.Failed, $"The catalog now offers {entry?.Version ?? "no version"} of {campaign.TemplateSlug}, not the campaign's {campaign.TargetVersion}.", timeProvider.GetUtcNow()),
                "campaign.environment-failed", null, cancellationToken);
            return;
        }

        if (environment.Status != EnvironmentStatus.Ready)
        {
            await FinishStepAsync(campaignId, environmentId,
                t => t.Finish(CampaignTargetStatus.Skipped, $"{environment.Name} is {environment.Status}; only a Ready environment is upgraded.", timeProvider.GetUtcNow()),
                "campaign.environment-skipped", null, cancellationToken);
            return;
        }

        if (target.Status == CampaignTargetStatus.Queued && !await ClaimAsync(campaignId, environmentId, cancellationToken))
        {
            return; // cancelled (or paused before the claim) at the same moment: the cancel won
        }

        // On behalf of the environment's owner, as a member of its team: the normal policy decides.
        var owner = new LifecycleActor(environment.OwnerId, $"campaign {campaign.Name}", false, false, new HashSet<Guid> { environment.TeamId });
        RequestOutcome outcome;
        try
        {
            outcome = await workflow.SubmitAsync(
                owner,
                new SubmitRequest("update", EnvironmentId: environmentId,
                    Justification: $"Upgrade campaign '{campaign.Name}' {Marker(campaignId)}: {campaign.TemplateSlug} {target.FromVersion} → {campaign.TargetVersion}, started by {campaign.CreatedByName}."),
                cancellationToken);
        }
        catch (Exception e) when (e is DomainValidationException or LifecycleConflictException or InvalidTransitionException or DecisionForbiddenException or LifecycleNotFoundException)
        {
            await FinishStepAsync(campaignId, environmentId,
                t => t.Finish(CampaignTargetStatus.Failed, $"The update could not be requested: {e.Message}", timeProvider.GetUtcNow()),
                "campaign.environment-failed", null, cancellationToken);
            return;
        }

        await FinishStepAsync(campaignId, environmentId, t => t.MarkSubmitted(outcome.Id, timeProvider.GetUtcNow()), "campaign.environment-submitted", outcome.Id, cancellationToken);
    }

    // Queued → Submitted (no request yet) while the campaign runs; false when a cancel or pause changed the row or campaign first.
    private async Task<bool> ClaimAsync(Guid campaignId, Guid environmentId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var status = await db.UpgradeCampaigns.AsNoTracking().Where(c => c.Id == campaignId).Select(c => (CampaignStatus?)c.Status).SingleOrDefaultAsync(cancellationToken);
        var target = await db.CampaignTargets.SingleOrDefaultAsync(t => t.CampaignId == campaignId && t.EnvironmentId == environmentId, cancellationToken);
        if (status != CampaignStatus.Running || target is not { Status: CampaignTargetStatus.Queued })
        {
            return false;
        }

        target.Claim(timeProvider.GetUtcNow());
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            signals.Changed(campaignId);
            return true;
        }
        catch (DbUpdateConcurrencyException)
        {
            return false;
        }
    }

    private async Task FinishStepAsync(Guid campaignId, Guid environmentId, Action<CampaignTarget> change, string action, Guid? requestId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var target = await db.CampaignTargets.SingleAsync(t => t.CampaignId == campaignId && t.EnvironmentId == environmentId, cancellationToken);
        if (target is not ({ Status: CampaignTargetStatus.Queued } or { Status: CampaignTargetStatus.Submitted, RequestId: null }))
        {
            return;
        }

        change(target);
        db.Audit(timeProvider.GetUtcNow(), new AuditActor(null, "portal"), action, UpgradeCampaign.AuditTargetType, campaignId.ToString(), new { EnvironmentId = environmentId, RequestId = requestId, target.Detail });
        await db.SaveChangesAsync(cancellationToken);
        signals.Changed(campaignId);
    }
}
