using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Estimates;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// Submits requests and records decisions: validates against the catalog, asks <see cref="ApprovalPolicy"/>, applies approvals
/// (creates the environment, allocates its VPC CIDR, starts its CloudFormation operation through the job layer) and audits
/// every transition. Errors: DomainValidationException (422, per field), DecisionForbiddenException (403),
/// LifecycleNotFoundException (404), InvalidTransitionException and LifecycleConflictException (409).
/// </summary>
public sealed class RequestWorkflow(
    IDbContextFactory<PortalDbContext> contextFactory,
    CatalogProvider catalog,
    EnvironmentEstimator estimator,
    ApprovalPolicy policy,
    IBudgetLedger budgets,
    AwsAccountDirectory accounts,
    IOptions<AwsOptions> awsOptions,
    ChangeSetPreparer changeSets,
    ApprovalEffects effects,
    TimeProvider timeProvider,
    QuotaAdmission quotas)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<RequestOutcome> SubmitAsync(LifecycleActor actor, SubmitRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        var kind = ParseKind(request.Kind);
        // A request on an existing environment saves the environment too (an approved extension moves its expiry), and the
        // job layer may write the same row at the same moment (a watcher, an expiry check): the user's own fresh submission is
        // then read and decided again rather than refused (CI 2026-12-06: an auto-approved extension right after provisioning
        // got "Request … was changed by someone else"). Not an update: its change set is already made in AWS.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await SubmitOnceAsync(actor, kind, request, cancellationToken);
            }
            catch (EnvironmentMovedException moved)
            {
                if (attempt >= 3 || kind == RequestKind.Update)
                {
                    throw new LifecycleConflictException(
                        $"Environment {moved.EnvironmentId} was changed at the same moment as this request was saved (by the portal's own jobs or another user); reload and try again.");
                }
            }
        }
    }

    /// <summary>The save of a submission met a newer version of its environment; nothing was saved.</summary>
    private sealed class EnvironmentMovedException(Guid environmentId) : Exception($"Environment {environmentId} changed while a request on it was saved.")
    {
        public Guid EnvironmentId { get; } = environmentId;
    }

    private async Task<RequestOutcome> SubmitOnceAsync(LifecycleActor actor, RequestKind kind, SubmitRequest request, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        var (details, team, environment, entry) = kind == RequestKind.Create
            ? await CreateDetailsAsync(db, actor, request, cancellationToken)
            : await EnvironmentDetailsAsync(db, actor, kind, request, cancellationToken);
        // Account quotas: read from AWS here, decided below under the account and region's lock (refused now, with the
        // numbers, rather than failing minutes later). Creates, and updates that add VPCs, Elastic IPs or NAT gateways.
        var quota = await quotas.PrepareAsync(details, entry, team.Slug, environment, cancellationToken);

        // A create is counted against its team's quota and budget and decided under the team's lock, so parallel requests
        // take turns: the count, the budget headroom and the insert are one step (PostgreSQL advisory lock, SQLite's writer).
        EnvironmentRequest entity;
        ApprovalEffects.FollowUp followUp;
        ApproverAnnouncement announcement;
        try
        {
            (entity, followUp, announcement) = kind == RequestKind.Create
                ? await SerializedWork.RunAsync(
                    contextFactory,
                    TeamLock(team.Id),
                    async (locked, token) =>
                    {
                        await quotas.AdmitAsync(locked, quota, token);
                        return await RecordSubmissionAsync(locked, actor, kind, details, team, environment, entry, now, token);
                    },
                    cancellationToken)
                : await AdmitThenRecordAsync(db, quota, actor, kind, details, team, environment, entry, now, cancellationToken);
        }
        catch (StackNotFoundException) when (environment is not null)
        {
            // A state of AWS, not a fault: the stack was deleted outside the portal. Say so (409) and mark the environment gone.
            var actorName = new AuditActor(actor.UserId == Guid.Empty ? null : actor.UserId, actor.Name);
            throw new LifecycleConflictException(await GoneFromAws.RecordAsync(contextFactory, environment.Id, actorName, now, cancellationToken));
        }

        await effects.AfterCommitAsync(followUp, entity, cancellationToken);
        await effects.AnnounceToApproversAsync(announcement, entity, cancellationToken);
        return Outcome(entity);
    }

    private async Task<(EnvironmentRequest, ApprovalEffects.FollowUp, ApproverAnnouncement)> AdmitThenRecordAsync(
        PortalDbContext db, QuotaCheck? quota, LifecycleActor actor, RequestKind kind, RequestDetails details, Team team, PortalEnvironment? environment, CatalogEntry? entry,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await quotas.AdmitAsync(db, quota, cancellationToken);
        return await RecordSubmissionAsync(db, actor, kind, details, team, environment, entry, now, cancellationToken);
    }

    private async Task<(EnvironmentRequest, ApprovalEffects.FollowUp, ApproverAnnouncement)> RecordSubmissionAsync(
        PortalDbContext db, LifecycleActor actor, RequestKind kind, RequestDetails details, Team team, PortalEnvironment? environment, CatalogEntry? entry,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var input = new PolicyInput(
            kind,
            details.Tier,
            team.Slug,
            new RequesterStanding(actor.IsMemberOf(team.Id), environment?.OwnerId == actor.UserId, actor.IsPlatformEngineer, ReferenceEquals(actor, LifecycleActor.Portal)),
            details.EstimateMonthlyUsd,
            details.TtlDays,
            await budgets.GetBudgetAsync(team.Id, now, cancellationToken),
            kind == RequestKind.Create ? await LiveInTierAsync(db, team.Id, details.Tier, cancellationToken) : 0,
            details.EstimateMonthlyMaxUsd);
        var ruling = policy.Evaluate(input);
        var entity = EnvironmentRequest.Submit(details, ruling, now);
        entity.RecordTemplateHash(kind is RequestKind.Create or RequestKind.Update ? entry?.ContentHash : null);

        if (kind == RequestKind.Update && environment is not null && entry is not null && ruling.Outcome != PolicyOutcome.Rejected)
        {
            var prepared = await changeSets.PrepareAsync(environment, team.Slug, entry, details, entity.Id, cancellationToken);
            entity.AttachChangeSet(prepared.ChangeSetName, JsonSerializer.Serialize(prepared.Changes, Json), environment.MonthlyEstimateUsd, now);
        }

        db.EnvironmentRequests.Add(entity);
        var auditActor = new AuditActor(actor.UserId == Guid.Empty ? null : actor.UserId, actor.Name);
        db.Audit(now, auditActor, "request.submitted", EnvironmentRequest.AuditTargetType, entity.Id.ToString(), new
        {
            entity.Kind,
            Team = team.Slug,
            entity.TemplateSlug,
            Tier = entity.Tier.Slug(),
            entity.EnvironmentName,
            entity.EnvironmentId,
            entity.EstimateMonthlyUsd,
            entity.Status,
            ruling.Outcome,
            ruling.Reason,
        });

        var followUp = entity.Status == RequestStatus.Approved
            ? effects.Apply(db, entity, team, auditActor, now)
            : ApprovalEffects.FollowUp.None;
        if (entity.Status != RequestStatus.PendingApproval)
        {
            ApprovalEffects.NotifyRequester(db, entity, now);
        }

        var announcement = await Notifications.AddForApproversAsync(db, entity, team.Slug, now, cancellationToken);
        await SaveAsync(db, entity, cancellationToken, submission: true);
        return (entity, followUp, announcement);
    }

    public Task<RequestOutcome> ApproveAsync(LifecycleActor actor, Guid requestId, string? comment, CancellationToken cancellationToken) =>
        DecideAsync(actor, requestId, (request, decider, now) => request.Approve(decider, comment, now), "request.approved", comment, cancellationToken);

    public Task<RequestOutcome> RejectAsync(LifecycleActor actor, Guid requestId, string? comment, CancellationToken cancellationToken) =>
        DecideAsync(actor, requestId, (request, decider, now) => request.Reject(decider, comment ?? "", now), "request.rejected", comment, cancellationToken);

    public async Task<RequestOutcome> CancelAsync(LifecycleActor actor, Guid requestId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var request = await FindVisibleAsync(db, actor, requestId, cancellationToken);
        var now = timeProvider.GetUtcNow();
        var change = request.Cancel(actor.UserId, now);
        db.Audit(now, new AuditActor(actor.UserId, actor.Name), "request.cancelled", EnvironmentRequest.AuditTargetType, request.Id.ToString(), change);
        await SaveAsync(db, request, cancellationToken);
        effects.Signal(request);
        return Outcome(request);
    }

    private async Task<RequestOutcome> DecideAsync(
        LifecycleActor actor,
        Guid requestId,
        Func<EnvironmentRequest, Decider, DateTimeOffset, StatusChange<RequestStatus>> decide,
        string action,
        string? comment,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (comment is { Length: > EnvironmentRequest.MaxCommentLength })
        {
            throw new DomainValidationException("comment", $"Comment must be at most {EnvironmentRequest.MaxCommentLength} characters.");
        }

        Guid teamId;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            var found = await FindVisibleAsync(db, actor, requestId, cancellationToken);
            if (action == "request.rejected" && string.IsNullOrWhiteSpace(comment))
            {
                // Checked once the request is known to exist and be visible: an unknown id is 404, not a missing comment.
                throw new DomainValidationException("comment", "Say why the request is rejected.");
            }

            teamId = found.TeamId;
        }

        // Decided under the team's lock, like submissions: an approval turns a counted request into an environment, and the
        // quota and budget counts of a create running at the same moment must see it as one or the other, never neither.
        var (request, followUp) = await SerializedWork.RunAsync(
            contextFactory,
            TeamLock(teamId),
            (locked, token) => RecordDecisionAsync(locked, actor, requestId, decide, action, comment, token),
            cancellationToken);
        await effects.AfterCommitAsync(followUp, request, cancellationToken);
        return Outcome(request);
    }

    private async Task<(EnvironmentRequest, ApprovalEffects.FollowUp)> RecordDecisionAsync(
        PortalDbContext db,
        LifecycleActor actor,
        Guid requestId,
        Func<EnvironmentRequest, Decider, DateTimeOffset, StatusChange<RequestStatus>> decide,
        string action,
        string? comment,
        CancellationToken cancellationToken)
    {
        var request = await FindVisibleAsync(db, actor, requestId, cancellationToken);
        if (action == "request.approved" && request.EnvironmentId is { } target
            && await db.Environments.SingleOrDefaultAsync(e => e.Id == target, cancellationToken) is { OutOfBand: { } mark } marked
            && marked.OutOfBandConflict(request.Kind) is { } outOfBand)
        {
            // Marked since it was submitted: approving would fail later in the job (or overwrite a change made by hand).
            throw new LifecycleConflictException(outOfBand, mark);
        }

        var now = timeProvider.GetUtcNow();
        var change = decide(request, new Decider(actor.UserId, actor.Name, actor.IsPlatformEngineer), now);
        var auditActor = new AuditActor(actor.UserId, actor.Name);
        db.Audit(now, auditActor, change.Changed ? action : "request.approval-recorded", EnvironmentRequest.AuditTargetType, request.Id.ToString(), new
        {
            change.From,
            change.To,
            Comment = comment,
            request.Approvals,
            request.ApprovalsRequired,
        });

        var followUp = ApprovalEffects.FollowUp.None;
        if (change.Changed)
        {
            if (request.Status == RequestStatus.Approved)
            {
                var team = await db.Teams.SingleAsync(t => t.Id == request.TeamId, cancellationToken);
                followUp = effects.Apply(db, request, team, auditActor, now);
            }

            ApprovalEffects.NotifyRequester(db, request, now);
        }

        try
        {
            await SaveAsync(db, request, cancellationToken);
        }
        catch (DomainValidationException) when (change.Changed && request.Kind == RequestKind.Create)
        {
            // Two approvals of one request raced: the loser's environment insert hits the live stack-name index first.
            throw new LifecycleConflictException($"Request {request.Id} was decided by someone else at the same moment; reload to see its status.");
        }

        return (request, followUp);
    }

    // One lock per team: the quota is per team and tier, the budget per team, so a team's creates and decisions take turns.
    private static string TeamLock(Guid teamId) => $"team-requests:{teamId}";

    private static async Task<EnvironmentRequest> FindVisibleAsync(PortalDbContext db, LifecycleActor actor, Guid requestId, CancellationToken cancellationToken)
    {
        var request = await db.EnvironmentRequests.Include(r => r.Decisions).SingleOrDefaultAsync(r => r.Id == requestId, cancellationToken);
        return request is not null && actor.CanSee(request.TeamId) ? request : throw new LifecycleNotFoundException("request", requestId);
    }

    private static async Task SaveAsync(PortalDbContext db, EnvironmentRequest request, CancellationToken cancellationToken, bool submission = false)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException e) when (submission && e.Entries.Count > 0 && e.Entries.All(x => x.Entity is PortalEnvironment))
        {
            // A new request cannot conflict; its environment can (see SubmitAsync, which reads and decides again).
            throw new EnvironmentMovedException(((PortalEnvironment)e.Entries[0].Entity).Id);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new LifecycleConflictException($"Request {request.Id} was changed by someone else at the same moment (it may already be decided); reload and try again.");
        }
        catch (DbUpdateException e) when (IsUniqueViolation(e, "IX_RequestDecisions_RequestId_DeciderId"))
        {
            throw new LifecycleConflictException("You have already decided on this request.");
        }
        catch (DbUpdateException e) when (IsUniqueViolation(e, "IX_Environments_LiveStackName"))
        {
            throw new DomainValidationException("name", $"An environment with the stack name of '{request.EnvironmentName}' already exists in that account and region.");
        }
    }

    private static bool IsUniqueViolation(DbUpdateException e, string index) =>
        e.InnerException?.Message.Contains(index, StringComparison.Ordinal) == true
        || (index == "IX_Environments_LiveStackName" && e.InnerException?.Message.Contains("Environments.AccountId, Environments.Region, Environments.StackName", StringComparison.Ordinal) == true)
        || (index == "IX_RequestDecisions_RequestId_DeciderId" && e.InnerException?.Message.Contains("RequestDecisions.RequestId, RequestDecisions.DeciderId", StringComparison.Ordinal) == true);

    private async Task<(RequestDetails, Team, PortalEnvironment?, CatalogEntry?)> CreateDetailsAsync(
        PortalDbContext db, LifecycleActor actor, SubmitRequest request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string>();
        var team = string.IsNullOrWhiteSpace(request.Team) ? null : await db.Teams.AsNoTracking().SingleOrDefaultAsync(t => t.Slug == request.Team, cancellationToken);
        if (team is null)
        {
            errors["team"] = string.IsNullOrWhiteSpace(request.Team) ? "Choose the team the environment belongs to." : $"There is no team '{request.Team}'.";
        }
        else if (!actor.IsMemberOf(team.Id) && !actor.IsPlatformEngineer)
        {
            throw new DecisionForbiddenException($"You are not a member of {team.Slug}; only its members and platform engineers request environments for it.");
        }

        var entry = string.IsNullOrWhiteSpace(request.Template) ? null : catalog.Current.Find(request.Template);
        if (entry is null)
        {
            errors["template"] = string.IsNullOrWhiteSpace(request.Template) ? "Choose a template." : $"There is no template '{request.Template}' in the catalog.";
        }

        var tierSlug = request.Tier?.Trim().ToLowerInvariant() ?? "";
        EnvironmentTier tier = default;
        if (!EnvironmentTiers.TryParse(tierSlug, out tier))
        {
            errors["tier"] = "Tier must be dev, staging or prod.";
        }
        else if (entry is not null && !entry.Manifest.Tiers.ContainsKey(tierSlug))
        {
            errors["tier"] = $"{entry.Slug} is not offered in {tierSlug} (tiers: {string.Join(", ", entry.Manifest.Tiers.Keys)}).";
        }

        var name = request.Name?.Trim() ?? "";
        foreach (var (field, message) in PortalEnvironment.Validate(name, "000000000000", "us-east-1"))
        {
            errors[field == nameof(PortalEnvironment.Name) ? "name" : field] = message;
        }

        var region = string.IsNullOrWhiteSpace(request.Region) ? awsOptions.Value.DefaultRegion : request.Region.Trim();
        var account = errors.ContainsKey("tier") ? null : accounts.ForTier(tierSlug).FirstOrDefault(a => accounts.IsRegionAllowed(a, region));
        if (account is null && !errors.ContainsKey("tier"))
        {
            errors["region"] = $"No account serves {tierSlug} in {region}.";
        }

        int? ttlHours = null;
        if (entry is not null && !errors.ContainsKey("tier"))
        {
            ttlHours = ResolveTtl(entry.Manifest.Tiers[tierSlug].Ttl, request.TtlHours, errors);
        }

        if (errors.Count > 0 || entry is null || team is null || account is null)
        {
            throw new DomainValidationException(errors);
        }

        var stackName = PortalEnvironment.StackNameFor(team.Slug, name, tier);
        if (!PortalEnvironment.IsValidStackName(stackName))
        {
            throw new DomainValidationException("name", $"The stack name '{stackName}' breaks CloudFormation's rules.");
        }

        if (await db.Environments.AnyAsync(e => e.AccountId == account.Id && e.Region == region && e.StackName == stackName && e.Status != EnvironmentStatus.Destroyed, cancellationToken)
            || await db.EnvironmentRequests.AnyAsync(
                r => r.Kind == RequestKind.Create && r.TeamId == team.Id && r.EnvironmentName == name && r.Tier == tier && r.Region == region
                     && (r.Status == RequestStatus.PendingApproval || (r.Status == RequestStatus.Approved && r.EnvironmentId == null)),
                cancellationToken))
        {
            throw new DomainValidationException("name", $"{team.Slug} already has an environment (or a pending request) named '{name}' in {tierSlug}, {region}.");
        }

        var user = request.Parameters ?? new Dictionary<string, string>();
        var estimate = estimator.Estimate(entry, new EstimateRequest(tierSlug, region, user), PortalValues.Preview(team.Slug, name, tier));
        ThrowIfInvalid(estimate);
        var details = new RequestDetails(
            RequestKind.Create,
            actor.UserId,
            team.Id,
            null,
            name,
            entry.Slug,
            entry.Version,
            tier,
            account.Id,
            region,
            JsonSerializer.Serialize(user.Where(p => entry.Manifest.UserParameters.Contains(p.Key)).ToDictionary(), Json),
            request.Justification ?? "",
            ttlHours is null ? null : (int)Math.Ceiling(ttlHours.Value / 24.0),
            JsonSerializer.Serialize(estimate.Estimate!.LineItems, Json),
            estimate.Estimate!.MonthlyUsd,
            ttlHours,
            estimate.Estimate!.MonthlyMaxUsd);
        return (details, team, null, entry);
    }

    private async Task<(RequestDetails, Team, PortalEnvironment?, CatalogEntry?)> EnvironmentDetailsAsync(
        PortalDbContext db, LifecycleActor actor, RequestKind kind, SubmitRequest request, CancellationToken cancellationToken)
    {
        if (request.EnvironmentId is not { } environmentId)
        {
            throw new DomainValidationException("environmentId", $"A {KindName(kind)} request names the environment it is about.");
        }

        var environment = await db.Environments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == environmentId, cancellationToken);
        if (environment is null || !actor.CanSee(environment.TeamId))
        {
            throw new LifecycleNotFoundException("environment", environmentId);
        }

        if (!actor.IsMemberOf(environment.TeamId) && !actor.IsPlatformEngineer && actor != LifecycleActor.Portal)
        {
            throw new DecisionForbiddenException("Only members of the environment's team and platform engineers can change it.");
        }

        if (environment.OutOfBandConflict(kind) is { } outOfBand)
        {
            throw new LifecycleConflictException(outOfBand);
        }

        var team = await db.Teams.AsNoTracking().SingleAsync(t => t.Id == environment.TeamId, cancellationToken);
        if (await db.EnvironmentRequests.AnyAsync(
                r => r.EnvironmentId == environmentId && r.Kind == kind && r.Status == RequestStatus.PendingApproval, cancellationToken))
        {
            throw new LifecycleConflictException($"{environment.Name} already has a pending {KindName(kind)} request.");
        }

        var ttlHours = default(int?);
        var parametersJson = environment.ParametersJson;
        var templateVersion = environment.TemplateVersion;
        var estimateJson = "[]";
        var estimateUsd = environment.MonthlyEstimateUsd;
        var estimateMaxUsd = environment.MonthlyEstimateMaxUsd;
        var entry = catalog.Current.Find(environment.TemplateSlug);
        switch (kind)
        {
            case RequestKind.Destroy:
                if (environment.Status is EnvironmentStatus.Destroying or EnvironmentStatus.Destroyed)
                {
                    throw new InvalidTransitionException(nameof(PortalEnvironment), environment.Id, environment.Status.ToString(), EnvironmentStatus.Destroying.ToString(), "it is already being destroyed");
                }

                break;
            case RequestKind.ExtendTtl:
                if (environment.Status is EnvironmentStatus.Destroying or EnvironmentStatus.Destroyed)
                {
                    throw new InvalidTransitionException(nameof(PortalEnvironment), environment.Id, environment.Status.ToString(), environment.Status.ToString(), "a destroyed environment cannot be extended");
                }

                var errors = new Dictionary<string, string>();
                var ttl = entry?.Manifest.Tiers.GetValueOrDefault(environment.Tier.Slug())?.Ttl;
                if (request.TtlHours is not { } hours || hours < 1)
                {
                    errors["ttlHours"] = "Say how many hours from now the environment should live (at least 1).";
                }
                else if (ttl is { MaxHours: > 0 } && hours > ttl.MaxHours)
                {
                    errors["ttlHours"] = $"At most {ttl.MaxHours} hours in {environment.Tier.Slug()}.";
                }

                if (errors.Count > 0)
                {
                    throw new DomainValidationException(errors);
                }

                ttlHours = request.TtlHours;
                break;
            case RequestKind.Update:
                if (environment.Status is not (EnvironmentStatus.Ready or EnvironmentStatus.Failed))
                {
                    throw new InvalidTransitionException(nameof(PortalEnvironment), environment.Id, environment.Status.ToString(), EnvironmentStatus.Updating.ToString(), "only a Ready (or failed) environment can be updated");
                }

                if (entry is null)
                {
                    throw new DomainValidationException("template", $"The template {environment.TemplateSlug} is no longer in the catalog.");
                }

                var current = JsonSerializer.Deserialize<Dictionary<string, string>>(environment.ParametersJson, Json) ?? [];
                var merged = current.Where(p => entry.Manifest.UserParameters.Contains(p.Key)).ToDictionary();
                foreach (var (key, value) in request.Parameters ?? new Dictionary<string, string>())
                {
                    merged[key] = value;
                }

                var estimate = estimator.Estimate(
                    entry, new EstimateRequest(environment.Tier.Slug(), environment.Region, merged), PortalValues.Preview(team.Slug, environment.Name, environment.Tier));
                ThrowIfInvalid(estimate);
                parametersJson = JsonSerializer.Serialize(merged, Json);
                templateVersion = entry.Version;

                // The policy's TTL rule looks at the lifetime the environment has left; an update does not change it.
                ttlHours = environment.ExpiresAt is { } expires ? Math.Max(1, (int)Math.Ceiling((expires - timeProvider.GetUtcNow()).TotalHours)) : null;
                estimateJson = JsonSerializer.Serialize(estimate.Estimate!.LineItems, Json);
                estimateUsd = estimate.Estimate!.MonthlyUsd;
                estimateMaxUsd = estimate.Estimate!.MonthlyMaxUsd;
                break;
            case RequestKind.Create:
            default:
                throw new DomainValidationException("kind", "Unknown request kind.");
        }

        var details = new RequestDetails(
            kind,
            actor.UserId == Guid.Empty ? environment.OwnerId : actor.UserId,
            environment.TeamId,
            environment.Id,
            environment.Name,
            environment.TemplateSlug,
            templateVersion,
            environment.Tier,
            environment.AccountId,
            environment.Region,
            parametersJson,
            request.Justification ?? "",
            ttlHours is null ? null : (int)Math.Ceiling(ttlHours.Value / 24.0),
            estimateJson,
            estimateUsd,
            ttlHours,
            estimateMaxUsd);
        return (details, team, environment, entry);
    }

    private static int? ResolveTtl(TtlManifest? ttl, int? requested, Dictionary<string, string> errors)
    {
        if (ttl is null or { MaxHours: 0 })
        {
            if (requested is > 0)
            {
                errors["ttlHours"] = "This tier's environments do not expire; leave the TTL out.";
            }

            return null;
        }

        var hours = requested ?? ttl.DefaultHours;
        if (hours < 1 || hours > ttl.MaxHours)
        {
            errors["ttlHours"] = $"TTL must be between 1 and {ttl.MaxHours} hours.";
            return null;
        }

        return hours;
    }

    private static void ThrowIfInvalid(EstimateResult estimate)
    {
        if (estimate.IsValid && estimate.Estimate is not null)
        {
            return;
        }

        var errors = new Dictionary<string, string>();
        foreach (var error in estimate.Errors)
        {
            var key = error.Parameter is "region" or "tier" or "template" ? error.Parameter : $"parameters.{error.Parameter}";
            errors[key] = errors.TryGetValue(key, out var existing) ? $"{existing} {error.Message}" : error.Message;
        }

        throw new DomainValidationException(errors.Count > 0 ? errors : new Dictionary<string, string> { ["parameters"] = "The parameters could not be priced." });
    }

    private static async Task<int> LiveInTierAsync(PortalDbContext db, Guid teamId, EnvironmentTier tier, CancellationToken cancellationToken) =>
        await db.Environments.CountAsync(e => e.TeamId == teamId && e.Tier == tier && e.Status != EnvironmentStatus.Destroyed, cancellationToken)
        + await db.EnvironmentRequests.CountAsync(
            r => r.TeamId == teamId && r.Tier == tier && r.Kind == RequestKind.Create && r.EnvironmentId == null
                 && (r.Status == RequestStatus.PendingApproval || r.Status == RequestStatus.Approved),
            cancellationToken);

    internal static RequestKind ParseKind(string? kind) => kind?.Trim().ToLowerInvariant() switch
    {
        "create" => RequestKind.Create,
        "update" => RequestKind.Update,
        "destroy" => RequestKind.Destroy,
        "extend" or "extendttl" or "extend-ttl" => RequestKind.ExtendTtl,
        _ => throw new DomainValidationException("kind", "Kind must be create, update, destroy or extend."),
    };

    internal static string KindName(RequestKind kind) => kind == RequestKind.ExtendTtl ? "extend" : kind.ToString().ToLowerInvariant();

    internal static RequestOutcome Outcome(EnvironmentRequest r) =>
        new(r.Id, r.Kind, r.Status, r.PolicyOutcome, r.PolicyReason, r.EnvironmentId, r.Approvals, r.ApprovalsRequired);

    internal static string Money(decimal usd) => usd.ToString("$#,##0", CultureInfo.InvariantCulture);
}
