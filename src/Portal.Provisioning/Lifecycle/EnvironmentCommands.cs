namespace Portal.Provisioning.Lifecycle;

/// <summary>Day-2 actions on an environment that need no approval: the off-hours schedule, retrying a failed step, previewing an update.</summary>
public sealed class EnvironmentCommands
{
    /// <summary>Turns the dev off-hours stop/start on or off (owner, team member or platform engineer).</summary>
    public Task SetOffHoursScheduleAsync(LifecycleActor actor, Guid environmentId, bool enabled, CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    /// <summary>Retries the step that failed (a failed create provisions again; a failed update or schedule change is re-applied).</summary>
    public Task RetryAsync(LifecycleActor actor, Guid environmentId, CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    /// <summary>What an update with these requester values would change (CloudFormation change set) and cost.</summary>
    public Task<UpdatePreview> PreviewUpdateAsync(LifecycleActor actor, Guid environmentId, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}

/// <summary>An update's effect: the monthly estimate before and after, and CloudFormation's resource changes.</summary>
public sealed record UpdatePreview(decimal CurrentMonthlyUsd, decimal NewMonthlyUsd, IReadOnlyList<ResourceChangeRow> Changes);

/// <summary>One resource change of a change set: Add, Modify, Remove, with whether it replaces the resource (True, False, Conditional).</summary>
public sealed record ResourceChangeRow(string Action, string LogicalResourceId, string ResourceType, string? Replacement);
