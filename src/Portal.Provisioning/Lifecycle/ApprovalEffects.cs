using Microsoft.Extensions.Logging;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Mail;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// What an approved request does: inside the decision's unit of work it creates or moves the environment (so both commit
/// or neither does); after the commit it hands the environment to the job layer and tells live pages. A request that waits
/// for a decision is announced to the platform engineers who may decide (in-app, and by e-mail when SMTP is set).
/// </summary>
public sealed partial class ApprovalEffects(IProvisioningQueue queue, LifecycleSignals signals, PortalMailer mailer, ILogger<ApprovalEffects> logger)
{
    public enum FollowUp
    {
        None,
        Provision,
    }

    /// <summary>Applies an approved request to its environment in <paramref name="db"/> (not saved).</summary>
    public FollowUp Apply(PortalDbContext db, EnvironmentRequest request, Team team, AuditActor actor, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(team);
        switch (request.Kind)
        {
            case RequestKind.Create:
            {
                var environment = PortalEnvironment.Create(
                    request.EnvironmentName,
                    request.TeamId,
                    team.Slug,
                    request.RequesterId,
                    request.TemplateSlug,
                    request.TemplateVersion,
                    request.Tier,
                    request.AccountId,
                    request.Region,
                    request.ParametersJson,
                    request.TtlHours is { } hours ? now.AddHours(hours) : null,
                    false,
                    now);
                environment.SetMonthlyEstimate(request.EstimateMonthlyUsd, now, request.EstimateMonthlyMaxUsd);
                environment.RecordTemplateHash(request.TemplateContentHash, now);
                environment.BeginOperation(request.Id, now);
                db.Environments.Add(environment);
                request.AttachEnvironment(environment.Id, now);
                db.Audit(now, actor, "environment.requested", PortalEnvironment.AuditTargetType, environment.Id.ToString(), new
                {
                    environment.Name,
                    environment.StackName,
                    Tier = environment.Tier.Slug(),
                    environment.TemplateSlug,
                    environment.TemplateVersion,
                    environment.ExpiresAt,
                    RequestId = request.Id,
                });
                return FollowUp.Provision;
            }

            case RequestKind.Update:
            {
                var environment = Tracked(db, request);
                var change = environment.BeginUpdate(now);
                environment.BeginOperation(request.Id, now);
                db.Audit(now, actor, "environment.updating", PortalEnvironment.AuditTargetType, environment.Id.ToString(), new { change.From, change.To, RequestId = request.Id });
                return FollowUp.Provision;
            }

            case RequestKind.Destroy:
            {
                var environment = Tracked(db, request);
                if (environment.StackId is null && environment.Status is EnvironmentStatus.Requested)
                {
                    // Nothing was created in AWS yet: the environment is simply gone.
                    var gone = environment.MarkDestroyed(now);
                    environment.EndOperation(now);
                    request.MarkCompleted(now);
                    db.Audit(now, actor, "environment.destroyed", PortalEnvironment.AuditTargetType, environment.Id.ToString(), new { gone.From, gone.To, RequestId = request.Id });
                    return FollowUp.Provision;
                }

                var change = environment.BeginDestroy(now);
                environment.BeginOperation(request.Id, now);
                db.Audit(now, actor, "environment.destroying", PortalEnvironment.AuditTargetType, environment.Id.ToString(), new { change.From, change.To, RequestId = request.Id });
                return FollowUp.Provision;
            }

            case RequestKind.ExtendTtl:
            {
                var environment = Tracked(db, request);
                var before = environment.ExpiresAt;
                environment.ExtendExpiry(now.AddHours(request.TtlHours ?? ((request.TtlDays ?? 1) * 24)), now);
                request.MarkCompleted(now);
                db.Audit(now, actor, "environment.extended", PortalEnvironment.AuditTargetType, environment.Id.ToString(), new { From = before, To = environment.ExpiresAt, RequestId = request.Id });
                return FollowUp.None;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "Unknown request kind.");
        }
    }

    /// <summary>After the commit: start the job (the reconciler retries if this is lost) and tell live pages.</summary>
    public async Task AfterCommitAsync(FollowUp followUp, EnvironmentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (followUp == FollowUp.Provision && request.EnvironmentId is { } environmentId)
        {
            try
            {
                await queue.EnqueueAsync(environmentId, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The reconciler finds every environment whose step has not run and schedules it within a minute.
                LogEnqueueFailed(e, environmentId);
            }
        }

        Signal(request);
    }

    public void Signal(EnvironmentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        signals.Publish(new LifecycleChange(LifecycleChangeKind.Request, request.Id, request.TeamId, request.EnvironmentId));
        if (request.EnvironmentId is { } environmentId)
        {
            signals.Publish(new LifecycleChange(LifecycleChangeKind.Environment, environmentId, request.TeamId, environmentId));
        }

        signals.Publish(new LifecycleChange(LifecycleChangeKind.Notification, request.RequesterId, request.TeamId, null));
    }

    /// <summary>After the commit of a request that waits for a decision: the approvers' bells ring live, and they get an e-mail when SMTP is set.</summary>
    public async Task AnnounceToApproversAsync(ApproverAnnouncement announcement, EnvironmentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(announcement);
        ArgumentNullException.ThrowIfNull(request);
        var approvers = announcement.Approvers;
        foreach (var approver in approvers)
        {
            signals.Publish(new LifecycleChange(LifecycleChangeKind.Notification, approver.UserId, request.TeamId, null));
        }

        if (approvers.Count == 0 || !mailer.IsEnabled)
        {
            return;
        }

        await mailer.SendAsync(
            [.. approvers.Select(a => a.Email)],
            $"[Portal] {announcement.Title}",
            $"{announcement.Body}\n\nRequest {request.Id}\nReview it in the portal at /approvals?request={request.Id}",
            cancellationToken);
    }

    /// <summary>Tells the requester their request was decided (once per outcome).</summary>
    public static void NotifyRequester(PortalDbContext db, EnvironmentRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(request);
        var what = $"{RequestWorkflow.KindName(request.Kind)} of {request.EnvironmentName} ({request.Tier.Slug()})";
        var (title, body) = request.Status switch
        {
            // Policy decided (an auto-approved create, update or extension; an extension completes at once): say so, with its reason.
            RequestStatus.Approved or RequestStatus.Completed when request.PolicyOutcome == PolicyOutcome.AutoApproved && request.Decisions.Count == 0 =>
                ($"Approved by policy: {what}", request.PolicyReason),
            RequestStatus.Approved or RequestStatus.Completed => ($"Approved: {what}", request.Decisions.LastOrDefault()?.Comment ?? "Approved by a platform engineer."),
            RequestStatus.Rejected => ($"Rejected: {what}", request.Decisions.LastOrDefault(d => d.Verdict == DecisionVerdict.Reject)?.Comment ?? request.PolicyReason),
            RequestStatus.PendingApproval or RequestStatus.Cancelled or RequestStatus.Failed => (null, null),
            _ => (null, null),
        };
        if (title is null || request.RequesterId == Guid.Empty)
        {
            return;
        }

        Notifications.Add(db, request.RequesterId, "request.decided", title, body!, $"requests/{request.Id}", $"request.decided:{request.Id}:{request.Status}", now);
    }

    private static PortalEnvironment Tracked(PortalDbContext db, EnvironmentRequest request) =>
        db.Environments.Local.FirstOrDefault(e => e.Id == request.EnvironmentId)
        ?? db.Environments.Single(e => e.Id == request.EnvironmentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The provisioning job of environment {EnvironmentId} could not be enqueued after its approval; the reconciler schedules it within a minute")]
    private partial void LogEnqueueFailed(Exception exception, Guid environmentId);
}
