using Portal.Data.Entities.Lifecycle;

namespace Portal.Data.Entities.Campaigns;

public enum CampaignTargetStatus
{
    /// <summary>Waiting for its preview (change set).</summary>
    Pending,

    /// <summary>Previewed; will be upgraded in its wave.</summary>
    Ready,

    /// <summary>Cannot be upgraded (the reason says why); left out of the rollout.</summary>
    Blocked,

    /// <summary>Its wave has started; the update request is being made.</summary>
    Queued,

    /// <summary>The update request exists; waiting for approval and CloudFormation.</summary>
    Submitted,

    Succeeded,

    Failed,

    /// <summary>Not upgraded without a fault: the request was rejected or cancelled, or the environment went away.</summary>
    Skipped,

    /// <summary>The campaign was cancelled before this environment's upgrade was requested.</summary>
    Cancelled,
}

/// <summary>One environment of an <see cref="UpgradeCampaign"/>: its preview, its wave, and its upgrade's progress.</summary>
public sealed class CampaignTarget
{
    public Guid Id { get; private set; }

    public Guid CampaignId { get; private set; }

    public Guid EnvironmentId { get; private set; }

    public Guid TeamId { get; private set; }

    public EnvironmentTier Tier { get; private set; }

    /// <summary>1-based wave: dev waves first, then staging, then prod.</summary>
    public int Wave { get; private set; }

    public string FromVersion { get; private set; } = "";

    public CampaignTargetStatus Status { get; private set; }

    /// <summary>The change set's resource changes (JSON array of action, logical id, type, replacement).</summary>
    public string ChangesJson { get; private set; } = "[]";

    /// <summary>Parameter notes (JSON array of name, change, detail): kept, filled with a default, dropped.</summary>
    public string ParameterNotesJson { get; private set; } = "[]";

    public int Added { get; private set; }

    public int Modified { get; private set; }

    public int Removed { get; private set; }

    public int Replaced { get; private set; }

    public decimal CurrentMonthlyUsd { get; private set; }

    public decimal TargetMonthlyUsd { get; private set; }

    public Guid? RequestId { get; private set; }

    public string? Detail { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>Optimistic concurrency token, bumped by every change: a cancel and a step never both win.</summary>
    public int Version { get; private set; }

    public decimal CostDeltaUsd => TargetMonthlyUsd - CurrentMonthlyUsd;

    public bool IsTerminal => Status is CampaignTargetStatus.Blocked or CampaignTargetStatus.Succeeded or CampaignTargetStatus.Failed
        or CampaignTargetStatus.Skipped or CampaignTargetStatus.Cancelled;

    private CampaignTarget()
    {
    }

    public static CampaignTarget Create(Guid campaignId, Guid environmentId, Guid teamId, EnvironmentTier tier, int wave, string fromVersion, decimal currentMonthlyUsd, DateTimeOffset now) =>
        new()
        {
            Id = Guid.CreateVersion7(now),
            CampaignId = campaignId,
            EnvironmentId = environmentId,
            TeamId = teamId,
            Tier = tier,
            Wave = wave,
            FromVersion = fromVersion,
            Status = CampaignTargetStatus.Pending,
            CurrentMonthlyUsd = currentMonthlyUsd,
            TargetMonthlyUsd = currentMonthlyUsd,
            UpdatedAt = now,
        };

    public void RecordPreview(string changesJson, string parameterNotesJson, int added, int modified, int removed, int replaced, decimal targetMonthlyUsd, DateTimeOffset now)
    {
        Expect(CampaignTargetStatus.Pending);
        ChangesJson = LifecycleJson.Checked(nameof(ChangesJson), changesJson, System.Text.Json.JsonValueKind.Array);
        ParameterNotesJson = LifecycleJson.Checked(nameof(ParameterNotesJson), parameterNotesJson, System.Text.Json.JsonValueKind.Array);
        (Added, Modified, Removed, Replaced) = (added, modified, removed, replaced);
        TargetMonthlyUsd = targetMonthlyUsd;
        Move(CampaignTargetStatus.Ready, null, now);
    }

    public void Block(string reason, string parameterNotesJson, DateTimeOffset now)
    {
        Expect(CampaignTargetStatus.Pending);
        ParameterNotesJson = LifecycleJson.Checked(nameof(ParameterNotesJson), parameterNotesJson, System.Text.Json.JsonValueKind.Array);
        Move(CampaignTargetStatus.Blocked, reason, now);
    }

    public void Queue(DateTimeOffset now)
    {
        Expect(CampaignTargetStatus.Ready);
        Move(CampaignTargetStatus.Queued, null, now);
    }

    /// <summary>The step claims the target before it requests the update: Submitted, without a request yet.</summary>
    public void Claim(DateTimeOffset now)
    {
        Expect(CampaignTargetStatus.Queued);
        Move(CampaignTargetStatus.Submitted, "The update is being requested.", now);
    }

    public void MarkSubmitted(Guid requestId, DateTimeOffset now)
    {
        if (Status != CampaignTargetStatus.Submitted || RequestId is not null)
        {
            Expect(CampaignTargetStatus.Queued);
        }

        RequestId = requestId;
        Move(CampaignTargetStatus.Submitted, null, now);
    }

    public void Finish(CampaignTargetStatus outcome, string? detail, DateTimeOffset now)
    {
        if (outcome is not (CampaignTargetStatus.Succeeded or CampaignTargetStatus.Failed or CampaignTargetStatus.Skipped or CampaignTargetStatus.Cancelled))
        {
            throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "An outcome is Succeeded, Failed, Skipped or Cancelled.");
        }

        if (IsTerminal)
        {
            throw new InvalidTransitionException(nameof(CampaignTarget), Id, Status.ToString(), outcome.ToString(), "it is already finished");
        }

        Move(outcome, detail, now);
    }

    private void Expect(CampaignTargetStatus status)
    {
        if (Status != status)
        {
            throw new InvalidTransitionException(nameof(CampaignTarget), Id, Status.ToString(), status.ToString(), $"expected {status}");
        }
    }

    private void Move(CampaignTargetStatus to, string? detail, DateTimeOffset now)
    {
        Status = to;
        Detail = detail is { Length: > 2000 } ? detail[..2000] : detail;
        UpdatedAt = now;
        Version++;
    }
}
