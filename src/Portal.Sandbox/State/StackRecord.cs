using System.Text.Json.Nodes;

namespace Portal.Sandbox.State;

// The persisted state of one stack. Everything time-dependent is stored as a plan: each operation's events carry
// their (possibly future) timestamps, and what a caller sees at time t is derived from the events at or before t.

/// <summary>One stack: identity, the operations run on it (in order) and its change sets.</summary>
internal sealed class StackRecord
{
    public required string StackId { get; init; }

    public required string StackName { get; init; }

    public required string Region { get; init; }

    public required string AccountId { get; init; }

    public required DateTimeOffset CreationTime { get; init; }

    /// <summary>Bumped per replacement so new physical ids differ from the old ones, deterministically.</summary>
    public int Generation { get; set; }

    public List<StackOperation> Operations { get; init; } = [];

    public List<ChangeSetRecord> ChangeSets { get; init; } = [];

    public List<DriftDetectionRecord> DriftDetections { get; init; } = [];
}

internal static class OperationKind
{
    public const string Review = "REVIEW";
    public const string Create = "CREATE";
    public const string Update = "UPDATE";
    public const string Delete = "DELETE";
}

/// <summary>An operation and its plan: the configuration it leads to and every event it produces, with timestamps.</summary>
internal sealed class StackOperation
{
    public required string OperationId { get; init; }

    /// <summary><see cref="OperationKind"/>.</summary>
    public required string Kind { get; init; }

    public string? ClientRequestToken { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset EndsAt { get; init; }

    /// <summary>The stack's configuration once the operation starts.</summary>
    public required StackConfig Config { get; init; }

    /// <summary>When the operation fails and rolls back, the configuration after <see cref="EndsAt"/> (the previous one); null otherwise.</summary>
    public StackConfig? ConfigAfterRollback { get; init; }

    public string? ChangeSetId { get; init; }

    /// <summary>Events in time order (stack-level and resource-level).</summary>
    public required List<EventRecord> Events { get; init; }

    // The stack's own events, derived from Events and rebuilt when Events grows or shrinks (a cancelled plan): status
    // lookups then touch a handful of records per stack, not every resource event (1,000 stacks in flight, ADR 0007).
    private StackEventsSnapshot? _stackEvents;

    /// <summary>The stack-level events of this operation, in time order.</summary>
    public List<EventRecord> StackEvents(string stackName, string stackType)
    {
        var cached = Volatile.Read(ref _stackEvents);
        if (cached is null || cached.Count != Events.Count)
        {
            cached = new StackEventsSnapshot(Events.Count, [.. Events.Where(e => e.ResourceType == stackType && e.LogicalResourceId == stackName)]);
            Volatile.Write(ref _stackEvents, cached);
        }

        return cached.Events;
    }

    private sealed record StackEventsSnapshot(int Count, List<EventRecord> Events);
}

/// <summary>A stack event. <see cref="Cleanup"/> marks events about a replaced physical resource, which do not change the logical resource's state.</summary>
internal sealed record EventRecord(
    string EventId,
    DateTimeOffset Timestamp,
    string LogicalResourceId,
    string? PhysicalResourceId,
    string ResourceType,
    string ResourceStatus,
    string? ResourceStatusReason,
    bool Cleanup = false);

/// <summary>What a stack is: template, parameters, tags and the resources it holds once the operation succeeds.</summary>
internal sealed record StackConfig
{
    public required string TemplateBody { get; init; }

    public string? Description { get; init; }

    public Dictionary<string, string> Parameters { get; init; } = [];

    /// <summary>Parameter names whose template declares NoEcho (shown as ****).</summary>
    public List<string> NoEchoParameters { get; init; } = [];

    public List<TagRecord> Tags { get; init; } = [];

    public List<string> Capabilities { get; init; } = [];

    public List<string> NotificationArns { get; init; } = [];

    public bool DisableRollback { get; init; }

    public int? TimeoutInMinutes { get; init; }

    public string? RoleArn { get; init; }

    public bool EnableTerminationProtection { get; init; }

    /// <summary>Resolved resources by logical id.</summary>
    public Dictionary<string, ResourceRecord> Resources { get; init; } = [];

    /// <summary>Logical ids in creation order (deletion runs in reverse).</summary>
    public List<string> CreationOrder { get; init; } = [];

    /// <summary>Dependencies per logical id (after conditions).</summary>
    public Dictionary<string, List<string>> Dependencies { get; init; } = [];

    public List<OutputRecord> Outputs { get; init; } = [];

    /// <summary>Monthly usage assumptions for billing (template Metadata <c>Portal::Usage</c> or the <c>portal:usage</c> tag).</summary>
    public Dictionary<string, decimal> Usage { get; init; } = [];
}

internal sealed record TagRecord(string Key, string Value);

internal sealed record OutputRecord(string OutputKey, string OutputValue, string? Description, string? ExportName);

/// <summary>A resource as created: physical id, resolved properties and generated attributes.</summary>
internal sealed record ResourceRecord
{
    public required string LogicalId { get; init; }

    public required string Type { get; init; }

    public required string PhysicalId { get; init; }

    public JsonObject Properties { get; init; } = [];

    public Dictionary<string, string> Attributes { get; init; } = [];

    public string? DeletionPolicy { get; init; }
}

internal sealed class ChangeSetRecord
{
    public required string ChangeSetId { get; init; }

    public required string ChangeSetName { get; init; }

    /// <summary>CREATE or UPDATE.</summary>
    public required string ChangeSetType { get; init; }

    public required DateTimeOffset CreationTime { get; init; }

    /// <summary>When the change set's status turns CREATE_COMPLETE (or FAILED).</summary>
    public required DateTimeOffset ReadyAt { get; init; }

    public string? Description { get; init; }

    public string? ClientToken { get; init; }

    public required StackConfig Config { get; init; }

    /// <summary>The generation its new physical ids were made with.</summary>
    public int Generation { get; init; }

    public string? OnStackFailure { get; init; }

    public List<ChangeRecord> Changes { get; init; } = [];

    /// <summary>Resources whose properties the schemas reject: they fail when the change set runs.</summary>
    public Dictionary<string, string> ValidationFailures { get; init; } = [];

    /// <summary>Set when the change set cannot be executed (no changes, or a template error found while creating it).</summary>
    public string? FailureReason { get; init; }

    public DateTimeOffset? ExecutedAt { get; set; }

    public string? ExecutedOperationId { get; set; }

    /// <summary>Set when another change set of the stack runs or the stack changes: no longer executable.</summary>
    public bool Obsolete { get; set; }
}

internal sealed record ChangeRecord(
    string Action,
    string LogicalResourceId,
    string? PhysicalResourceId,
    string ResourceType,
    string? Replacement,
    List<string> Scope,
    List<ChangeDetailRecord> Details);

internal sealed record ChangeDetailRecord(
    string Attribute,
    string? Name,
    string? RequiresRecreation,
    string Evaluation,
    string ChangeSource,
    string? CausingEntity);

internal sealed record DriftDetectionRecord(string DetectionId, DateTimeOffset StartedAt, DateTimeOffset CompletesAt);
