using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Portal.Provisioning.Templates;
using Portal.Sandbox.Http;
using Portal.Sandbox.State;

namespace Portal.Sandbox.CloudFormation;

/// <summary>
/// Read operations real tools call besides the portal's own: ListStackResources (paged), DescribeStackResource,
/// GetTemplateSummary, ListExports, ListImports and ListChangeSets, in the service model's shapes.
/// </summary>
internal sealed partial class CloudFormationApi
{
    private static readonly ConcurrentDictionary<string, IReadOnlyList<string>> PrimaryIdentifiers = new(StringComparer.Ordinal);

    /// <summary>The operations of this file, or null when <paramref name="action"/> is not one of them.</summary>
    private XElement? HandleRead(string action, QueryArgs args, CallerContext caller, DateTimeOffset now) => action switch
    {
        "ListStackResources" => ListStackResources(args, caller, now),
        "DescribeStackResource" => DescribeStackResource(args, caller, now),
        "GetTemplateSummary" => GetTemplateSummary(args, caller, now),
        "ListExports" => ListExports(args, caller, now),
        "ListImports" => ListImports(args, caller, now),
        "ListChangeSets" => ListChangeSets(args, caller, now),
        _ => null,
    };

    private static bool IsReadAction(string action) =>
        action is "ListStackResources" or "DescribeStackResource" or "GetTemplateSummary" or "ListExports" or "ListImports" or "ListChangeSets";

    private XElement ListStackResources(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var nameOrId = args.Required("StackName");
        var stack = FindStack(caller, nameOrId, now, includeDeleted: nameOrId.StartsWith("arn:", StringComparison.Ordinal)) ?? throw NotFound(nameOrId);
        var resources = StackView.ResourcesAt(stack, now).Values.OrderBy(r => r.LogicalResourceId, StringComparer.Ordinal).ToList();
        var (page, next) = Page(resources, args.Get("NextToken"), r => r.LogicalResourceId);
        return Result("ListStackResources", new XElement(Ns + "StackResourceSummaries", page.Select(r => Member(
            El("LogicalResourceId", r.LogicalResourceId),
            El("PhysicalResourceId", r.PhysicalResourceId),
            El("ResourceType", r.ResourceType),
            El("LastUpdatedTimestamp", Time(r.Timestamp)),
            El("ResourceStatus", r.ResourceStatus),
            El("ResourceStatusReason", r.ResourceStatusReason),
            new XElement(Ns + "DriftInformation", El("StackResourceDriftStatus", "NOT_CHECKED"))))), El("NextToken", next));
    }

    private XElement DescribeStackResource(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var nameOrId = args.Required("StackName");
        var logicalId = args.Required("LogicalResourceId");
        var stack = FindStack(caller, nameOrId, now, includeDeleted: nameOrId.StartsWith("arn:", StringComparison.Ordinal)) ?? throw NotFound(nameOrId);
        var resource = StackView.ResourcesAt(stack, now).GetValueOrDefault(logicalId)
            ?? throw SandboxApiException.Validation($"Resource {logicalId} does not exist for stack {stack.StackName}");
        var template = TemplateParser.Parse(StackView.ConfigAt(stack, now).TemplateBody);
        var declared = template.Resources.GetValueOrDefault(logicalId);
        return Result("DescribeStackResource", new XElement(Ns + "StackResourceDetail",
            El("StackName", stack.StackName),
            El("StackId", stack.StackId),
            El("LogicalResourceId", resource.LogicalResourceId),
            El("PhysicalResourceId", resource.PhysicalResourceId),
            El("ResourceType", resource.ResourceType),
            El("LastUpdatedTimestamp", Time(resource.Timestamp)),
            El("ResourceStatus", resource.ResourceStatus),
            El("ResourceStatusReason", resource.ResourceStatusReason),
            El("Description", declared?.Definition["Description"]?.ToString()),
            El("Metadata", declared?.Metadata?.ToJsonString()),
            new XElement(Ns + "DriftInformation", El("StackResourceDriftStatus", "NOT_CHECKED"))));
    }

    private XElement GetTemplateSummary(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        string body;
        if (args.Get("StackName") is { Length: > 0 } nameOrId)
        {
            var stack = FindStack(caller, nameOrId, now, includeDeleted: nameOrId.StartsWith("arn:", StringComparison.Ordinal)) ?? throw NotFound(nameOrId);
            body = StackView.ConfigAt(stack, now).TemplateBody;
        }
        else if (args.Get("StackSetName") is { Length: > 0 } stackSet)
        {
            throw new SandboxApiException("StackSetNotFoundException", $"StackSet {stackSet} not found", 404);
        }
        else
        {
            body = TemplateBody(args);
        }

        var template = ParseTemplate(body);
        var iam = template.Resources.Values.Where(r => ResourceBehaviour.IamTypes.Contains(r.Type)).ToList();
        var named = iam.Any(r => ResourceBehaviour.IsNamedIam(r.Type, r.Properties));
        var types = template.Resources.Values.Select(r => r.Type).Distinct(StringComparer.Ordinal).ToList();
        return Result(
            "GetTemplateSummary",
            new XElement(Ns + "Parameters", template.Parameters.Values.Select(p => Member(
                El("ParameterKey", p.Name),
                El("DefaultValue", p.Default),
                El("ParameterType", p.Type.Name),
                El("NoEcho", p.NoEcho ? "true" : "false"),
                El("Description", p.Description),
                new XElement(Ns + "ParameterConstraints",
                    new XElement(Ns + "AllowedValues", (p.AllowedValues ?? []).Select(v => Member(v))))))),
            El("Description", template.Description),
            new XElement(Ns + "Capabilities", iam.Count > 0 ? Member(named ? "CAPABILITY_NAMED_IAM" : "CAPABILITY_IAM") : null),
            El("CapabilitiesReason", iam.Count > 0 ? $"The following resource(s) require capabilities: [{string.Join(", ", iam.Select(r => r.Type).Distinct())}]" : null),
            new XElement(Ns + "ResourceTypes", types.Select(t => Member(t))),
            El("Version", template.Root["AWSTemplateFormatVersion"]?.ToString()),
            El("Metadata", template.Metadata?.ToJsonString()),
            new XElement(Ns + "DeclaredTransforms"),
            new XElement(Ns + "ResourceIdentifierSummaries", types.Select(t => Member(
                El("ResourceType", t),
                new XElement(Ns + "LogicalResourceIds", template.Resources.Values.Where(r => r.Type == t).Select(r => Member(r.LogicalId))),
                new XElement(Ns + "ResourceIdentifiers", PrimaryIdentifier(t).Select(i => Member(i)))))),
            new XElement(Ns + "Warnings", new XElement(Ns + "UnrecognizedResourceTypes")));
    }

    private XElement ListExports(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var exports = Exports(caller, now).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        var (page, next) = Page(exports, args.Get("NextToken"), e => e.Name);
        return Result("ListExports", new XElement(Ns + "Exports", page.Select(e => Member(
            El("ExportingStackId", e.StackId), El("Name", e.Name), El("Value", e.Value)))), El("NextToken", next));
    }

    private XElement ListImports(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var exportName = args.Required("ExportName");
        if (!Exports(caller, now).Any(e => e.Name == exportName))
        {
            throw SandboxApiException.Validation($"Export '{exportName}' does not exist.");
        }

        var importers = Stacks(caller)
            .Where(s => !StackView.IsDeleted(s, now))
            .Where(s => Imports(StackView.ConfigAt(s, now), s).Contains(exportName))
            .Select(s => s.StackName)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (importers.Count == 0)
        {
            throw SandboxApiException.Validation($"Export '{exportName}' is not imported by any stack.");
        }

        var (page, next) = Page(importers, args.Get("NextToken"), n => n);
        return Result("ListImports", new XElement(Ns + "Imports", page.Select(n => Member(n))), El("NextToken", next));
    }

    private XElement ListChangeSets(QueryArgs args, CallerContext caller, DateTimeOffset now)
    {
        var nameOrId = args.Required("StackName");
        var stack = FindStack(caller, nameOrId, now, includeDeleted: nameOrId.StartsWith("arn:", StringComparison.Ordinal)) ?? throw NotFound(nameOrId);
        var summaries = stack.ChangeSets.OrderBy(c => c.CreationTime).ThenBy(c => c.ChangeSetId, StringComparer.Ordinal).ToList();
        var (page, next) = Page(summaries, args.Get("NextToken"), c => c.ChangeSetId);
        return Result("ListChangeSets", new XElement(Ns + "Summaries", page.Select(c =>
        {
            var (status, execution) = ChangeSetStatuses(stack, c, now);
            return Member(
                El("StackId", stack.StackId),
                El("StackName", stack.StackName),
                El("ChangeSetId", c.ChangeSetId),
                El("ChangeSetName", c.ChangeSetName),
                El("ExecutionStatus", execution),
                El("Status", status),
                El("StatusReason", now >= c.ReadyAt ? c.FailureReason : null),
                El("CreationTime", Time(c.CreationTime)),
                El("Description", c.Description),
                El("IncludeNestedStacks", "false"));
        })), El("NextToken", next));
    }

    /// <summary>A change set's Status and ExecutionStatus at <paramref name="now"/> (DescribeChangeSet and ListChangeSets agree).</summary>
    private static (string Status, string Execution) ChangeSetStatuses(StackRecord stack, ChangeSetRecord changeSet, DateTimeOffset now)
    {
        var ready = now >= changeSet.ReadyAt;
        var status = !ready ? "CREATE_IN_PROGRESS" : changeSet.FailureReason is not null ? "FAILED" : "CREATE_COMPLETE";
        var executed = changeSet.ExecutedOperationId is { } opId ? stack.Operations.FirstOrDefault(o => o.OperationId == opId) : null;
        var execution = executed is not null
            ? (now < executed.EndsAt ? "EXECUTE_IN_PROGRESS"
                : StackView.Status(stack, executed.EndsAt) is "CREATE_COMPLETE" or "UPDATE_COMPLETE" ? "EXECUTE_COMPLETE" : "EXECUTE_FAILED")
            : changeSet.Obsolete ? "OBSOLETE"
            : ready && changeSet.FailureReason is null ? "AVAILABLE" : "UNAVAILABLE";
        return (status, execution);
    }

    private IEnumerable<(string StackId, string Name, string Value)> Exports(CallerContext caller, DateTimeOffset now)
    {
        foreach (var stack in Stacks(caller).Where(s => !StackView.IsDeleted(s, now)))
        {
            if (!StackView.ShowsOutputs(StackView.Status(stack, now)))
            {
                continue;
            }

            foreach (var output in StackView.ConfigAt(stack, now).Outputs.Where(o => o.ExportName is not null))
            {
                yield return (stack.StackId, output.ExportName!, output.OutputValue);
            }
        }
    }

    /// <summary>Export names a stack's template imports: <c>Fn::ImportValue</c> of a literal or of an <c>Fn::Sub</c> over its parameters and pseudo parameters.</summary>
    private static HashSet<string> Imports(StackConfig config, StackRecord stack)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (!config.TemplateBody.Contains("ImportValue", StringComparison.Ordinal))
        {
            return names;
        }

        var template = TemplateParser.Parse(config.TemplateBody);
        var values = new Dictionary<string, string>(config.Parameters, StringComparer.Ordinal)
        {
            ["AWS::StackName"] = stack.StackName,
            ["AWS::Region"] = stack.Region,
            ["AWS::AccountId"] = stack.AccountId,
        };
        Walk(template.Root["Resources"]);
        Walk(template.Root["Outputs"]);
        return names;

        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj when obj.Count == 1 && obj["Fn::ImportValue"] is { } imported:
                    if (imported is JsonValue literal && literal.TryGetValue<string>(out var name))
                    {
                        names.Add(name);
                    }
                    else if (imported is JsonObject { Count: 1 } sub && sub["Fn::Sub"] is JsonValue pattern && pattern.TryGetValue<string>(out var text))
                    {
                        names.Add(values.Aggregate(text, (acc, p) => acc.Replace("${" + p.Key + "}", p.Value, StringComparison.Ordinal)));
                    }

                    break;
                case JsonObject obj:
                    foreach (var (_, child) in obj)
                    {
                        Walk(child);
                    }

                    break;
                case JsonArray array:
                    foreach (var child in array)
                    {
                        Walk(child);
                    }

                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>
    /// The resource's properties as a JSON string on its CREATE_* and UPDATE_* events, as AWS reports them (delete events and
    /// the stack's own events carry none); events after an update's rollback began show the properties rolled back to.
    /// </summary>
    private static string? ResourceProperties(StackRecord stack, StackOperation operation, EventRecord e)
    {
        if (e.ResourceType == StackView.StackType || e.Cleanup || !(e.ResourceStatus.StartsWith("CREATE_", StringComparison.Ordinal) || e.ResourceStatus.StartsWith("UPDATE_", StringComparison.Ordinal)))
        {
            return null;
        }

        var config = operation.Config;
        if (operation.ConfigAfterRollback is { } rolledBack)
        {
            var rollbackStart = operation.StackEvents(stack.StackName, StackView.StackType).FirstOrDefault(x => x.ResourceStatus.EndsWith("ROLLBACK_IN_PROGRESS", StringComparison.Ordinal));
            if (rollbackStart is not null && e.Timestamp >= rollbackStart.Timestamp)
            {
                config = rolledBack;
            }
        }

        return config.Resources.TryGetValue(e.LogicalResourceId, out var resource) ? resource.Properties.ToJsonString() : null;
    }

    // A type's primaryIdentifier from its resource schema ("/properties/BucketName" → "BucketName").
    private static IReadOnlyList<string> PrimaryIdentifier(string type) =>
        PrimaryIdentifiers.GetOrAdd(type, static t =>
        {
            var resource = $"Portal.Provisioning.Schemas.{t.Replace("::", "__", StringComparison.Ordinal)}.json";
            using var stream = typeof(SchemaRegistry).Assembly.GetManifestResourceStream(resource);
            if (stream is null)
            {
                return [];
            }

            return [.. ((JsonNode.Parse(stream) as JsonObject)?["primaryIdentifier"] as JsonArray ?? [])
                .Select(p => p?.ToString() ?? "")
                .Where(p => p.StartsWith("/properties/", StringComparison.Ordinal))
                .Select(p => p["/properties/".Length..])];
        });
}
