using System.Text.Json.Serialization;

namespace Portal.Data.Entities.Lifecycle;

/// <summary>What was done to an environment's stack outside the portal, as the stack watcher saw it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OutOfBandChange>))]
public enum OutOfBandChange
{
    /// <summary>The stack no longer exists (deleted by hand, in the console or the CLI).</summary>
    Deleted,

    /// <summary>The stack was updated, or is in a status, that no portal operation caused.</summary>
    Changed,
}

// Out-of-band changes (issue 17 part 1): the watcher compares the ListStacks summary of every live environment with what
// the portal left behind (its last stack status and last-updated time) and marks the environment when they differ.
public sealed partial class PortalEnvironment
{
    /// <summary>Set when the watcher saw the stack deleted or changed outside the portal; cleared when a platform engineer accepts a change.</summary>
    public OutOfBandChange? OutOfBand { get; private set; }

    public DateTimeOffset? OutOfBandAt { get; private set; }

    /// <summary>What the watcher saw, in words (status and last-updated time).</summary>
    public string? OutOfBandDetail { get; private set; }

    /// <summary>The stack's LastUpdatedTime when the portal's last operation on it finished: a later one was made by someone else.</summary>
    public DateTimeOffset? StackUpdatedAt { get; private set; }

    /// <summary>The LastUpdatedTime seen with an out-of-band change, taken as the new baseline when the change is accepted.</summary>
    public DateTimeOffset? OutOfBandStackUpdatedAt { get; private set; }

    /// <summary>The mark in words, as the environment page and lists show it.</summary>
    public string? OutOfBandLabel => OutOfBand switch
    {
        OutOfBandChange.Deleted => "Deleted outside Portal",
        OutOfBandChange.Changed => "Changed outside Portal",
        _ => null,
    };

    /// <summary>Whether the watcher compares this environment's stack with what the portal left: live, settled, not marked yet.</summary>
    public bool IsWatchedForOutOfBand => OutOfBand is null && StackId is not null && ActiveOperationId is null
        && Status is EnvironmentStatus.Ready or EnvironmentStatus.Stopped;

    /// <summary>Why a request of <paramref name="kind"/> on this environment is refused (409), or null when it may go ahead.</summary>
    public string? OutOfBandConflict(RequestKind kind) => (OutOfBand, kind) switch
    {
        (OutOfBandChange.Deleted, not RequestKind.Destroy) => $"Deleted outside Portal: {GoneFromAwsReason}",
        (OutOfBandChange.Changed, RequestKind.Update or RequestKind.ExtendTtl) => ChangedOutsideReason,
        _ => null,
    };

    /// <summary>Why a changed-outside environment is held, and what the user can do.</summary>
    public string ChangedOutsideReason =>
        $"Changed outside Portal: the CloudFormation stack {StackName} was changed outside the portal ({OutOfBandDetail}). "
        + "The portal will not change it until a platform engineer accepts the change on the environment page (Accept change), "
        + "which makes the stack as it is now the portal's baseline; destroying the environment is still possible.";

    /// <summary>Records the stack's last-updated time after a portal operation finished (the baseline for out-of-band updates).</summary>
    public void RecordStackBaseline(DateTimeOffset? lastUpdatedTime, DateTimeOffset now)
    {
        if (StackUpdatedAt != lastUpdatedTime)
        {
            StackUpdatedAt = lastUpdatedTime;
            Touch(now);
        }
    }

    /// <summary>
    /// What the watcher's summary of the stack says about this environment: <see cref="OutOfBandChange.Deleted"/> when the
    /// stack is gone, <see cref="OutOfBandChange.Changed"/> when its status or last-updated time is not what the portal left,
    /// null when it matches. <paramref name="stackStatus"/> is null when ListStacks no longer lists the stack.
    /// </summary>
    public OutOfBandChange? CompareWithStack(string? stackStatus, DateTimeOffset? lastUpdatedTime)
    {
        if (!IsWatchedForOutOfBand)
        {
            return null;
        }

        if (stackStatus is null or GoneStackStatus)
        {
            return OutOfBandChange.Deleted;
        }

        if (LastStackStatus is not null && stackStatus != LastStackStatus)
        {
            return OutOfBandChange.Changed;
        }

        return lastUpdatedTime is { } updated && (StackUpdatedAt is null || updated > StackUpdatedAt.Value) ? OutOfBandChange.Changed : null;
    }

    /// <summary>Whether the watcher should take the stack's settled status as the baseline (after an accepted change, or never recorded).</summary>
    public bool AdoptsStackStatus(string? stackStatus) =>
        IsWatchedForOutOfBand && LastStackStatus is null && stackStatus is not null and not GoneStackStatus && !stackStatus.EndsWith("_IN_PROGRESS", StringComparison.Ordinal);

    /// <summary>The stack was deleted outside the portal: marked, and failed as gone from AWS (destroying it then releases it).</summary>
    public StatusChange<EnvironmentStatus> MarkDeletedOutside(string detail, DateTimeOffset now)
    {
        var change = MarkGoneFromAws(now);
        OutOfBand = OutOfBandChange.Deleted;
        OutOfBandAt = now;
        OutOfBandDetail = Trim(detail);
        return change;
    }

    /// <summary>The stack was changed outside the portal: the environment keeps its status and is held until the change is accepted.</summary>
    public void MarkChangedOutside(string stackStatus, DateTimeOffset? lastUpdatedTime, string detail, DateTimeOffset now)
    {
        if (!IsWatchedForOutOfBand)
        {
            throw Invalid(Status, "only a settled, unmarked environment can be marked changed outside the portal");
        }

        OutOfBand = OutOfBandChange.Changed;
        OutOfBandAt = now;
        OutOfBandDetail = Trim(detail);
        OutOfBandStackUpdatedAt = lastUpdatedTime;
        LastStackStatus = stackStatus;
        Touch(now);
    }

    /// <summary>A platform engineer accepts an out-of-band change: the stack as it is now becomes the portal's baseline.</summary>
    public void AcceptOutOfBandChange(DateTimeOffset now)
    {
        if (OutOfBand != OutOfBandChange.Changed)
        {
            throw Invalid(Status, OutOfBand == OutOfBandChange.Deleted ? "a deleted stack cannot be accepted; destroy the environment" : "nothing was changed outside the portal");
        }

        StackUpdatedAt = OutOfBandStackUpdatedAt ?? StackUpdatedAt;

        // The stack may still be settling (UPDATE_IN_PROGRESS when it was seen): the watcher adopts its next settled status.
        LastStackStatus = null;
        OutOfBand = null;
        OutOfBandAt = null;
        OutOfBandDetail = null;
        OutOfBandStackUpdatedAt = null;
        Touch(now);
    }

    private static string Trim(string detail) => detail.Length > 1000 ? detail[..1000] : detail;
}
