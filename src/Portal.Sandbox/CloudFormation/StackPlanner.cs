using System.Globalization;
using System.Text.Json.Nodes;
using Portal.Provisioning.Templates;
using Portal.Sandbox.State;

namespace Portal.Sandbox.CloudFormation;

/// <summary>
/// Plans an operation when it starts: every resource's start and finish (dependency order, independent resources in
/// parallel, per-type durations divided by <c>Sandbox:Speed</c>), its outcome (faults decide failures) and every event
/// with its timestamp. Nothing runs afterwards: what callers see is derived from the plan and the clock.
/// </summary>
internal sealed class StackPlanner(double speed, ISandboxFaults faults, IReadOnlyDictionary<string, string>? validationFailures = null)
{
    public const string UserInitiated = "User Initiated";
    public const string CreationInitiated = "Resource creation Initiated";

    /// <summary>Resolves every resource in creation order against the ones before it, giving physical ids and attributes.</summary>
    public static Dictionary<string, ResourceRecord> Materialize(
        StackRecord stack, ResolvedTemplate resolved, StackConfig? previous, int generation, out Dictionary<string, string?> replacements)
    {
        var values = new Dictionary<string, ResourceRecord>(StringComparer.Ordinal);
        replacements = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var id in resolved.Graph.CreationOrder)
        {
            var resource = resolved.Resources[id];
            JsonObject properties;
            try
            {
                properties = resolved.ResolveResourceProperties(id, new RecordValues(values, stack));
            }
            catch (TemplateResolveException)
            {
                properties = resource.Properties.DeepClone().AsObject();
            }

            if (previous?.Resources.TryGetValue(id, out var old) == true && old.Type == resource.Type)
            {
                if (JsonNode.DeepEquals(old.Properties, properties))
                {
                    values[id] = old with { DeletionPolicy = resource.DeletionPolicy };
                    continue;
                }

                var replacement = ChangeSets.Replacement(resource.Type, old.Properties, properties);
                if (replacement != "True")
                {
                    values[id] = old with { Properties = properties, DeletionPolicy = resource.DeletionPolicy };
                    replacements[id] = null;
                    continue;
                }

                replacements[id] = old.PhysicalId;
            }

            values[id] = PhysicalResources.Materialize(stack, id, resource.Type, properties, resource.DeletionPolicy, generation);
        }

        return values;
    }

    public static List<OutputRecord> Outputs(StackRecord stack, ResolvedTemplate resolved, Dictionary<string, ResourceRecord> values)
    {
        var outputs = new List<OutputRecord>();
        var resourceValues = new RecordValues(values, stack);
        foreach (var (name, output) in resolved.Outputs)
        {
            string value;
            try
            {
                value = Text(resolved.ResolveOutputValue(name, resourceValues));
            }
            catch (TemplateResolveException)
            {
                value = "";
            }

            outputs.Add(new OutputRecord(name, value, output.Description, output.ExportName is JsonValue export ? export.ToString() : null));
        }

        return outputs;
    }

    public static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonArray array => string.Join(",", array.Select(Text)),
        JsonValue value => value.ToString(),
        _ => node.ToJsonString(),
    };

    public StackOperation PlanCreate(StackRecord stack, StackConfig config, string? token, DateTimeOffset start, string onFailure, string? changeSetId)
    {
        var op = new Builder(stack, start, speed);
        op.StackEvent(start, "CREATE_IN_PROGRESS", UserInitiated);
        // TimeoutInMinutes is AWS time, so it shrinks with Speed like every duration.
        DateTimeOffset? deadline = config.TimeoutInMinutes is int minutes ? start + (TimeSpan.FromMinutes(minutes) / speed) : null;
        var schedule = ScheduleForward(stack, config, config.CreationOrder.ToDictionary(id => id, _ => "Add"), null, start, op, deadline);
        if (schedule.FailedAt is null)
        {
            op.StackEvent(schedule.End + op.Step(), "CREATE_COMPLETE", null);
            return op.Build(OperationKind.Create, token, config, null, changeSetId);
        }

        var failedAt = schedule.FailedAt.Value;
        var reason = $"The following resource(s) failed to create: [{string.Join(", ", schedule.Failed.Order(StringComparer.Ordinal))}]. "
            + (schedule.TimedOut ? "Stack creation time exceeded the specified timeout. " : "");
        if (onFailure == "DO_NOTHING" || config.DisableRollback)
        {
            op.StackEvent(failedAt + op.Step(), "CREATE_FAILED", reason);
            return op.Build(OperationKind.Create, token, config, null, changeSetId);
        }

        var deleting = onFailure == "DELETE";
        var rollbackStart = failedAt + op.Step();
        op.StackEvent(rollbackStart, deleting ? "DELETE_IN_PROGRESS" : "ROLLBACK_IN_PROGRESS", reason + (deleting ? "Delete requested by user." : "Rollback requested by user."));
        var started = schedule.Started.Select(id => config.Resources[id]).ToList();
        var end = ScheduleDeletes(started, config, rollbackStart + op.Step(), op, cleanup: false, honourRetain: false);
        op.StackEvent(end + op.Step(), deleting ? "DELETE_COMPLETE" : "ROLLBACK_COMPLETE", null);
        return op.Build(OperationKind.Create, token, config, null, changeSetId);
    }

    public StackOperation PlanUpdate(
        StackRecord stack, StackConfig previous, StackConfig next, Dictionary<string, string?> replacements, string? token, DateTimeOffset start, string? changeSetId)
    {
        var op = new Builder(stack, start, speed);
        op.StackEvent(start, "UPDATE_IN_PROGRESS", UserInitiated);
        var actions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in next.CreationOrder)
        {
            if (!previous.Resources.ContainsKey(id))
            {
                actions[id] = "Add";
            }
            else if (replacements.TryGetValue(id, out var oldPhysical))
            {
                actions[id] = oldPhysical is null ? "Modify" : "Replace";
            }
        }

        var schedule = ScheduleForward(stack, next, actions, previous, start, op);
        var removed = previous.CreationOrder.Where(id => !next.Resources.ContainsKey(id)).Select(id => previous.Resources[id]).ToList();
        var replacedOld = replacements.Where(r => r.Value is not null).Select(r => previous.Resources[r.Key]).ToList();

        if (schedule.FailedAt is null)
        {
            var cleanupStart = schedule.End + op.Step();
            op.StackEvent(cleanupStart, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", null);
            var end = ScheduleDeletes(removed, previous, cleanupStart + op.Step(), op, cleanup: false, honourRetain: true);
            end = Max(end, ScheduleDeletes(replacedOld, previous, cleanupStart + op.Step(), op, cleanup: true, honourRetain: true));
            op.StackEvent(end + op.Step(), "UPDATE_COMPLETE", null);
            return op.Build(OperationKind.Update, token, next, null, changeSetId);
        }

        var failedAt = schedule.FailedAt.Value;
        var reason = $"The following resource(s) failed to update: [{string.Join(", ", schedule.Failed.Order(StringComparer.Ordinal))}]. ";
        if (next.DisableRollback)
        {
            op.StackEvent(failedAt + op.Step(), "UPDATE_FAILED", reason);
            return op.Build(OperationKind.Update, token, next, null, changeSetId);
        }

        var rollbackStart = failedAt + op.Step();
        op.StackEvent(rollbackStart, "UPDATE_ROLLBACK_IN_PROGRESS", reason);
        var rollbackEnd = rollbackStart;
        foreach (var id in schedule.Started.Where(id => actions[id] is "Modify" or "Replace"))
        {
            var old = previous.Resources[id];
            var s = rollbackStart + op.Step();
            var f = s + ResourceBehaviour.UpdateDuration(old.Type, speed, op.Random);
            op.ResourceEvent(s, old, "UPDATE_IN_PROGRESS", null);
            op.ResourceEvent(f, old, "UPDATE_COMPLETE", null);
            rollbackEnd = Max(rollbackEnd, f);
        }

        var cleanup = rollbackEnd + op.Step();
        op.StackEvent(cleanup, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", null);
        var added = schedule.Started.Where(id => actions[id] == "Add").Select(id => next.Resources[id]).ToList();
        var replacedNew = schedule.Started.Where(id => actions[id] == "Replace").Select(id => next.Resources[id]).ToList();
        var finish = ScheduleDeletes(added, next, cleanup + op.Step(), op, cleanup: false, honourRetain: false);
        finish = Max(finish, ScheduleDeletes(replacedNew, next, cleanup + op.Step(), op, cleanup: true, honourRetain: false));
        op.StackEvent(finish + op.Step(), "UPDATE_ROLLBACK_COMPLETE", null);
        return op.Build(OperationKind.Update, token, next, previous, changeSetId);
    }

    public StackOperation PlanDelete(StackRecord stack, StackConfig config, IReadOnlyCollection<string> live, IReadOnlySet<string> retain, string? token, DateTimeOffset start)
    {
        var op = new Builder(stack, start, speed);
        op.StackEvent(start, "DELETE_IN_PROGRESS", UserInitiated);
        var resources = config.CreationOrder.Where(live.Contains).Select(id => config.Resources[id]).ToList();
        var end = ScheduleDeletes(resources, config, start + op.Step(), op, cleanup: false, honourRetain: true, retain);
        op.StackEvent(end + op.Step(), "DELETE_COMPLETE", null);
        return op.Build(OperationKind.Delete, token, config, null, null);
    }

    /// <summary>A stack created by a change set of type CREATE waits in REVIEW_IN_PROGRESS.</summary>
    public static StackOperation PlanReview(StackRecord stack, StackConfig config, DateTimeOffset start, double speed)
    {
        var op = new Builder(stack, start, speed);
        op.StackEvent(start, "REVIEW_IN_PROGRESS", UserInitiated);
        return op.Build(OperationKind.Review, null, config, null, null);
    }

    private Schedule ScheduleForward(
        StackRecord stack, StackConfig config, Dictionary<string, string> actions, StackConfig? previous, DateTimeOffset start, Builder op, DateTimeOffset? deadline = null)
    {
        var planned = new List<(string Id, DateTimeOffset Start, DateTimeOffset Finish, string? Failure)>();
        var finish = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var id in config.CreationOrder)
        {
            if (!actions.TryGetValue(id, out var action))
            {
                finish[id] = start;
                continue;
            }

            var resource = config.Resources[id];
            var s = start + op.Step();
            foreach (var dependency in config.Dependencies.GetValueOrDefault(id) ?? [])
            {
                if (finish.TryGetValue(dependency, out var f) && f > s)
                {
                    s = f + op.Step();
                }
            }

            var duration = action == "Modify"
                ? ResourceBehaviour.UpdateDuration(resource.Type, speed, op.Random)
                : ResourceBehaviour.CreateDuration(resource.Type, speed, op.Random);
            var failure = validationFailures?.GetValueOrDefault(id) ?? faults.FailureFor(id, resource.Type);
            var end = failure is null ? s + duration : s + (duration * 0.3);
            finish[id] = end;
            planned.Add((id, s, end, failure));
        }

        var failedAt = planned.Where(p => p.Failure is not null).Select(p => (DateTimeOffset?)p.Finish).Min();
        var timedOut = deadline is { } limit && planned.Count > 0 && (failedAt ?? planned.Max(p => p.Finish)) > limit;
        if (timedOut)
        {
            failedAt = deadline;
        }

        var result = new Schedule { FailedAt = failedAt, End = start, TimedOut = timedOut };
        foreach (var (id, s, f, failure) in planned.OrderBy(p => p.Start))
        {
            if (failedAt is not null && s >= failedAt)
            {
                continue;
            }

            var resource = config.Resources[id];
            var action = actions[id];
            result.Started.Add(id);
            var verb = action == "Add" ? "CREATE" : "UPDATE";
            if (action == "Add")
            {
                op.ResourceEvent(s, resource with { PhysicalId = "" }, "CREATE_IN_PROGRESS", null);
                op.ResourceEvent(s + op.Step(f - s), resource, "CREATE_IN_PROGRESS", CreationInitiated);
            }
            else if (action == "Replace")
            {
                op.ResourceEvent(s, previous!.Resources[id], "UPDATE_IN_PROGRESS", "Requested update requires the creation of a new physical resource; hence creating one.");
                op.ResourceEvent(s + op.Step(f - s), resource, "UPDATE_IN_PROGRESS", CreationInitiated);
            }
            else
            {
                op.ResourceEvent(s, resource, "UPDATE_IN_PROGRESS", null);
            }

            if (failedAt is not null && f >= failedAt.Value)
            {
                var reason = failure is not null && f == failedAt && !timedOut ? failure : $"Resource {(action == "Add" ? "creation" : "update")} cancelled";
                op.ResourceEvent(failedAt.Value, resource, verb + "_FAILED", reason);
                result.Failed.Add(id);
                continue;
            }

            op.ResourceEvent(f, resource, verb + "_COMPLETE", null);
            result.End = Max(result.End, f);
        }

        if (failedAt is not null)
        {
            result.End = failedAt.Value;
        }

        return result;
    }

    // Reverse dependency order: a resource is deleted once everything in the set that depends on it is gone.
    private DateTimeOffset ScheduleDeletes(
        List<ResourceRecord> resources, StackConfig config, DateTimeOffset start, Builder op, bool cleanup, bool honourRetain, IReadOnlySet<string>? retain = null)
    {
        var set = resources.ToDictionary(r => r.LogicalId, StringComparer.Ordinal);
        var dependents = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (id, deps) in config.Dependencies)
        {
            foreach (var dep in deps)
            {
                (dependents.TryGetValue(dep, out var list) ? list : dependents[dep] = []).Add(id);
            }
        }

        var order = config.CreationOrder.Where(set.ContainsKey).Reverse().ToList();
        var done = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var end = start;
        foreach (var id in order)
        {
            var resource = set[id];
            var s = start;
            foreach (var dependent in dependents.GetValueOrDefault(id) ?? [])
            {
                if (done.TryGetValue(dependent, out var f) && f + op.Step() > s)
                {
                    s = f + op.Step();
                }
            }

            if (honourRetain && (resource.DeletionPolicy == "Retain" || retain?.Contains(id) == true))
            {
                op.ResourceEvent(s, resource, "DELETE_SKIPPED", null, cleanup);
                done[id] = s;
                continue;
            }

            var finish = s + ResourceBehaviour.DeleteDuration(resource.Type, speed, op.Random);
            op.ResourceEvent(s, resource, "DELETE_IN_PROGRESS", null, cleanup);
            op.ResourceEvent(finish, resource, "DELETE_COMPLETE", null, cleanup);
            done[id] = finish;
            end = Max(end, finish);
        }

        return end;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private sealed class Schedule
    {
        public DateTimeOffset? FailedAt { get; init; }

        public bool TimedOut { get; init; }

        public DateTimeOffset End { get; set; }

        public List<string> Started { get; } = [];

        public List<string> Failed { get; } = [];
    }

    private sealed class Builder(StackRecord stack, DateTimeOffset start, double speed)
    {
        private readonly List<EventRecord> _events = [];
        private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
        private readonly string _operationId = new Seeded($"{stack.StackId}|op|{stack.Operations.Count}").Guid().ToString();

        public Seeded Random { get; } = new($"{stack.StackId}|plan|{stack.Operations.Count}");

        public TimeSpan Step() => ResourceBehaviour.Step(speed, Random);

        // A step that stays inside the given span (so "initiated" lands before completion).
        public TimeSpan Step(TimeSpan within) => TimeSpan.FromTicks(Math.Min(Step().Ticks, Math.Max(1, within.Ticks / 3)));

        public void StackEvent(DateTimeOffset at, string status, string? reason) =>
            _events.Add(new EventRecord(Random.Guid().ToString(), at, stack.StackName, stack.StackId, StackView.StackType, status, reason));

        public void ResourceEvent(DateTimeOffset at, ResourceRecord resource, string status, string? reason, bool cleanup = false) =>
            _events.Add(new EventRecord(
                UniqueId($"{resource.LogicalId}-{status}-{at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)}"),
                at,
                resource.LogicalId,
                resource.PhysicalId.Length == 0 ? null : resource.PhysicalId,
                resource.Type,
                status,
                reason,
                cleanup));

        // AWS's resource event ids are {LogicalId}-{Status}-{Timestamp}; at high speeds two can share a millisecond.
        private string UniqueId(string id)
        {
            var unique = id;
            for (var n = 2; !_ids.Add(unique) || stack.Operations.Any(o => o.Events.Any(e => e.EventId == unique)); n++)
            {
                unique = $"{id}-{n}";
            }

            return unique;
        }

        public StackOperation Build(string kind, string? token, StackConfig config, StackConfig? afterRollback, string? changeSetId)
        {
            var ordered = _events.Select((e, i) => (e, i)).OrderBy(p => p.e.Timestamp).ThenBy(p => p.i).Select(p => p.e).ToList();
            return new StackOperation
            {
                OperationId = _operationId,
                Kind = kind,
                ClientRequestToken = token,
                StartedAt = start,
                EndsAt = ordered[^1].Timestamp,
                Config = config,
                ConfigAfterRollback = afterRollback,
                ChangeSetId = changeSetId,
                Events = ordered,
            };
        }
    }
}

/// <summary>Ref and Fn::GetAtt values of created resources; attributes nothing generated get a plausible value.</summary>
internal sealed class RecordValues(IReadOnlyDictionary<string, ResourceRecord> resources, StackRecord stack) : IResourceValues
{
    public bool TryGetPhysicalId(string logicalId, out string physicalId)
    {
        physicalId = resources.TryGetValue(logicalId, out var r) ? r.PhysicalId : "";
        return physicalId.Length > 0;
    }

    public bool TryGetAttribute(string logicalId, string attribute, out JsonNode? value)
    {
        value = null;
        if (!resources.TryGetValue(logicalId, out var r))
        {
            return false;
        }

        value = JsonValue.Create(r.Attributes.TryGetValue(attribute, out var known) ? known : PhysicalResources.Fallback(r, stack, attribute));
        return true;
    }
}
