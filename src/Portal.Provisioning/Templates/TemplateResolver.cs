using System.Text.Json.Nodes;

namespace Portal.Provisioning.Templates;

/// <summary>A resource after conditions and parameter-only intrinsics are applied; references to other resources remain as functions.</summary>
public sealed record ResolvedResource(
    string LogicalId,
    string Type,
    JsonObject Properties,
    IReadOnlyList<string> DependsOn,
    string? DeletionPolicy,
    string? UpdateReplacePolicy,
    JsonObject? Metadata);

/// <summary>An output that exists under the resolved conditions; <see cref="Value"/> may still reference resources.</summary>
public sealed record ResolvedOutput(string Name, JsonNode? Value, string? Description, JsonNode? ExportName);

/// <summary>
/// A template resolved for one set of parameter values and one stack: conditions evaluated, false-conditioned resources
/// and outputs dropped, every intrinsic that does not need a created resource evaluated, and the creation order computed.
/// </summary>
public sealed class ResolvedTemplate
{
    private readonly ResolutionScope _scope;

    internal ResolvedTemplate(
        CfnTemplate template,
        ResolutionScope scope,
        IReadOnlyDictionary<string, JsonNode> parameterValues,
        IReadOnlyDictionary<string, bool> conditions,
        IReadOnlyDictionary<string, ResolvedResource> resources,
        IReadOnlyDictionary<string, ResolvedOutput> outputs,
        DependencyGraph graph)
    {
        _scope = scope;
        Template = template;
        ParameterValues = parameterValues;
        Conditions = conditions;
        Resources = resources;
        Outputs = outputs;
        Graph = graph;
    }

    public CfnTemplate Template { get; }

    /// <summary>Effective parameter values (defaults applied): strings, or arrays of strings for list types.</summary>
    public IReadOnlyDictionary<string, JsonNode> ParameterValues { get; }

    public IReadOnlyDictionary<string, bool> Conditions { get; }

    public IReadOnlyDictionary<string, ResolvedResource> Resources { get; }

    public IReadOnlyDictionary<string, ResolvedOutput> Outputs { get; }

    public DependencyGraph Graph { get; }

    /// <summary>The properties of <paramref name="logicalId"/> with references to created resources filled in.</summary>
    /// <exception cref="TemplateResolveException">A referenced resource has no physical id or attribute in <paramref name="values"/>.</exception>
    public JsonObject ResolveResourceProperties(string logicalId, IResourceValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var resource = Resources.TryGetValue(logicalId, out var r) ? r
            : throw new TemplateResolveException($"'{logicalId}' is not a resource of the resolved template.");
        var path = $"Resources.{logicalId}.Properties";
        var result = new IntrinsicEvaluator(_scope, values).Evaluate(resource.Properties, path) as JsonObject ?? [];
        return Intrinsics.IsResolved(result) ? result
            : throw new TemplateResolveException($"{path}: still references resources that have no value yet: {result.ToJsonString()}");
    }

    /// <summary>The value of output <paramref name="name"/> with references to created resources filled in.</summary>
    public JsonNode? ResolveOutputValue(string name, IResourceValues values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var output = Outputs.TryGetValue(name, out var o) ? o
            : throw new TemplateResolveException($"'{name}' is not an output of the resolved template.");
        var path = $"Outputs.{name}.Value";
        var result = new IntrinsicEvaluator(_scope, values).Evaluate(output.Value, path);
        return Intrinsics.IsResolved(result) ? result
            : throw new TemplateResolveException($"{path}: still references resources that have no value yet.");
    }
}

/// <summary>Resolves templates for given parameter values and stack (see <see cref="ResolvedTemplate"/>).</summary>
public static class TemplateResolver
{
    /// <summary>
    /// Resolves <paramref name="template"/>. Missing parameters take their <c>Default</c>; validate values first with
    /// <see cref="ParameterValidator"/> — this only throws when a value is needed and absent.
    /// </summary>
    /// <exception cref="TemplateResolveException">A parameter has no value, an intrinsic is malformed, or resources form a cycle.</exception>
    public static ResolvedTemplate Resolve(CfnTemplate template, IReadOnlyDictionary<string, string> parameterValues, StackContext stack)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(parameterValues);
        ArgumentNullException.ThrowIfNull(stack);

        var values = new Dictionary<string, JsonNode>(StringComparer.Ordinal)
        {
            ["AWS::Region"] = JsonValue.Create(stack.Region),
            ["AWS::AccountId"] = JsonValue.Create(stack.AccountId),
            ["AWS::StackName"] = JsonValue.Create(stack.StackName),
            ["AWS::StackId"] = JsonValue.Create(stack.EffectiveStackId),
            ["AWS::Partition"] = JsonValue.Create(stack.Partition),
            ["AWS::URLSuffix"] = JsonValue.Create(stack.UrlSuffix),
            ["AWS::NotificationARNs"] = new JsonArray([.. (stack.NotificationArns ?? []).Select(a => (JsonNode)JsonValue.Create(a))]),
        };
        var effective = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var parameter in template.Parameters.Values)
        {
            var raw = parameterValues.TryGetValue(parameter.Name, out var given) ? given
                : parameter.Default ?? throw new TemplateResolveException($"Parameters.{parameter.Name}: no value given and no Default.");
            if (parameter.Type.IsSsmParameter && stack.SsmParameterValues?.TryGetValue(raw, out var stored) == true)
            {
                raw = stored;
            }

            JsonNode value = parameter.Type.IsList
                ? new JsonArray([.. raw.Split(',').Select(s => (JsonNode)JsonValue.Create(s.Trim()))])
                : JsonValue.Create(raw);
            effective[parameter.Name] = value;
            values[parameter.Name] = value.DeepClone();
        }

        var allResources = template.Resources.Keys.ToHashSet(StringComparer.Ordinal);
        var conditionValues = new Dictionary<string, bool>(StringComparer.Ordinal);
        var inProgress = new HashSet<string>(StringComparer.Ordinal);
        ResolutionScope? conditionScope = null;
        bool Condition(string name)
        {
            if (conditionValues.TryGetValue(name, out var known))
            {
                return known;
            }

            if (!template.Conditions.TryGetValue(name, out var definition))
            {
                throw new TemplateResolveException($"Condition '{name}' is not defined.");
            }

            if (!inProgress.Add(name))
            {
                throw new TemplateResolveException($"Condition '{name}' refers to itself.");
            }

            var result = new IntrinsicEvaluator(conditionScope!, null).EvaluateCondition(definition, $"Conditions.{name}");
            inProgress.Remove(name);
            conditionValues[name] = result;
            return result;
        }

        // Conditions may only use parameters, pseudo parameters and other conditions, so they need no resource set.
        conditionScope = new ResolutionScope(values, template.Mappings, Condition, new HashSet<string>(), allResources, stack.Region);
        var live = template.Resources.Values
            .Where(r => r.Condition is null || Condition(r.Condition))
            .Select(r => r.LogicalId)
            .ToHashSet(StringComparer.Ordinal);
        var scope = conditionScope with { LiveResources = live };
        foreach (var name in template.Conditions.Keys)
        {
            Condition(name);
        }

        var evaluator = new IntrinsicEvaluator(scope, null);
        var resources = new Dictionary<string, ResolvedResource>(StringComparer.Ordinal);
        foreach (var resource in template.Resources.Values.Where(r => live.Contains(r.LogicalId)))
        {
            var path = $"Resources.{resource.LogicalId}";
            resources[resource.LogicalId] = new ResolvedResource(
                resource.LogicalId,
                resource.Type,
                evaluator.Evaluate(resource.Properties, path + ".Properties") as JsonObject ?? [],
                [.. resource.DependsOn.Where(live.Contains)],
                resource.DeletionPolicy,
                resource.UpdateReplacePolicy,
                evaluator.Evaluate(resource.Metadata, path + ".Metadata") as JsonObject);
        }

        var outputs = new Dictionary<string, ResolvedOutput>(StringComparer.Ordinal);
        foreach (var output in template.Outputs.Values.Where(o => o.Condition is null || Condition(o.Condition)))
        {
            var path = $"Outputs.{output.Name}";
            outputs[output.Name] = new ResolvedOutput(
                output.Name,
                evaluator.Evaluate(output.Value, path + ".Value"),
                output.Description,
                evaluator.Evaluate(output.ExportName, path + ".Export.Name"));
        }

        var graph = DependencyGraph.Build(
            [.. resources.Keys],
            id => ReferenceCollector.ResourceReferences(resources[id].Properties, live).Concat(resources[id].DependsOn));
        return new ResolvedTemplate(template, scope, effective, conditionValues, resources, outputs, graph);
    }
}
