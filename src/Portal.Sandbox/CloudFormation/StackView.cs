using Portal.Sandbox.State;

namespace Portal.Sandbox.CloudFormation;

/// <summary>A stack's status, configuration, resources and events at a moment, derived from its persisted plan.</summary>
internal static class StackView
{
    public const string StackType = "AWS::CloudFormation::Stack";

    public static StackOperation? OperationAt(StackRecord stack, DateTimeOffset t)
    {
        for (var i = stack.Operations.Count - 1; i >= 0; i--)
        {
            if (stack.Operations[i].StartedAt <= t)
            {
                return stack.Operations[i];
            }
        }

        return stack.Operations.FirstOrDefault();
    }

    /// <summary>The latest stack-level event at or before <paramref name="t"/>.</summary>
    public static EventRecord StatusEvent(StackRecord stack, DateTimeOffset t)
    {
        for (var i = stack.Operations.Count - 1; i >= 0; i--)
        {
            var events = stack.Operations[i].StackEvents(stack.StackName, StackType);
            for (var j = events.Count - 1; j >= 0; j--)
            {
                if (events[j].Timestamp <= t)
                {
                    return events[j];
                }
            }
        }

        return stack.Operations[0].Events[0];
    }

    public static string Status(StackRecord stack, DateTimeOffset t) => StatusEvent(stack, t).ResourceStatus;

    public static bool IsDeleted(StackRecord stack, DateTimeOffset t) => Status(stack, t) == "DELETE_COMPLETE";

    public static bool IsInProgress(string status) => status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal);

    public static StackConfig ConfigAt(StackRecord stack, DateTimeOffset t)
    {
        var op = OperationAt(stack, t)!;
        return op.ConfigAfterRollback is not null && t >= op.EndsAt ? op.ConfigAfterRollback : op.Config;
    }

    public static DateTimeOffset? LastUpdatedTime(StackRecord stack, DateTimeOffset t) =>
        stack.Operations.LastOrDefault(o => o.Kind == OperationKind.Update && o.StartedAt <= t)?.StartedAt;

    public static DateTimeOffset? DeletionTime(StackRecord stack, DateTimeOffset t) =>
        stack.Operations.LastOrDefault(o => o.StartedAt <= t) is { Kind: OperationKind.Delete } op ? op.StartedAt
        : IsDeleted(stack, t) ? StatusEvent(stack, t).Timestamp
        : null;

    /// <summary>Every event at or before <paramref name="t"/>, newest first, with the operation that produced it.</summary>
    public static List<(StackOperation Operation, EventRecord Event)> EventsAt(StackRecord stack, DateTimeOffset t)
    {
        var result = new List<(StackOperation, EventRecord)>();
        foreach (var op in stack.Operations)
        {
            foreach (var e in op.Events)
            {
                if (e.Timestamp <= t)
                {
                    result.Add((op, e));
                }
            }
        }

        // Stable: events with equal timestamps keep plan order, then the whole list is reversed (newest first).
        return [.. result.Select((x, i) => (x, i)).OrderByDescending(p => p.x.Item2.Timestamp).ThenByDescending(p => p.i).Select(p => p.x)];
    }

    /// <summary>Live resources at <paramref name="t"/> (those not DELETE_COMPLETE), by logical id: their latest event.</summary>
    public static Dictionary<string, EventRecord> ResourcesAt(StackRecord stack, DateTimeOffset t)
    {
        var state = new Dictionary<string, EventRecord>(StringComparer.Ordinal);
        foreach (var op in stack.Operations)
        {
            if (op.StartedAt > t)
            {
                break;
            }

            foreach (var e in op.Events)
            {
                if (e.Timestamp > t)
                {
                    break;
                }

                if (e.Cleanup || e.ResourceType == StackType)
                {
                    continue;
                }

                if (e.ResourceStatus is "DELETE_COMPLETE")
                {
                    state.Remove(e.LogicalResourceId);
                }
                else
                {
                    // Keep the physical id once known (the first CREATE_IN_PROGRESS event has none).
                    var physical = e.PhysicalResourceId ?? (state.TryGetValue(e.LogicalResourceId, out var prior) ? prior.PhysicalResourceId : null);
                    state[e.LogicalResourceId] = e with { PhysicalResourceId = physical };
                }
            }
        }

        return state;
    }

    public static bool ShowsOutputs(string status) => status is "CREATE_COMPLETE" or "UPDATE_COMPLETE" or "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
        or "UPDATE_ROLLBACK_COMPLETE" or "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS" or "UPDATE_IN_PROGRESS" or "UPDATE_ROLLBACK_IN_PROGRESS"
        or "UPDATE_FAILED" or "DELETE_IN_PROGRESS" or "DELETE_FAILED";
}
