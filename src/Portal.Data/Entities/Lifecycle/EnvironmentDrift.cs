namespace Portal.Data.Entities.Lifecycle;

/// <summary>
/// Drift detection of one environment's stack: when it is next due (spread over the schedule's interval), the detection in
/// flight (CloudFormation's <c>StackDriftDetectionId</c>) and the last result, per resource, as JSON. One row per environment,
/// kept apart from <see cref="PortalEnvironment"/> so drift runs never collide with the lifecycle's optimistic concurrency.
/// </summary>
public sealed class EnvironmentDrift
{
    // CloudFormation's StackDriftStatus values.
    public const string NotChecked = "NOT_CHECKED";

    public const string InSync = "IN_SYNC";

    public const string Drifted = "DRIFTED";

    public const string Unknown = "UNKNOWN";

    public Guid EnvironmentId { get; private set; }

    /// <summary>The environment's account (copied, so the per-account cap is counted without a join).</summary>
    public string AccountId { get; private set; } = "";

    /// <summary>NOT_CHECKED, IN_SYNC, DRIFTED or UNKNOWN (CloudFormation's StackDriftStatus of the last completed detection).</summary>
    public string Status { get; private set; } = NotChecked;

    /// <summary>The detection in flight, if any.</summary>
    public string? DetectionId { get; private set; }

    public DateTimeOffset? DetectionStartedAt { get; private set; }

    /// <summary>When the last detection completed (or failed).</summary>
    public DateTimeOffset? CheckedAt { get; private set; }

    /// <summary>When the schedule next wants a detection.</summary>
    public DateTimeOffset NextDueAt { get; private set; }

    /// <summary>Set when someone asked for a detection now; cleared when it starts.</summary>
    public DateTimeOffset? RequestedAt { get; private set; }

    public int DriftedResourceCount { get; private set; }

    /// <summary>The resources of the last detection (<c>DescribeStackResourceDrifts</c>): a JSON array.</summary>
    public string ResourcesJson { get; private set; } = "[]";

    /// <summary>Why the last detection failed (CloudFormation's reason, or a throttled start), if it did.</summary>
    public string? FailureReason { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    private EnvironmentDrift()
    {
    }

    public static EnvironmentDrift For(Guid environmentId, string accountId, DateTimeOffset nextDueAt, DateTimeOffset now) => new()
    {
        EnvironmentId = environmentId,
        AccountId = accountId,
        NextDueAt = nextDueAt,
        UpdatedAt = now,
    };

    public bool InFlight => DetectionId is not null;

    /// <summary>Asks for a detection as soon as the per-account cap allows (idempotent while one is asked for or running).</summary>
    public void Request(DateTimeOffset now)
    {
        if (!InFlight)
        {
            RequestedAt ??= now;
            UpdatedAt = now;
        }
    }

    public void Started(string detectionId, DateTimeOffset now)
    {
        DetectionId = detectionId;
        DetectionStartedAt = now;
        RequestedAt = null;
        UpdatedAt = now;
    }

    /// <summary>The detection completed: its status, drifted count and resources; the next one is due at <paramref name="nextDueAt"/>.</summary>
    public void Completed(string status, int driftedResources, string resourcesJson, DateTimeOffset nextDueAt, DateTimeOffset now)
    {
        Status = status;
        DriftedResourceCount = driftedResources;
        ResourcesJson = resourcesJson;
        FailureReason = null;
        Finish(nextDueAt, now);
    }

    /// <summary>The detection failed (or could not start): the reason is kept, the status is UNKNOWN until the next one.</summary>
    public void Failed(string reason, DateTimeOffset nextDueAt, DateTimeOffset now)
    {
        Status = Unknown;
        FailureReason = reason.Length > 2000 ? reason[..2000] : reason;
        Finish(nextDueAt, now);
    }

    private void Finish(DateTimeOffset nextDueAt, DateTimeOffset now)
    {
        DetectionId = null;
        CheckedAt = now;
        NextDueAt = nextDueAt;
        UpdatedAt = now;
    }
}
