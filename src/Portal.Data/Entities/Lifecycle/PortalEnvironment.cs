using System.Text.Json;
using System.Text.RegularExpressions;

namespace Portal.Data.Entities.Lifecycle;

/// <summary>
/// A team's CloudFormation-backed environment. Status changes only through the transition methods, which throw
/// <see cref="InvalidTransitionException"/> on an illegal move and bump <see cref="Version"/> (the concurrency token).
/// </summary>
public sealed partial class PortalEnvironment : Costs.ICostOwner
{
    /// <summary>The <c>targetType</c> of this entity's audit events.</summary>
    public const string AuditTargetType = "environment";

    public const string NamePattern = "^[a-z][a-z0-9-]{2,40}$";
    public const string StackNamePattern = "^[a-zA-Z][-a-zA-Z0-9]{0,127}$";
    public const string AccountIdPattern = "^[0-9]{12}$";
    public const string RegionPattern = "^[a-z]{2}(-[a-z]+)+-[0-9]$";

    /// <summary>Legal moves; anything else is an <see cref="InvalidTransitionException"/>.</summary>
    public static readonly IReadOnlyDictionary<EnvironmentStatus, IReadOnlySet<EnvironmentStatus>> Transitions =
        new Dictionary<EnvironmentStatus, IReadOnlySet<EnvironmentStatus>>
        {
            [EnvironmentStatus.Requested] = new HashSet<EnvironmentStatus> { EnvironmentStatus.Provisioning, EnvironmentStatus.Failed, EnvironmentStatus.Destroyed },
            [EnvironmentStatus.Provisioning] = new HashSet<EnvironmentStatus> { EnvironmentStatus.Ready, EnvironmentStatus.Failed },
            // Ready and Stopped fail only when their stack was deleted outside the portal (MarkGoneFromAws).
            [EnvironmentStatus.Ready] = new HashSet<EnvironmentStatus> { EnvironmentStatus.Updating, EnvironmentStatus.Stopping, EnvironmentStatus.Destroying, EnvironmentStatus.Failed },
            [EnvironmentStatus.Updating] = new HashSet<EnvironmentStatus> { EnvironmentStatus.Ready, EnvironmentStatus.Failed },
            [EnvironmentStatus.Stopping] = new HashSet<EnvironmentStatus> { EnvironmentStatus.Stopped, EnvironmentStatus.Failed },
            [EnvironmentStatus.Stopped] = new HashSet<EnvironmentStatus> { EnvironmentStatus.Starting, EnvironmentStatus.Destroying, EnvironmentStatus.Failed },
            [EnvironmentStatus.Starting] = new HashSet<EnvironmentStatus> { EnvironmentStatus.Ready, EnvironmentStatus.Failed },
            // From Failed: retry the step that failed (a create provisions again, an update or a schedule change updates), or destroy.
            [EnvironmentStatus.Failed] = new HashSet<EnvironmentStatus> { EnvironmentStatus.Provisioning, EnvironmentStatus.Updating, EnvironmentStatus.Destroying },
            [EnvironmentStatus.Destroying] = new HashSet<EnvironmentStatus> { EnvironmentStatus.Destroyed, EnvironmentStatus.Failed },
            [EnvironmentStatus.Destroyed] = new HashSet<EnvironmentStatus>(),
        };

    public Guid Id { get; private set; }

    public string Name { get; private set; } = "";

    public Guid TeamId { get; private set; }

    public Guid OwnerId { get; private set; }

    public string TemplateSlug { get; private set; } = "";

    public string TemplateVersion { get; private set; } = "";

    /// <summary>SHA-256 of the template content the stack runs (the catalog's content hash); null until known.</summary>
    public string? TemplateContentHash { get; private set; }

    public EnvironmentTier Tier { get; private set; }

    public string AccountId { get; private set; } = "";

    public string Region { get; private set; } = "";

    /// <summary><c>{team}-{name}-{tier}</c>; unique per account and region among environments that are not destroyed.</summary>
    public string StackName { get; private set; } = "";

    /// <summary>The CloudFormation stack ARN, known once creation has started.</summary>
    public string? StackId { get; private set; }

    public EnvironmentStatus Status { get; private set; }

    /// <summary>Stack outputs as a JSON object (jsonb on PostgreSQL).</summary>
    public string OutputsJson { get; private set; } = "{}";

    /// <summary>The parameters the stack currently runs with, as a JSON object (jsonb on PostgreSQL).</summary>
    public string ParametersJson { get; private set; } = "{}";

    public DateTimeOffset? ExpiresAt { get; private set; }

    /// <summary>Whether the environment is stopped off-hours.</summary>
    public bool OffHoursSchedule { get; private set; }

    /// <summary>The VPC's CIDR block, mirrored from its live <see cref="CidrAllocation"/>.</summary>
    public string? VpcCidr { get; private set; }

    public string? FailureReason { get; private set; }

    /// <summary>The status the environment failed in, so a retry knows what it was doing.</summary>
    public EnvironmentStatus? FailedFrom { get; private set; }

    public decimal HoursSavedBySchedule { get; private set; }

    /// <summary>When the environment was last stopped off-hours (cleared when it starts again and the hours are counted).</summary>
    public DateTimeOffset? StoppedAt { get; private set; }

    /// <summary>The monthly estimate of the parameters the stack runs with (set on create and on every update).</summary>
    public decimal MonthlyEstimateUsd { get; private set; }

    /// <summary>The same estimate with every scaling resource at its maximum; null for estimates made before ranges (read it as the expected figure).</summary>
    public decimal? MonthlyEstimateMaxUsd { get; private set; }

    /// <summary>The newest CloudFormation event stored for the stack; the watcher reads only newer ones.</summary>
    public string? LastStackEventId { get; private set; }

    /// <summary>Expiry warnings already sent: 0 none, 1 the 24-hour one, 2 also the 1-hour one. Reset when the expiry moves.</summary>
    public int ExpiryWarningsSent { get; private set; }

    /// <summary>
    /// The CloudFormation operation in flight: its id (a request's id, or a fresh id for a scheduled stop or start) derives the
    /// ClientRequestToken, so a retried step is recognised by CloudFormation and never starts a second operation.
    /// </summary>
    public Guid? ActiveOperationId { get; private set; }

    /// <summary>When CloudFormation accepted the in-flight operation; until then the provisioner owns it, afterwards the watcher.</summary>
    public DateTimeOffset? OperationStartedAt { get; private set; }

    /// <summary>The stack status the watcher saw last (CREATE_IN_PROGRESS, ...).</summary>
    public string? LastStackStatus { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    public DateTimeOffset? DestroyedAt { get; private set; }

    /// <summary>Optimistic concurrency token, incremented by every change.</summary>
    public int Version { get; private set; }

    private PortalEnvironment()
    {
    }

    /// <summary>A new environment in <see cref="EnvironmentStatus.Requested"/>, created when its create request is approved.</summary>
    public static PortalEnvironment Create(
        string name,
        Guid teamId,
        string teamSlug,
        Guid ownerId,
        string templateSlug,
        string templateVersion,
        EnvironmentTier tier,
        string accountId,
        string region,
        string parametersJson,
        DateTimeOffset? expiresAt,
        bool offHoursSchedule,
        DateTimeOffset now)
    {
        var stackName = StackNameFor(teamSlug, name, tier);
        var errors = Validate(name, accountId, region);
        if (errors.Count == 0 && !StackNameRegex().IsMatch(stackName))
        {
            errors[nameof(StackName)] = $"Stack name '{stackName}' breaks CloudFormation's rules (a letter, then up to 127 letters, digits or hyphens).";
        }

        if (string.IsNullOrWhiteSpace(templateSlug) || string.IsNullOrWhiteSpace(templateVersion))
        {
            errors["Template"] = "Template slug and version are required.";
        }

        if (expiresAt is { } e && e <= now)
        {
            errors[nameof(ExpiresAt)] = "Expiry must be in the future.";
        }

        LifecycleJson.Require(errors, nameof(ParametersJson), parametersJson, JsonValueKind.Object);
        if (errors.Count > 0)
        {
            throw new DomainValidationException(errors);
        }

        return new PortalEnvironment
        {
            Id = Guid.CreateVersion7(now),
            Name = name,
            TeamId = teamId,
            OwnerId = ownerId,
            TemplateSlug = templateSlug,
            TemplateVersion = templateVersion,
            Tier = tier,
            AccountId = accountId,
            Region = region,
            StackName = stackName,
            Status = EnvironmentStatus.Requested,
            ParametersJson = parametersJson,
            ExpiresAt = expiresAt,
            OffHoursSchedule = offHoursSchedule,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    public static string StackNameFor(string teamSlug, string name, EnvironmentTier tier) => $"{teamSlug}-{name}-{tier.Slug()}";

    /// <summary>Field-level rule check shared by the entity, the request form and the API.</summary>
    public static Dictionary<string, string> Validate(string name, string accountId, string region)
    {
        var errors = new Dictionary<string, string>();
        if (!NameRegex().IsMatch(name ?? ""))
        {
            errors[nameof(Name)] = "Name must start with a lowercase letter and contain 3 to 41 lowercase letters, digits or hyphens.";
        }

        if (!AccountIdRegex().IsMatch(accountId ?? ""))
        {
            errors[nameof(AccountId)] = "Account id must be 12 digits.";
        }

        if (!RegionRegex().IsMatch(region ?? ""))
        {
            errors[nameof(Region)] = "Region must look like us-east-1.";
        }

        return errors;
    }

    /// <summary>Whether a stack name follows CloudFormation's rules (a letter, then up to 127 letters, digits or hyphens).</summary>
    public static bool IsValidStackName(string stackName) => StackNameRegex().IsMatch(stackName ?? "");

    public static bool CanMove(EnvironmentStatus from, EnvironmentStatus to) => Transitions[from].Contains(to);

    /// <summary>Whether the environment still holds (or may soon hold) AWS resources: anything but <see cref="EnvironmentStatus.Destroyed"/>.</summary>
    public bool IsLive => Status != EnvironmentStatus.Destroyed;

    public StatusChange<EnvironmentStatus> BeginProvisioning(string stackId, DateTimeOffset now)
    {
        var change = Move(EnvironmentStatus.Provisioning, now);
        StackId = stackId;
        return change;
    }

    /// <summary>Retries a failed create: back to <see cref="EnvironmentStatus.Requested"/>'s work, keeping the old stack id until it is replaced.</summary>
    public StatusChange<EnvironmentStatus> RetryCreate(DateTimeOffset now)
    {
        if (Status != EnvironmentStatus.Failed || FailedFrom is not (EnvironmentStatus.Provisioning or EnvironmentStatus.Requested))
        {
            throw Invalid(EnvironmentStatus.Provisioning, "only a failed create can be retried");
        }

        var change = Move(EnvironmentStatus.Provisioning, now);
        StackId = null;
        LastStackStatus = null;
        return change;
    }

    public StatusChange<EnvironmentStatus> MarkReady(string outputsJson, DateTimeOffset now)
    {
        if (Status == EnvironmentStatus.Updating)
        {
            throw Invalid(EnvironmentStatus.Ready, "an update completes with MarkUpdated, which records the new template version and parameters");
        }

        LifecycleJson.Checked(nameof(OutputsJson), outputsJson);
        var change = Move(EnvironmentStatus.Ready, now);
        OutputsJson = outputsJson;
        return change;
    }

    public StatusChange<EnvironmentStatus> BeginUpdate(DateTimeOffset now) => Move(EnvironmentStatus.Updating, now);

    /// <summary>An update succeeded: the stack now runs <paramref name="templateVersion"/> with <paramref name="parametersJson"/>.</summary>
    public StatusChange<EnvironmentStatus> MarkUpdated(string templateVersion, string parametersJson, string outputsJson, DateTimeOffset now)
    {
        if (Status != EnvironmentStatus.Updating)
        {
            throw Invalid(EnvironmentStatus.Ready, "only an update in progress can complete");
        }

        LifecycleJson.Checked(nameof(ParametersJson), parametersJson);
        LifecycleJson.Checked(nameof(OutputsJson), outputsJson);
        var change = Move(EnvironmentStatus.Ready, now);
        TemplateVersion = templateVersion;
        ParametersJson = parametersJson;
        OutputsJson = outputsJson;
        return change;
    }

    /// <summary>Records the content hash of the template the stack now runs (null leaves the known one).</summary>
    public void RecordTemplateHash(string? contentHash, DateTimeOffset now)
    {
        if (contentHash is { Length: 64 } && contentHash != TemplateContentHash)
        {
            TemplateContentHash = contentHash;
            Touch(now);
        }
    }

    public StatusChange<EnvironmentStatus> BeginStop(DateTimeOffset now) => Move(EnvironmentStatus.Stopping, now);

    public StatusChange<EnvironmentStatus> MarkStopped(DateTimeOffset now)
    {
        var change = Move(EnvironmentStatus.Stopped, now);
        StoppedAt = now;
        return change;
    }

    /// <summary>Starts a stopped environment and counts the hours it was stopped as saved.</summary>
    public StatusChange<EnvironmentStatus> BeginStart(DateTimeOffset now)
    {
        var change = Move(EnvironmentStatus.Starting, now);
        if (StoppedAt is { } stopped && now > stopped)
        {
            HoursSavedBySchedule += decimal.Round((decimal)(now - stopped).TotalHours, 2);
        }

        StoppedAt = null;
        return change;
    }

    public StatusChange<EnvironmentStatus> MarkStarted(string outputsJson, DateTimeOffset now)
    {
        if (Status != EnvironmentStatus.Starting)
        {
            throw Invalid(EnvironmentStatus.Ready, "only a start in progress can complete");
        }

        return MarkReady(outputsJson, now);
    }

    public StatusChange<EnvironmentStatus> BeginDestroy(DateTimeOffset now) => Move(EnvironmentStatus.Destroying, now);

    public StatusChange<EnvironmentStatus> MarkDestroyed(DateTimeOffset now)
    {
        var change = Move(EnvironmentStatus.Destroyed, now);
        DestroyedAt = now;
        return change;
    }

    /// <summary>The stack status remembered for a stack CloudFormation no longer knows (deleted outside the portal).</summary>
    public const string GoneStackStatus = "DELETE_COMPLETE";

    /// <summary>CloudFormation no longer knows this environment's stack: it was deleted outside the portal.</summary>
    public bool IsGoneFromAws => Status == EnvironmentStatus.Failed && LastStackStatus == GoneStackStatus;

    /// <summary>Whether the environment's stack should exist in AWS, so finding it missing means it is gone.</summary>
    public bool CanBeGoneFromAws => StackId is not null && !IsGoneFromAws
        && Status is not (EnvironmentStatus.Requested or EnvironmentStatus.Destroying or EnvironmentStatus.Destroyed);

    /// <summary>Why an environment gone from AWS failed, in words (its failure reason, the 409's detail, the owner's notification).</summary>
    public string GoneFromAwsReason =>
        $"The CloudFormation stack {StackName} no longer exists in AWS: it was deleted outside the portal. Destroy the environment to release it, or request a new one.";

    /// <summary>
    /// The stack was deleted outside the portal: the environment fails with that reason (from any state whose stack should
    /// exist), remembers the stack as <see cref="GoneStackStatus"/> and ends its operation. Destroying it then releases it.
    /// </summary>
    public StatusChange<EnvironmentStatus> MarkGoneFromAws(DateTimeOffset now)
    {
        if (!CanBeGoneFromAws)
        {
            throw Invalid(EnvironmentStatus.Failed, StackId is null ? "its stack was never created" : "its stack is not expected to exist");
        }

        var change = Status == EnvironmentStatus.Failed ? new StatusChange<EnvironmentStatus>(Status, Status) : MarkFailed(GoneFromAwsReason, now);
        FailureReason = GoneFromAwsReason;
        LastStackStatus = GoneStackStatus;
        ActiveOperationId = null;
        OperationStartedAt = null;
        Touch(now);
        return change;
    }

    /// <summary>A step failed; the environment remembers what it was doing and why.</summary>
    public StatusChange<EnvironmentStatus> MarkFailed(string reason, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new DomainValidationException(nameof(FailureReason), "A failure needs a reason.");
        }

        var from = Status;
        var change = Move(EnvironmentStatus.Failed, now);
        FailedFrom = from;
        FailureReason = reason.Length > 2000 ? reason[..2000] : reason;
        return change;
    }

    public void ExtendExpiry(DateTimeOffset expiresAt, DateTimeOffset now)
    {
        EnsureLive("extend its expiry");
        if (expiresAt <= now)
        {
            throw new DomainValidationException(nameof(ExpiresAt), "Expiry must be in the future.");
        }

        ExpiresAt = expiresAt;
        ExpiryWarningsSent = 0;
        Touch(now);
    }

    /// <summary>Records that the expiry warning of <paramref name="level"/> (1: 24 hours, 2: 1 hour) went out.</summary>
    public void MarkExpiryWarned(int level, DateTimeOffset now)
    {
        if (level is < 1 or > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "1 (24 hours) or 2 (1 hour).");
        }

        ExpiryWarningsSent = Math.Max(ExpiryWarningsSent, level);
        Touch(now);
    }

    public void SetMonthlyEstimate(decimal monthlyUsd, DateTimeOffset now, decimal? maxMonthlyUsd = null)
    {
        if (monthlyUsd < 0)
        {
            throw new DomainValidationException(nameof(MonthlyEstimateUsd), "An estimate cannot be negative.");
        }

        if (maxMonthlyUsd < monthlyUsd)
        {
            throw new DomainValidationException(nameof(MonthlyEstimateMaxUsd), "The maximum estimate cannot be below the expected one.");
        }

        MonthlyEstimateUsd = monthlyUsd;
        MonthlyEstimateMaxUsd = maxMonthlyUsd;
        Touch(now);
    }

    /// <summary>Names the operation about to run (its id derives the ClientRequestToken); the provisioner then starts it.</summary>
    public void BeginOperation(Guid operationId, DateTimeOffset now)
    {
        ActiveOperationId = operationId;
        OperationStartedAt = null;
        Touch(now);
    }

    /// <summary>CloudFormation accepted the operation; the stack watcher follows it from here.</summary>
    public void MarkOperationStarted(string? stackId, DateTimeOffset now)
    {
        if (ActiveOperationId is null)
        {
            throw Invalid(Status, "no operation is in flight");
        }

        StackId = stackId ?? StackId;
        OperationStartedAt = now;
        Touch(now);
    }

    /// <summary>The operation finished (whatever the outcome).</summary>
    public void EndOperation(DateTimeOffset now)
    {
        ActiveOperationId = null;
        OperationStartedAt = null;
        Touch(now);
    }

    /// <summary>Remembers the stack status the watcher saw, so the next sweep knows whether it changed.</summary>
    public void RecordStackStatus(string stackStatus, DateTimeOffset now)
    {
        if (LastStackStatus != stackStatus)
        {
            LastStackStatus = stackStatus;
            Touch(now);
        }
    }

    /// <summary>Remembers the newest stack event stored, so the next watch reads only newer ones.</summary>
    public void RecordEventsSeen(string lastEventId, DateTimeOffset now)
    {
        LastStackEventId = lastEventId;
        Touch(now);
    }

    /// <summary>Outputs read from the stack after an operation that does not change the status (e.g. a stop).</summary>
    public void SetOutputs(string outputsJson, DateTimeOffset now)
    {
        OutputsJson = LifecycleJson.Checked(nameof(OutputsJson), outputsJson);
        Touch(now);
    }

    public void SetOffHoursSchedule(bool enabled, DateTimeOffset now)
    {
        EnsureLive("change its schedule");
        OffHoursSchedule = enabled;
        Touch(now);
    }

    public void AddHoursSaved(decimal hours, DateTimeOffset now)
    {
        if (hours < 0)
        {
            throw new DomainValidationException(nameof(HoursSavedBySchedule), "Hours saved cannot be negative.");
        }

        HoursSavedBySchedule += hours;
        Touch(now);
    }

    /// <summary>Mirrors the VPC CIDR the allocator reserved for this environment (null when released).</summary>
    public void AssignVpcCidr(string? cidr, DateTimeOffset now)
    {
        VpcCidr = cidr;
        Touch(now);
    }

    private StatusChange<EnvironmentStatus> Move(EnvironmentStatus to, DateTimeOffset now)
    {
        if (!CanMove(Status, to))
        {
            throw Invalid(to);
        }

        var change = new StatusChange<EnvironmentStatus>(Status, to);
        Status = to;
        if (to != EnvironmentStatus.Failed)
        {
            FailureReason = null;
            FailedFrom = null;
        }

        Touch(now);
        return change;
    }

    private void EnsureLive(string what)
    {
        if (Status is EnvironmentStatus.Destroying or EnvironmentStatus.Destroyed)
        {
            throw new InvalidTransitionException(nameof(PortalEnvironment), Id, Status.ToString(), Status.ToString(), $"cannot {what} while {Status}");
        }
    }

    private InvalidTransitionException Invalid(EnvironmentStatus to, string? detail = null) =>
        new(nameof(PortalEnvironment), Id, Status.ToString(), to.ToString(), detail);

    private void Touch(DateTimeOffset now)
    {
        UpdatedAt = now;
        Version++;
    }

    [GeneratedRegex(NamePattern)]
    private static partial Regex NameRegex();

    [GeneratedRegex(StackNamePattern)]
    private static partial Regex StackNameRegex();

    [GeneratedRegex(AccountIdPattern)]
    private static partial Regex AccountIdRegex();

    [GeneratedRegex(RegionPattern)]
    private static partial Regex RegionRegex();
}
