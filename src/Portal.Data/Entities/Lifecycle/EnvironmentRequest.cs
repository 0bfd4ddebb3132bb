using System.Text.Json;

namespace Portal.Data.Entities.Lifecycle;

/// <summary>
/// What a requester asks for; the policy's ruling is applied on <see cref="EnvironmentRequest.Submit"/>.
/// <c>EnvironmentId</c> is the environment an update, destroy or extension is about (null for a create until approved);
/// <c>TtlDays</c> is the lifetime from approval (for an extension, the new lifetime from now; null means no expiry);
/// the JSON fields hold the template parameters (object) and the estimate's line items (array) as snapshotted at request time.
/// </summary>
public sealed record RequestDetails(
    RequestKind Kind,
    Guid RequesterId,
    Guid TeamId,
    Guid? EnvironmentId,
    string EnvironmentName,
    string TemplateSlug,
    string TemplateVersion,
    EnvironmentTier Tier,
    string AccountId,
    string Region,
    string ParametersJson,
    string Justification,
    int? TtlDays,
    string EstimateLineItemsJson,
    decimal EstimateMonthlyUsd,
    int? TtlHours = null,
    decimal? EstimateMonthlyMaxUsd = null);

/// <summary>
/// A self-service request (create, update, destroy, extend TTL) and its approvals. Decisions go through
/// <see cref="Approve"/> and <see cref="Reject"/>, which enforce who may decide and bump <see cref="Version"/>
/// (the concurrency token) so two engineers deciding at once produce exactly one transition.
/// </summary>
public sealed class EnvironmentRequest
{
    /// <summary>The <c>targetType</c> of this entity's audit events.</summary>
    public const string AuditTargetType = "environment-request";

    public const int MaxJustificationLength = 2000;
    public const int MaxCommentLength = 2000;

    /// <summary>Legal moves; anything else is an <see cref="InvalidTransitionException"/>.</summary>
    public static readonly IReadOnlyDictionary<RequestStatus, IReadOnlySet<RequestStatus>> Transitions =
        new Dictionary<RequestStatus, IReadOnlySet<RequestStatus>>
        {
            [RequestStatus.PendingApproval] = new HashSet<RequestStatus> { RequestStatus.Approved, RequestStatus.Rejected, RequestStatus.Cancelled },
            [RequestStatus.Approved] = new HashSet<RequestStatus> { RequestStatus.Completed, RequestStatus.Failed },
            [RequestStatus.Rejected] = new HashSet<RequestStatus>(),
            [RequestStatus.Cancelled] = new HashSet<RequestStatus>(),
            [RequestStatus.Completed] = new HashSet<RequestStatus>(),
            [RequestStatus.Failed] = new HashSet<RequestStatus>(),
        };

    private readonly List<RequestDecision> _decisions = [];

    public Guid Id { get; private set; }

    public RequestKind Kind { get; private set; }

    public Guid RequesterId { get; private set; }

    public Guid TeamId { get; private set; }

    public Guid? EnvironmentId { get; private set; }

    public string EnvironmentName { get; private set; } = "";

    public string TemplateSlug { get; private set; } = "";

    public string TemplateVersion { get; private set; } = "";

    /// <summary>SHA-256 of the catalog template a create or update runs (null for other kinds and older requests).</summary>
    public string? TemplateContentHash { get; private set; }

    public EnvironmentTier Tier { get; private set; }

    public string AccountId { get; private set; } = "";

    public string Region { get; private set; } = "";

    /// <summary>Template parameters as a JSON object (jsonb on PostgreSQL).</summary>
    public string ParametersJson { get; private set; } = "{}";

    public string Justification { get; private set; } = "";

    public int? TtlDays { get; private set; }

    /// <summary>The lifetime asked for, in hours (the form and API speak hours; <see cref="TtlDays"/> is it rounded up, for the policy).</summary>
    public int? TtlHours { get; private set; }

    /// <summary>The estimate's line items when the request was made, as JSON (jsonb on PostgreSQL).</summary>
    public string EstimateLineItemsJson { get; private set; } = "[]";

    public decimal EstimateMonthlyUsd { get; private set; }

    /// <summary>The estimate with every scaling resource at its maximum; null for requests made before ranges (read it as <see cref="EstimateMonthlyUsd"/>).</summary>
    public decimal? EstimateMonthlyMaxUsd { get; private set; }

    public RequestStatus Status { get; private set; }

    public PolicyOutcome PolicyOutcome { get; private set; }

    /// <summary>How many distinct platform engineers must approve (0 when the policy auto-approved or rejected).</summary>
    public int ApprovalsRequired { get; private set; }

    /// <summary>The rule that fired, in words: "Needs 1 platform engineer: staging".</summary>
    public string PolicyReason { get; private set; } = "";

    public string? FailureReason { get; private set; }

    /// <summary>For an update: the CloudFormation change set prepared for it (name), executed on approval.</summary>
    public string? ChangeSetName { get; private set; }

    /// <summary>For an update: the change set's resource changes as a JSON array, shown to the requester and approvers.</summary>
    public string? ChangesJson { get; private set; }

    /// <summary>For an update: the environment's monthly estimate before the change (the delta is EstimateMonthlyUsd minus this).</summary>
    public decimal? PreviousEstimateMonthlyUsd { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>When the request was approved, rejected or cancelled.</summary>
    public DateTimeOffset? DecidedAt { get; private set; }

    public DateTimeOffset? CompletedAt { get; private set; }

    /// <summary>Optimistic concurrency token, incremented by every change.</summary>
    public int Version { get; private set; }

    public IReadOnlyList<RequestDecision> Decisions => _decisions;

    public int Approvals => _decisions.Count(d => d.Verdict == DecisionVerdict.Approve);

    private EnvironmentRequest()
    {
    }

    /// <summary>Records a request with the policy's ruling: auto-approved and rejected requests are decided at once.</summary>
    public static EnvironmentRequest Submit(RequestDetails details, PolicyRuling ruling, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string>();
        if (details.Kind != RequestKind.Create && details.EnvironmentId is null)
        {
            errors[nameof(EnvironmentId)] = $"A {details.Kind} request needs the environment it is about.";
        }

        if (details.Kind == RequestKind.Create)
        {
            foreach (var (field, message) in PortalEnvironment.Validate(details.EnvironmentName, details.AccountId, details.Region))
            {
                errors[field == nameof(PortalEnvironment.Name) ? nameof(EnvironmentName) : field] = message;
            }
        }

        if (details.Justification.Length > MaxJustificationLength)
        {
            errors[nameof(Justification)] = $"Justification must be at most {MaxJustificationLength} characters.";
        }

        if (details.TtlDays is < 1)
        {
            errors[nameof(TtlDays)] = "TTL must be at least one day.";
        }

        if (details.Kind == RequestKind.ExtendTtl && details.TtlDays is null)
        {
            errors[nameof(TtlDays)] = "An extension needs the new TTL.";
        }

        if (details.EstimateMonthlyUsd < 0)
        {
            errors[nameof(EstimateMonthlyUsd)] = "An estimate cannot be negative.";
        }

        if (details.EstimateMonthlyMaxUsd < details.EstimateMonthlyUsd)
        {
            errors[nameof(EstimateMonthlyMaxUsd)] = "The maximum estimate cannot be below the expected one.";
        }

        LifecycleJson.Require(errors, nameof(ParametersJson), details.ParametersJson, JsonValueKind.Object);
        LifecycleJson.Require(errors, nameof(EstimateLineItemsJson), details.EstimateLineItemsJson, JsonValueKind.Array);
        if (string.IsNullOrWhiteSpace(ruling.Reason))
        {
            errors[nameof(PolicyReason)] = "The policy's ruling needs a reason.";
        }

        if (errors.Count > 0)
        {
            throw new DomainValidationException(errors);
        }

        var request = new EnvironmentRequest
        {
            Id = Guid.CreateVersion7(now),
            Kind = details.Kind,
            RequesterId = details.RequesterId,
            TeamId = details.TeamId,
            EnvironmentId = details.EnvironmentId,
            EnvironmentName = details.EnvironmentName,
            TemplateSlug = details.TemplateSlug,
            TemplateVersion = details.TemplateVersion,
            Tier = details.Tier,
            AccountId = details.AccountId,
            Region = details.Region,
            ParametersJson = details.ParametersJson,
            Justification = details.Justification.Trim(),
            TtlDays = details.TtlDays,
            TtlHours = details.TtlHours ?? details.TtlDays * 24,
            EstimateLineItemsJson = details.EstimateLineItemsJson,
            EstimateMonthlyUsd = details.EstimateMonthlyUsd,
            EstimateMonthlyMaxUsd = details.EstimateMonthlyMaxUsd,
            Status = RequestStatus.PendingApproval,
            PolicyOutcome = ruling.Outcome,
            ApprovalsRequired = ruling.ApprovalsRequired,
            PolicyReason = ruling.Reason,
            CreatedAt = now,
            UpdatedAt = now,
        };

        switch (ruling.Outcome)
        {
            case PolicyOutcome.AutoApproved:
                request.Move(RequestStatus.Approved, now);
                request.DecidedAt = now;
                break;
            case PolicyOutcome.Rejected:
                request.Move(RequestStatus.Rejected, now);
                request.DecidedAt = now;
                break;
            case PolicyOutcome.NeedsApproval:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(ruling), ruling.Outcome, "Unknown policy outcome.");
        }

        request.Version = 0;
        return request;
    }

    public static bool CanMove(RequestStatus from, RequestStatus to) => Transitions[from].Contains(to);

    /// <summary>
    /// A platform engineer approves. The request moves to <see cref="RequestStatus.Approved"/> once
    /// <see cref="ApprovalsRequired"/> distinct engineers have; until then it stays pending (the change's From equals its To).
    /// </summary>
    /// <exception cref="DecisionForbiddenException">Own request, not a platform engineer, or already approved by this person.</exception>
    /// <exception cref="InvalidTransitionException">The request is no longer pending.</exception>
    public StatusChange<RequestStatus> Approve(Decider decider, string? comment, DateTimeOffset now)
    {
        EnsureMayDecide(decider, RequestStatus.Approved);
        Record(decider, DecisionVerdict.Approve, comment, now);
        if (Approvals < ApprovalsRequired)
        {
            Touch(now);
            return new(Status, Status);
        }

        DecidedAt = now;
        return Move(RequestStatus.Approved, now);
    }

    /// <summary>A platform engineer rejects; one rejection is final. A comment saying why is required.</summary>
    public StatusChange<RequestStatus> Reject(Decider decider, string comment, DateTimeOffset now)
    {
        EnsureMayDecide(decider, RequestStatus.Rejected);
        if (string.IsNullOrWhiteSpace(comment))
        {
            throw new DomainValidationException("Comment", "Say why the request is rejected.");
        }

        Record(decider, DecisionVerdict.Reject, comment, now);
        DecidedAt = now;
        return Move(RequestStatus.Rejected, now);
    }

    /// <summary>The requester withdraws a pending request.</summary>
    public StatusChange<RequestStatus> Cancel(Guid userId, DateTimeOffset now)
    {
        if (userId != RequesterId)
        {
            throw new DecisionForbiddenException("Only the requester can cancel a request.");
        }

        var change = Move(RequestStatus.Cancelled, now);
        DecidedAt = now;
        return change;
    }

    /// <summary>Links a create request to the environment made for it on approval.</summary>
    public void AttachEnvironment(Guid environmentId, DateTimeOffset now)
    {
        if (Kind != RequestKind.Create || Status != RequestStatus.Approved)
        {
            throw new InvalidTransitionException(nameof(EnvironmentRequest), Id, Status.ToString(), Status.ToString(), "only an approved create request gets a new environment");
        }

        if (EnvironmentId is { } existing && existing != environmentId)
        {
            throw new InvalidTransitionException(nameof(EnvironmentRequest), Id, Status.ToString(), Status.ToString(), $"already attached to environment {existing}");
        }

        EnvironmentId = environmentId;
        Touch(now);
    }

    /// <summary>Records the change set prepared for an update request, and what it changes.</summary>
    /// <summary>Records which catalog content (hash) a create or update runs.</summary>
    public void RecordTemplateHash(string? contentHash)
    {
        if (contentHash is { Length: 64 })
        {
            TemplateContentHash = contentHash;
        }
    }

    public void AttachChangeSet(string changeSetName, string changesJson, decimal previousEstimateMonthlyUsd, DateTimeOffset now)
    {
        if (Kind != RequestKind.Update)
        {
            throw new InvalidTransitionException(nameof(EnvironmentRequest), Id, Status.ToString(), Status.ToString(), "only an update has a change set");
        }

        ChangeSetName = changeSetName;
        ChangesJson = LifecycleJson.Checked(nameof(ChangesJson), changesJson, JsonValueKind.Array);
        PreviousEstimateMonthlyUsd = previousEstimateMonthlyUsd;
        Touch(now);
    }

    public StatusChange<RequestStatus> MarkCompleted(DateTimeOffset now)
    {
        var change = Move(RequestStatus.Completed, now);
        CompletedAt = now;
        return change;
    }

    public StatusChange<RequestStatus> MarkFailed(string reason, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new DomainValidationException(nameof(FailureReason), "A failure needs a reason.");
        }

        var change = Move(RequestStatus.Failed, now);
        FailureReason = reason.Length > 2000 ? reason[..2000] : reason;
        CompletedAt = now;
        return change;
    }

    private void EnsureMayDecide(Decider decider, RequestStatus to)
    {
        if (Status != RequestStatus.PendingApproval)
        {
            throw new InvalidTransitionException(nameof(EnvironmentRequest), Id, Status.ToString(), to.ToString(), "the request has already been decided");
        }

        if (decider.UserId == RequesterId)
        {
            throw new DecisionForbiddenException("Nobody decides on their own request.");
        }

        if (!decider.IsPlatformEngineer)
        {
            throw new DecisionForbiddenException("Only a platform engineer can decide on a request.");
        }

        if (_decisions.Any(d => d.DeciderId == decider.UserId))
        {
            throw new DecisionForbiddenException(ApprovalsRequired > 1
                ? $"{Tier.Slug()} needs {ApprovalsRequired} different platform engineers; {decider.Name} has already approved."
                : $"{decider.Name} has already decided on this request.");
        }
    }

    private void Record(Decider decider, DecisionVerdict verdict, string? comment, DateTimeOffset now)
    {
        if (comment is { Length: > MaxCommentLength })
        {
            throw new DomainValidationException("Comment", $"Comment must be at most {MaxCommentLength} characters.");
        }

        _decisions.Add(RequestDecision.Make(Id, decider.UserId, verdict, string.IsNullOrWhiteSpace(comment) ? null : comment.Trim(), now));
    }

    private StatusChange<RequestStatus> Move(RequestStatus to, DateTimeOffset now)
    {
        if (!CanMove(Status, to))
        {
            throw new InvalidTransitionException(nameof(EnvironmentRequest), Id, Status.ToString(), to.ToString());
        }

        var change = new StatusChange<RequestStatus>(Status, to);
        Status = to;
        Touch(now);
        return change;
    }

    private void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }
}

/// <summary>One platform engineer's verdict on a request.</summary>
public sealed class RequestDecision
{
    public Guid Id { get; private set; }

    public Guid RequestId { get; private set; }

    public Guid DeciderId { get; private set; }

    public DecisionVerdict Verdict { get; private set; }

    public string? Comment { get; private set; }

    public DateTimeOffset DecidedAt { get; private set; }

    private RequestDecision()
    {
    }

    internal static RequestDecision Make(Guid requestId, Guid deciderId, DecisionVerdict verdict, string? comment, DateTimeOffset now) =>
        new() { Id = Guid.CreateVersion7(now), RequestId = requestId, DeciderId = deciderId, Verdict = verdict, Comment = comment, DecidedAt = now };
}
