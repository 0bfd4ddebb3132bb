namespace Portal.Data.Entities.Lifecycle;

/// <summary>
/// A state transition the entity does not allow (including deciding an already-decided request). The API maps it to 409 Conflict.
/// </summary>
public sealed class InvalidTransitionException(string entityType, Guid entityId, string from, string to, string? detail = null)
    : Exception($"{entityType} {entityId} cannot move from {from} to {to}{(detail is null ? "." : $": {detail}")}")
{
    public string EntityType { get; } = entityType;

    public Guid EntityId { get; } = entityId;

    public string From { get; } = from;

    public string To { get; } = to;
}

/// <summary>The caller may not make this decision (own request, missing role, same approver twice). The API maps it to 403 Forbidden.</summary>
public sealed class DecisionForbiddenException(string message) : Exception(message);

/// <summary>A status change, returned by every transition so the caller can audit it: <c>db.Audit(now, actor, "environment.ready", ..., change)</c>.</summary>
public sealed record StatusChange<TStatus>(TStatus From, TStatus To)
    where TStatus : struct, Enum
{
    public bool Changed => !EqualityComparer<TStatus>.Default.Equals(From, To);
}

/// <summary>Who is deciding on a request; the caller resolves the role from the user's claims or the database.</summary>
public sealed record Decider(Guid UserId, string Name, bool IsPlatformEngineer);

/// <summary>The approval policy's ruling on a request: the outcome, how many distinct platform engineers must approve, and why in words.</summary>
public sealed record PolicyRuling(PolicyOutcome Outcome, int ApprovalsRequired, string Reason)
{
    public static PolicyRuling AutoApproved(string reason) => new(PolicyOutcome.AutoApproved, 0, reason);

    public static PolicyRuling NeedsApproval(int approvals, string reason) =>
        approvals is 1 or 2 ? new(PolicyOutcome.NeedsApproval, approvals, reason) : throw new ArgumentOutOfRangeException(nameof(approvals), approvals, "One or two approvals.");

    public static PolicyRuling Rejected(string reason) => new(PolicyOutcome.Rejected, 0, reason);
}
