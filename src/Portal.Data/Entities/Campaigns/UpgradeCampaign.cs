using Portal.Data.Entities.Lifecycle;

namespace Portal.Data.Entities.Campaigns;

public enum CampaignStatus
{
    /// <summary>Change sets are being prepared for the preview.</summary>
    Preparing,

    /// <summary>The preview is complete; nothing has been requested yet.</summary>
    Ready,

    Running,

    Paused,

    Completed,

    Cancelled,
}

/// <summary>
/// An upgrade of many environments of one template to a target version, rolled out in waves (dev, then staging, then prod,
/// <see cref="WaveSize"/> environments a wave). Each environment's upgrade is a normal update request; the campaign pauses by
/// itself when more than <see cref="MaxFailures"/> upgrades fail since it was last started or resumed.
/// </summary>
public sealed class UpgradeCampaign
{
    public const string AuditTargetType = "campaign";
    public const int MaxNameLength = 100;

    public Guid Id { get; private set; }

    public string Name { get; private set; } = "";

    public string TemplateSlug { get; private set; } = "";

    public string TargetVersion { get; private set; } = "";

    public string TargetContentHash { get; private set; } = "";

    /// <summary>The tiers chosen, comma-separated slugs (empty: every tier).</summary>
    public string Tiers { get; private set; } = "";

    /// <summary>The teams chosen, comma-separated slugs (empty: every team).</summary>
    public string Teams { get; private set; } = "";

    public int WaveSize { get; private set; }

    /// <summary>Failures tolerated before the campaign pauses itself (0: the first failure pauses it).</summary>
    public int MaxFailures { get; private set; }

    /// <summary>Failures already seen when the campaign was last resumed; only newer ones count towards <see cref="MaxFailures"/>.</summary>
    public int AcknowledgedFailures { get; private set; }

    public CampaignStatus Status { get; private set; }

    public string? PauseReason { get; private set; }

    public Guid CreatedById { get; private set; }

    public string CreatedByName { get; private set; } = "";

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public DateTimeOffset? FinishedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>Optimistic concurrency token.</summary>
    public int Version { get; private set; }

    private UpgradeCampaign()
    {
    }

    public static UpgradeCampaign Create(
        string name, string templateSlug, string targetVersion, string targetContentHash, IEnumerable<EnvironmentTier> tiers, IEnumerable<string> teams,
        int waveSize, int maxFailures, Guid createdById, string createdByName, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string>();
        name = name?.Trim() ?? "";
        if (name.Length is 0 or > MaxNameLength)
        {
            errors["name"] = $"Name the campaign (1 to {MaxNameLength} characters).";
        }

        if (waveSize is < 1 or > 100)
        {
            errors["waveSize"] = "Wave size must be between 1 and 100 environments.";
        }

        if (maxFailures is < 0 or > 1000)
        {
            errors["maxFailures"] = "Failures tolerated must be between 0 and 1000.";
        }

        if (errors.Count > 0)
        {
            throw new DomainValidationException(errors);
        }

        return new UpgradeCampaign
        {
            Id = Guid.CreateVersion7(now),
            Name = name,
            TemplateSlug = templateSlug,
            TargetVersion = targetVersion,
            TargetContentHash = targetContentHash,
            Tiers = string.Join(",", tiers.Distinct().Order().Select(t => t.Slug())),
            Teams = string.Join(",", teams.Distinct().Order(StringComparer.Ordinal)),
            WaveSize = waveSize,
            MaxFailures = maxFailures,
            Status = CampaignStatus.Preparing,
            CreatedById = createdById,
            CreatedByName = createdByName,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    public bool IsFinished => Status is CampaignStatus.Completed or CampaignStatus.Cancelled;

    public void MarkPrepared(DateTimeOffset now)
    {
        Require(Status == CampaignStatus.Preparing, "its preview is already prepared");
        Move(CampaignStatus.Ready, now);
    }

    public void Start(DateTimeOffset now)
    {
        Require(Status == CampaignStatus.Ready, Status == CampaignStatus.Preparing ? "its preview is still being prepared" : $"it is {Status}");
        StartedAt = now;
        PauseReason = null;
        Move(CampaignStatus.Running, now);
    }

    public void Pause(string reason, DateTimeOffset now)
    {
        Require(Status == CampaignStatus.Running, $"it is {Status}, not running");
        PauseReason = string.IsNullOrWhiteSpace(reason) ? "Paused." : reason.Length > 1000 ? reason[..1000] : reason;
        Move(CampaignStatus.Paused, now);
    }

    /// <summary>Resumes a paused campaign; the failures seen so far are acknowledged and no longer count.</summary>
    public void Resume(int failuresSoFar, DateTimeOffset now)
    {
        Require(Status == CampaignStatus.Paused, $"it is {Status}, not paused");
        AcknowledgedFailures = Math.Max(AcknowledgedFailures, failuresSoFar);
        PauseReason = null;
        Move(CampaignStatus.Running, now);
    }

    /// <summary>Whether <paramref name="failures"/> (all so far) exceed what the campaign tolerates since it was last resumed.</summary>
    public bool ShouldPause(int failures) => failures - AcknowledgedFailures > MaxFailures;

    public void Cancel(DateTimeOffset now)
    {
        Require(!IsFinished, $"it is already {Status}");
        FinishedAt = now;
        Move(CampaignStatus.Cancelled, now);
    }

    public void Complete(DateTimeOffset now)
    {
        Require(Status == CampaignStatus.Running, $"it is {Status}, not running");
        FinishedAt = now;
        Move(CampaignStatus.Completed, now);
    }

    private void Move(CampaignStatus to, DateTimeOffset now)
    {
        Status = to;
        UpdatedAt = now;
        Version++;
    }

    private void Require(bool condition, string why)
    {
        if (!condition)
        {
            throw new InvalidTransitionException(nameof(UpgradeCampaign), Id, Status.ToString(), Status.ToString(), why);
        }
    }
}
