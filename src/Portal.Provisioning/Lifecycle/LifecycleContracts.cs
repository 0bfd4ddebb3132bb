using Portal.Data.Entities.Lifecycle;

namespace Portal.Provisioning.Lifecycle;

/// <summary>Who acts on requests and environments: the signed-in user (or a token's owner) as the host resolved them.</summary>
/// <param name="UserId">The user's id (<see cref="Guid.Empty"/> for the portal itself).</param>
/// <param name="Name">Email or display name, for audit and reasons.</param>
/// <param name="IsPlatformEngineer">Holds the PlatformEngineer role: may decide and sees every team.</param>
/// <param name="SeesAllTeams">Platform engineers, finance and admins read every team's requests and environments.</param>
/// <param name="TeamIds">Teams the user belongs to.</param>
public sealed record LifecycleActor(Guid UserId, string Name, bool IsPlatformEngineer, bool SeesAllTeams, IReadOnlySet<Guid> TeamIds)
{
    /// <summary>The portal acting on its own (expiry, schedule, reconciler).</summary>
    public static LifecycleActor Portal { get; } = new(Guid.Empty, "portal", false, true, new HashSet<Guid>());

    public bool IsMemberOf(Guid teamId) => TeamIds.Contains(teamId);

    public bool CanSee(Guid teamId) => SeesAllTeams || TeamIds.Contains(teamId);
}

/// <summary>
/// A new request, as the API and the request form send it. <see cref="Kind"/> is <c>create</c>, <c>update</c>, <c>destroy</c>
/// or <c>extend</c>; a create names template, tier, region (default: the configured default region), team (slug) and name;
/// the others name <see cref="EnvironmentId"/>. <see cref="TtlHours"/> defaults to the tier's default TTL; for an extension
/// it is the new lifetime from now. <see cref="Parameters"/> are the requester's values (for an update: the values to change).
/// </summary>
public sealed record SubmitRequest(
    string? Kind,
    string? Template = null,
    string? Tier = null,
    string? Region = null,
    string? Team = null,
    string? Name = null,
    IReadOnlyDictionary<string, string>? Parameters = null,
    int? TtlHours = null,
    string? Justification = null,
    Guid? EnvironmentId = null,
    bool? OffHoursSchedule = null);

/// <summary>Where a request stands after a submit or a decision.</summary>
public sealed record RequestOutcome(Guid Id, RequestKind Kind, RequestStatus Status, PolicyOutcome Outcome, string Reason, Guid? EnvironmentId, int Approvals, int ApprovalsRequired);

/// <summary>The request or environment does not exist, or the actor may not see it (never reveal which). The API answers 404.</summary>
public sealed class LifecycleNotFoundException(string what, Guid id) : Exception($"There is no {what} {id}.")
{
    public string What { get; } = what;

    public Guid Id { get; } = id;
}

/// <summary>Someone else changed the request or environment first (optimistic concurrency), or it is busy. The API answers 409.</summary>
public sealed class LifecycleConflictException(string message, OutOfBandChange? outOfBand = null) : Exception(message)
{
    /// <summary>Set when the conflict is the environment's out-of-band mark (deleted or changed outside the portal).</summary>
    public OutOfBandChange? OutOfBand { get; } = outOfBand;
}

/// <summary>
/// What changed, for live pages: a request or an environment of a team (its row or its drift result), a user's notifications
/// (<see cref="Id"/> the user's), or an upgrade campaign (<see cref="Id"/> the campaign's; a target's change also names its
/// team and environment).
/// </summary>
public sealed record LifecycleChange(LifecycleChangeKind Kind, Guid Id, Guid TeamId, Guid? EnvironmentId);

public enum LifecycleChangeKind
{
    Request,
    Environment,
    StackEvents,
    Notification,

    /// <summary>An upgrade campaign or its targets changed (<see cref="LifecycleChange.Id"/> is the campaign's id).</summary>
    Campaign,
}
