namespace Portal.Data.Entities.Lifecycle;

/// <summary>One CloudFormation stack event of an environment, copied by the stack watcher so pages never call AWS.</summary>
public sealed class StackEventRecord
{
    public Guid Id { get; private set; }

    public Guid EnvironmentId { get; private set; }

    /// <summary>CloudFormation's EventId; unique per environment, so a re-read event is not stored twice.</summary>
    public string EventId { get; private set; } = "";

    public DateTimeOffset Timestamp { get; private set; }

    public string LogicalResourceId { get; private set; } = "";

    public string? PhysicalResourceId { get; private set; }

    public string ResourceType { get; private set; } = "";

    public string ResourceStatus { get; private set; } = "";

    public string? ResourceStatusReason { get; private set; }

    private StackEventRecord()
    {
    }

    public static StackEventRecord From(
        Guid environmentId, string eventId, DateTimeOffset timestamp, string logicalResourceId, string? physicalResourceId, string resourceType, string resourceStatus, string? reason) =>
        new()
        {
            Id = Guid.CreateVersion7(timestamp),
            EnvironmentId = environmentId,
            EventId = Truncate(eventId, 200)!,
            Timestamp = timestamp,
            LogicalResourceId = Truncate(logicalResourceId, 256)!,
            PhysicalResourceId = Truncate(physicalResourceId, 2048),
            ResourceType = Truncate(resourceType, 256)!,
            ResourceStatus = Truncate(resourceStatus, 64)!,
            ResourceStatusReason = Truncate(reason, 2000),
        };

    /// <summary>Whether the event is a failure (CREATE_FAILED, UPDATE_FAILED, ...).</summary>
    public bool IsFailure => ResourceStatus.EndsWith("_FAILED", StringComparison.Ordinal);

    private static string? Truncate(string? value, int max) => value is { Length: > 0 } v && v.Length > max ? v[..max] : value;
}
