using System.Xml.Linq;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Templates;
using Portal.Sandbox.Http;
using Portal.Sandbox.State;

namespace Portal.Sandbox.CloudFormation;

/// <summary>CloudFormation's operations on the sandbox's state; each returns the operation's <c>Result</c> element (or null).</summary>
internal sealed partial class CloudFormationApi(SandboxStore store, ISandboxFaults faults, IOptions<SandboxOptions> options, TimeProvider time, DriftState drift)
{
    public static readonly XNamespace Ns = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
    private const int PageSize = 100;
    private const int MaxTemplateBody = 51_200;

    private static readonly HashSet<string> PropertyErrorCodes = new(StringComparer.Ordinal)
    {
        TemplateErrorCodes.UnknownProperty, TemplateErrorCodes.TypeMismatch, TemplateErrorCodes.NullValue, TemplateErrorCodes.InvalidValue,
        TemplateErrorCodes.ValueOutOfRange, TemplateErrorCodes.RequiredPropertyMissing, TemplateErrorCodes.ConflictingProperties,
    };

    private double Speed => options.Value.Speed;

    public XElement? Handle(string action, QueryArgs args, CallerContext caller) => HandleAt(action, args, caller, time.GetUtcNow());

    /// <summary>Runs an operation as if at <paramref name="now"/> (the admin back-dates demo stacks with it).</summary>
    public XElement? HandleAt(string action, QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        lock (store.Sync)
        {
            return action switch
            {
                "CreateStack" => CreateStack(args, caller, now),
                "UpdateStack" => UpdateStack(args, caller, now),
                "DeleteStack" => DeleteStack(args, caller, now),
                "DescribeStacks" => DescribeStacks(args, caller, now),
                "ListStacks" => ListStacks(args, caller, now),
                "DescribeStackEvents" => DescribeStackEvents(args, caller, now),
                "DescribeStackResources" => DescribeStackResources(args, caller, now),
                "GetTemplate" => GetTemplate(args, caller, now),
                "ValidateTemplate" => ValidateTemplate(args),
                "CreateChangeSet" => CreateChangeSet(args, caller, now),
                "DescribeChangeSet" => DescribeChangeSet(args, caller, now),
                "ExecuteChangeSet" => ExecuteChangeSet(args, caller, now),
                "DeleteChangeSet" => DeleteChangeSet(args, caller, now),
                "DetectStackDrift" => DetectDrift(args, caller, now),
                "DescribeStackDriftDetectionStatus" => DescribeDriftDetectionStatus(args, caller, now),
                "DescribeStackResourceDrifts" => DescribeStackResourceDrifts(args, caller, now),
                "DescribeAccountLimits" => DescribeAccountLimits(caller),
                _ when IsReadAction(action) => HandleRead(action, args, caller, now),
                _ => throw new SandboxApiException("InvalidAction", $"Could not find operation {action} for version 2010-05-15"),
            };
        }
    }

    // ---------- Stack operations ----------

    private XElement CreateStack(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var name = args.Required("StackName");
        ValidateStackName(name);
        var token = Token(args.Get("ClientRequestToken"));
        if (token is not null && FindToken(caller, token) is { } existing)
        {
            return existing.Op.Kind == OperationKind.Create && existing.Stack.StackName == name
                ? Result("CreateStack", El("StackId", existing.Stack.StackId), El("OperationId", existing.Op.OperationId))
                : throw TokenExists(token);
        }

        if (LiveStack(caller, name, now) is not null)
        {
            throw new SandboxApiException("AlreadyExistsException", $"Stack [{name}] already exists");
        }

        var onFailure = args.Get("OnFailure");
        var disableRollback = args.Bool("DisableRollback");
        if (onFailure is not null && disableRollback is not null)
        {
            throw SandboxApiException.Validation("You may specify either OnFailure or DisableRollback, but not both.");
        }

        if (onFailure is not null and not ("ROLLBACK" or "DELETE" or "DO_NOTHING"))
        {
            throw SandboxApiException.Validation($"1 validation error detected: Value '{onFailure}' at 'onFailure' failed to satisfy constraint: Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]");
        }

        RequireStackQuota(caller, now);
        var stack = NewStack(name, caller, now);
        var body = TemplateBody(args);
        var (config, _, failures) = BuildConfig(stack, body, Parameters(args, null), args, null, now);
        failures = Merge(failures, LimitFailures(caller, stack, config, null, now));
        var plan = new StackPlanner(Speed, faults, failures)
            .PlanCreate(stack, config, token, now, disableRollback == true ? "DO_NOTHING" : onFailure ?? "ROLLBACK", null);
        stack.Operations.Add(plan);
        store.Save(stack);
        return Result("CreateStack", El("StackId", stack.StackId), El("OperationId", plan.OperationId));
    }

    private XElement UpdateStack(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var nameOrId = args.Required("StackName");
        var stack = FindStack(caller, nameOrId, now, includeDeleted: false) ?? throw StackMissing(nameOrId);
        var token = Token(args.Get("ClientRequestToken"));
        if (token is not null && FindToken(caller, token) is { } existing)
        {
            return existing.Op.Kind == OperationKind.Update && existing.Stack.StackId == stack.StackId
                ? Result("UpdateStack", El("StackId", stack.StackId), El("OperationId", existing.Op.OperationId))
                : throw TokenExists(token);
        }

        RequireUpdatable(stack, now, "updated");
        var previous = StackView.ConfigAt(stack, now);
        var body = args.Bool("UsePreviousTemplate") == true ? previous.TemplateBody : TemplateBody(args);
        stack.Generation = stack.Operations.Count;
        var (config, replacements, failures) = BuildConfig(stack, body, Parameters(args, previous), args, previous, now);
        if (replacements.Count == 0 && config.Resources.Keys.ToHashSet().SetEquals(previous.Resources.Keys)
            && config.Tags.SequenceEqual(previous.Tags) && config.Outputs.SequenceEqual(previous.Outputs)
            && config.Parameters.Count == previous.Parameters.Count && !config.Parameters.Except(previous.Parameters).Any())
        {
            throw SandboxApiException.Validation("No updates are to be performed.");
        }

        failures = Merge(failures, LimitFailures(caller, stack, config, previous, now));
        var plan = new StackPlanner(Speed, faults, failures).PlanUpdate(stack, previous, config, replacements, token, now, null);
        ObsoleteChangeSets(stack);
        stack.Operations.Add(plan);
        store.Save(stack);
        return Result("UpdateStack", El("StackId", stack.StackId), El("OperationId", plan.OperationId));
    }

    private XElement? DeleteStack(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var nameOrId = args.Required("StackName");
        var token = Token(args.Get("ClientRequestToken"));
        var stack = FindStack(caller, nameOrId, now, includeDeleted: nameOrId.StartsWith("arn:", StringComparison.Ordinal));
        if (token is not null && FindToken(caller, token) is { } existing)
        {
            var sameStack = existing.Stack.StackId == stack?.StackId || existing.Stack.StackId == nameOrId || (stack is null && existing.Stack.StackName == nameOrId);
            return existing.Op.Kind == OperationKind.Delete && sameStack ? null : throw TokenExists(token);
        }

        // AWS answers success for a stack that does not exist (or is already deleted).
        if (stack is null || StackView.IsDeleted(stack, now))
        {
            return null;
        }

        var status = StackView.Status(stack, now);
        if (status == "DELETE_IN_PROGRESS")
        {
            return null;
        }

        var config = StackView.ConfigAt(stack, now);
        if (config.EnableTerminationProtection)
        {
            throw SandboxApiException.Validation($"Stack [{stack.StackName}] cannot be deleted while TerminationProtection is enabled");
        }

        if (status is "CREATE_IN_PROGRESS" or "REVIEW_IN_PROGRESS")
        {
            // Deleting a stack being created cancels the rest of its plan; what was started gets deleted.
            var current = stack.Operations[^1];
            stack.Operations[^1] = new StackOperation
            {
                OperationId = current.OperationId,
                Kind = current.Kind,
                ClientRequestToken = current.ClientRequestToken,
                StartedAt = current.StartedAt,
                EndsAt = now,
                Config = current.Config,
                ChangeSetId = current.ChangeSetId,
                Events = [.. current.Events.Where(e => e.Timestamp <= now)],
            };
        }
        else if (StackView.IsInProgress(status))
        {
            throw SandboxApiException.Validation($"Stack [{stack.StackName}] cannot be deleted while in status {status}");
        }

        var live = StackView.ResourcesAt(stack, now).Keys.Where(config.Resources.ContainsKey).ToHashSet(StringComparer.Ordinal);
        var retain = args.List("RetainResources").ToHashSet(StringComparer.Ordinal);
        stack.Operations.Add(new StackPlanner(Speed, faults).PlanDelete(stack, config, live, retain, token, now));
        ObsoleteChangeSets(stack);
        store.Save(stack);
        return null;
    }

    private XElement DescribeStacks(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        if (args.Get("StackName") is { Length: > 0 } nameOrId)
        {
            var stack = FindStack(caller, nameOrId, now, includeDeleted: nameOrId.StartsWith("arn:", StringComparison.Ordinal))
                ?? throw NotFound(nameOrId);
            return Result("DescribeStacks", new XElement(Ns + "Stacks", StackXml(stack, now)));
        }

        var all = Stacks(caller).Where(s => !StackView.IsDeleted(s, now)).OrderByDescending(s => s.CreationTime).ThenBy(s => s.StackId, StringComparer.Ordinal).ToList();
        var (page, next) = Page(all, args.Get("NextToken"), s => s.StackId);
        return Result("DescribeStacks", new XElement(Ns + "Stacks", page.Select(s => StackXml(s, now))), El("NextToken", next));
    }

    private XElement ListStacks(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var filter = args.List("StackStatusFilter").ToHashSet(StringComparer.Ordinal);
        var all = Stacks(caller)
            .Select(s => (Stack: s, Status: StackView.StatusEvent(s, now)))
            .Where(x => filter.Count == 0 || filter.Contains(x.Status.ResourceStatus))
            .Where(x => x.Status.ResourceStatus != "DELETE_COMPLETE" || x.Status.Timestamp > now.AddDays(-90))
            .OrderByDescending(x => x.Stack.CreationTime).ThenBy(x => x.Stack.StackId, StringComparer.Ordinal)
            .ToList();
        var (page, next) = Page(all, args.Get("NextToken"), x => x.Stack.StackId);
        return Result("ListStacks", new XElement(Ns + "StackSummaries", page.Select(x =>
        {
            var config = StackView.ConfigAt(x.Stack, now);
            return Member(
                El("StackId", x.Stack.StackId),
                El("StackName", x.Stack.StackName),
                El("TemplateDescription", config.Description),
                El("CreationTime", Time(x.Stack.CreationTime)),
                El("LastUpdatedTime", Time(StackView.LastUpdatedTime(x.Stack, now))),
                El("DeletionTime", Time(StackView.DeletionTime(x.Stack, now))),
                El("StackStatus", x.Status.ResourceStatus),
                El("StackStatusReason", x.Status.ResourceStatusReason),
                new XElement(Ns + "DriftInformation", El("StackDriftStatus", DriftStatus(x.Stack, now))));
        })), El("NextToken", next));
    }

    private XElement DescribeStackEvents(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var nameOrId = args.Required("StackName");
        var stack = FindStack(caller, nameOrId, now, includeDeleted: nameOrId.StartsWith("arn:", StringComparison.Ordinal)) ?? throw StackMissing(nameOrId);
        var events = StackView.EventsAt(stack, now);
        var (page, next) = Page(events, args.Get("NextToken"), x => x.Event.EventId);
        return Result("DescribeStackEvents", new XElement(Ns + "StackEvents", page.Select(x => Member(
            El("StackId", stack.StackId),
            El("EventId", x.Event.EventId),
            El("StackName", stack.StackName),
            El("OperationId", x.Operation.OperationId),
            El("LogicalResourceId", x.Event.LogicalResourceId),
            El("PhysicalResourceId", x.Event.PhysicalResourceId ?? ""),
            El("ResourceType", x.Event.ResourceType),
            El("Timestamp", Time(x.Event.Timestamp)),
            El("ResourceStatus", x.Event.ResourceStatus),
            El("ResourceStatusReason", x.Event.ResourceStatusReason),
            El("ResourceProperties", ResourceProperties(stack, x.Operation, x.Event)),
            El("ClientRequestToken", x.Operation.ClientRequestToken)))), El("NextToken", next));
    }

    private XElement DescribeStackResources(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        StackRecord? stack;
        var physical = args.Get("PhysicalResourceId");
        if (args.Get("StackName") is { Length: > 0 } nameOrId)
        {
            stack = FindStack(caller, nameOrId, now, includeDeleted: nameOrId.StartsWith("arn:", StringComparison.Ordinal)) ?? throw NotFound(nameOrId);
        }
        else if (physical is not null)
        {
            stack = Stacks(caller).FirstOrDefault(s => StackView.ResourcesAt(s, now).Values.Any(r => r.PhysicalResourceId == physical))
                ?? throw SandboxApiException.Validation($"Stack for {physical} does not exist");
        }
        else
        {
            throw SandboxApiException.Validation("Either StackName or PhysicalResourceId must be specified.");
        }

        var logical = args.Get("LogicalResourceId");
        var resources = StackView.ResourcesAt(stack, now).Values
            .Where(r => logical is null || r.LogicalResourceId == logical)
            .Where(r => physical is null || r.PhysicalResourceId == physical)
            .OrderBy(r => r.LogicalResourceId, StringComparer.Ordinal)
            .Take(100);
        return Result("DescribeStackResources", new XElement(Ns + "StackResources", resources.Select(r => Member(
            El("StackName", stack.StackName),
            El("StackId", stack.StackId),
            El("LogicalResourceId", r.LogicalResourceId),
            El("PhysicalResourceId", r.PhysicalResourceId),
            El("ResourceType", r.ResourceType),
            El("Timestamp", Time(r.Timestamp)),
            El("ResourceStatus", r.ResourceStatus),
            El("ResourceStatusReason", r.ResourceStatusReason),
            new XElement(Ns + "DriftInformation", El("StackResourceDriftStatus", "NOT_CHECKED"))))));
    }

    private XElement GetTemplate(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var nameOrId = args.Get("StackName") ?? "";
        var stack = FindStack(caller, nameOrId, now, includeDeleted: nameOrId.StartsWith("arn:", StringComparison.Ordinal)) ?? throw NotFound(nameOrId);
        var body = args.Get("ChangeSetName") is { } changeSetName
            ? FindChangeSet(stack, changeSetName).Config.TemplateBody
            : StackView.ConfigAt(stack, now).TemplateBody;
        return Result("GetTemplate", El("TemplateBody", body), new XElement(Ns + "StagesAvailable", Member("Original"), Member("Processed")));
    }

    private XElement ValidateTemplate(QueryArgs args)
    {
        var template = ParseTemplate(TemplateBody(args));
        var resolvedTypes = template.Resources.Values.ToList();
        var iam = resolvedTypes.Where(r => ResourceBehaviour.IamTypes.Contains(r.Type)).ToList();
        var named = iam.Any(r => ResourceBehaviour.IsNamedIam(r.Type, r.Properties));
        return Result(
            "ValidateTemplate",
            new XElement(Ns + "Parameters", template.Parameters.Values.Select(p => Member(
                El("ParameterKey", p.Name), El("DefaultValue", p.Default), El("NoEcho", p.NoEcho ? "true" : "false"), El("Description", p.Description)))),
            El("Description", template.Description),
            new XElement(Ns + "Capabilities", iam.Count > 0 ? Member(named ? "CAPABILITY_NAMED_IAM" : "CAPABILITY_IAM") : null),
            El("CapabilitiesReason", iam.Count > 0 ? $"The following resource(s) require capabilities: [{string.Join(", ", iam.Select(r => r.Type).Distinct())}]" : null),
            new XElement(Ns + "DeclaredTransforms"));
    }

    // ---------- Change sets ----------

    private XElement CreateChangeSet(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var name = args.Required("StackName");
        var changeSetName = args.Required("ChangeSetName");
        if (!ChangeSetName().IsMatch(changeSetName))
        {
            throw SandboxApiException.Validation($"1 validation error detected: Value '{changeSetName}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*");
        }

        var type = args.Get("ChangeSetType") ?? "UPDATE";
        StackRecord stack;
        StackConfig? previous = null;
        if (type == "CREATE")
        {
            ValidateStackName(name);
            if (LiveStack(caller, name, now) is { } live && StackView.Status(live, now) != "REVIEW_IN_PROGRESS")
            {
                throw new SandboxApiException("AlreadyExistsException", $"Stack [{name}] already exists and cannot be created again with the changeSet [{changeSetName}].");
            }

            if (LiveStack(caller, name, now) is null)
            {
                RequireStackQuota(caller, now);
            }

            stack = LiveStack(caller, name, now) ?? NewStack(name, caller, now);
        }
        else if (type == "UPDATE")
        {
            stack = FindStack(caller, name, now, includeDeleted: false) ?? throw StackMissing(name);
            if (StackView.Status(stack, now) == "REVIEW_IN_PROGRESS")
            {
                throw SandboxApiException.Validation($"Stack [{name}] does not exist");
            }

            previous = StackView.ConfigAt(stack, now);
        }
        else
        {
            throw SandboxApiException.Validation($"ChangeSetType {type} is not supported by the sandbox.");
        }

        if (stack.ChangeSets.Any(c => c.ChangeSetName == changeSetName))
        {
            var same = stack.ChangeSets.First(c => c.ChangeSetName == changeSetName);
            if (same.ClientToken is not null && same.ClientToken == args.Get("ClientToken"))
            {
                return Result("CreateChangeSet", El("Id", same.ChangeSetId), El("StackId", stack.StackId));
            }

            throw new SandboxApiException("AlreadyExistsException", $"ChangeSet [{changeSetName}] already exists");
        }

        var body = args.Bool("UsePreviousTemplate") == true && previous is not null ? previous.TemplateBody : TemplateBody(args);
        var savedGeneration = stack.Generation;
        stack.Generation = stack.Operations.Count + stack.ChangeSets.Count + 1;
        var (config, replacements, failures) = BuildConfig(stack, body, Parameters(args, previous), args, previous, now);
        stack.Generation = savedGeneration;
        var changes = ChangeSets.Compute(previous, config, replacements);
        var noChanges = changes.Count == 0 && previous is not null && config.Tags.SequenceEqual(previous.Tags) && config.Outputs.SequenceEqual(previous.Outputs)
            && config.Parameters.Count == previous.Parameters.Count && !config.Parameters.Except(previous.Parameters).Any();
        var region = caller.Region;
        var id = $"arn:aws:cloudformation:{region}:{caller.AccountId}:changeSet/{changeSetName}/{new Seeded($"{stack.StackId}|cs|{changeSetName}|{now.UtcTicks}").Guid()}";
        if (stack.Operations.Count == 0)
        {
            stack.Operations.Add(StackPlanner.PlanReview(stack, config, now, Speed));
        }

        stack.ChangeSets.Add(new ChangeSetRecord
        {
            ChangeSetId = id,
            ChangeSetName = changeSetName,
            ChangeSetType = type,
            CreationTime = now,
            ReadyAt = now + TimeSpan.FromSeconds(Math.Max(0.001, 3 / Speed)),
            Description = args.Get("Description"),
            ClientToken = args.Get("ClientToken"),
            Config = config,
            Generation = stack.Operations.Count + stack.ChangeSets.Count + 1,
            OnStackFailure = args.Get("OnStackFailure"),
            ValidationFailures = failures,
            Changes = changes,
            FailureReason = noChanges ? "The submitted information didn't contain changes. Submit different information to create a change set." : null,
        });
        store.Save(stack);
        return Result("CreateChangeSet", El("Id", id), El("StackId", stack.StackId));
    }

    private XElement DescribeChangeSet(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var (stack, changeSet) = ResolveChangeSet(args, caller, now);
        var ready = now >= changeSet.ReadyAt;
        var status = !ready ? "CREATE_IN_PROGRESS" : changeSet.FailureReason is not null ? "FAILED" : "CREATE_COMPLETE";
        var executed = changeSet.ExecutedOperationId is { } opId ? stack.Operations.FirstOrDefault(o => o.OperationId == opId) : null;
        var execution = executed is not null
            ? (now < executed.EndsAt ? "EXECUTE_IN_PROGRESS"
                : StackView.Status(stack, executed.EndsAt) is "CREATE_COMPLETE" or "UPDATE_COMPLETE" ? "EXECUTE_COMPLETE" : "EXECUTE_FAILED")
            : changeSet.Obsolete ? "OBSOLETE"
            : ready && changeSet.FailureReason is null ? "AVAILABLE" : "UNAVAILABLE";
        var config = changeSet.Config;
        var (page, next) = Page(changeSet.Changes, args.Get("NextToken"), c => c.LogicalResourceId);
        return Result(
            "DescribeChangeSet",
            El("ChangeSetName", changeSet.ChangeSetName),
            El("ChangeSetId", changeSet.ChangeSetId),
            El("StackId", stack.StackId),
            El("StackName", stack.StackName),
            El("Description", changeSet.Description),
            ParametersXml(config),
            El("CreationTime", Time(changeSet.CreationTime)),
            El("ExecutionStatus", execution),
            El("Status", status),
            El("StatusReason", ready ? changeSet.FailureReason : null),
            new XElement(Ns + "NotificationARNs", config.NotificationArns.Select(a => Member(a))),
            new XElement(Ns + "Capabilities", config.Capabilities.Select(c => Member(c))),
            new XElement(Ns + "Tags", config.Tags.Select(t => Member(El("Key", t.Key), El("Value", t.Value)))),
            new XElement(Ns + "Changes", (ready ? page : []).Select(c => Member(
                El("Type", "Resource"),
                El("HookInvocationCount", "0"),
                new XElement(Ns + "ResourceChange",
                    El("PolicyAction", c.Action == "Remove" ? "Delete" : c.Replacement == "True" ? "ReplaceAndDelete" : null),
                    El("Action", c.Action),
                    El("LogicalResourceId", c.LogicalResourceId),
                    El("PhysicalResourceId", c.PhysicalResourceId),
                    El("ResourceType", c.ResourceType),
                    El("Replacement", c.Replacement),
                    new XElement(Ns + "Scope", c.Scope.Select(s => Member(s))),
                    new XElement(Ns + "Details", c.Details.Select(d => Member(
                        new XElement(Ns + "Target",
                            El("Attribute", d.Attribute),
                            El("Name", d.Name),
                            El("RequiresRecreation", d.RequiresRecreation)),
                        El("Evaluation", d.Evaluation),
                        El("ChangeSource", d.ChangeSource),
                        El("CausingEntity", d.CausingEntity)))))))),
            El("NextToken", ready ? next : null),
            El("IncludeNestedStacks", "false"),
            El("OnStackFailure", changeSet.OnStackFailure));
    }

    private XElement ExecuteChangeSet(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var (stack, changeSet) = ResolveChangeSet(args, caller, now);
        var token = Token(args.Get("ClientRequestToken"));
        if (token is not null && FindToken(caller, token) is { } existing)
        {
            return existing.Op.ChangeSetId == changeSet.ChangeSetId ? Result("ExecuteChangeSet") : throw TokenExists(token);
        }

        if (now < changeSet.ReadyAt || changeSet.FailureReason is not null || changeSet.Obsolete || changeSet.ExecutedOperationId is not null)
        {
            var state = changeSet.ExecutedOperationId is not null ? "EXECUTE_COMPLETE" : changeSet.Obsolete ? "OBSOLETE" : "UNAVAILABLE";
            throw new SandboxApiException("InvalidChangeSetStatus", $"ChangeSet [{changeSet.ChangeSetId}] cannot be executed in its current execution status of [{state}]");
        }

        var config = changeSet.Config with { DisableRollback = args.Bool("DisableRollback") ?? changeSet.Config.DisableRollback };
        var failures = changeSet.ValidationFailures;
        StackOperation plan;
        if (changeSet.ChangeSetType == "CREATE")
        {
            failures = Merge(failures, LimitFailures(caller, stack, config, null, now));
            plan = new StackPlanner(Speed, faults, failures).PlanCreate(stack, config, token, now, changeSet.OnStackFailure ?? "ROLLBACK", changeSet.ChangeSetId);
        }
        else
        {
            RequireUpdatable(stack, now, "updated");
            var previous = StackView.ConfigAt(stack, now);
            stack.Generation = changeSet.Generation;
            var replacements = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var change in changeSet.Changes.Where(c => c.Action == "Modify"))
            {
                replacements[change.LogicalResourceId] = config.Resources[change.LogicalResourceId].PhysicalId != change.PhysicalResourceId ? change.PhysicalResourceId : null;
            }

            failures = Merge(failures, LimitFailures(caller, stack, config, previous, now));
            plan = new StackPlanner(Speed, faults, failures).PlanUpdate(stack, previous, config, replacements, token, now, changeSet.ChangeSetId);
        }

        stack.Operations.Add(plan);
        changeSet.ExecutedAt = now;
        changeSet.ExecutedOperationId = plan.OperationId;
        foreach (var other in stack.ChangeSets.Where(c => c != changeSet))
        {
            other.Obsolete = true;
        }

        store.Save(stack);
        return Result("ExecuteChangeSet");
    }

    private XElement DeleteChangeSet(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var (stack, changeSet) = ResolveChangeSet(args, caller, now);
        if (changeSet.ExecutedOperationId is not null && now < stack.Operations.First(o => o.OperationId == changeSet.ExecutedOperationId).EndsAt)
        {
            throw new SandboxApiException("InvalidChangeSetStatus", $"ChangeSet [{changeSet.ChangeSetId}] cannot be deleted in its current execution status of [EXECUTE_IN_PROGRESS]");
        }

        stack.ChangeSets.Remove(changeSet);
        store.Save(stack);
        return Result("DeleteChangeSet");
    }

    // ---------- Drift and limits ----------

    private string DriftStatus(StackRecord stack, DateTimeOffset now) => DriftStatusOf(stack, now);
}
