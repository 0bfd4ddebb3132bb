using System.Text.Json.Nodes;
using static Portal.Provisioning.Templates.TemplateErrorCodes;

namespace Portal.Provisioning.Templates;

/// <summary>
/// Checks a template against CloudFormation's rules and the embedded resource schemas: resource types, properties
/// (unknown, mistyped, missing, enum values), references, conditions, mappings, parameters, outputs and cycles.
/// </summary>
public sealed partial class TemplateValidator(SchemaRegistry schemas)
{
    private static readonly Lazy<TemplateValidator> Shared = new(() => new TemplateValidator(SchemaRegistry.Default));

    private static readonly HashSet<string> Sections = new(StringComparer.Ordinal)
    {
        "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings", "Conditions", "Transform", "Resources", "Outputs",
    };

    private static readonly HashSet<string> ResourceAttributes = new(StringComparer.Ordinal)
    {
        "Type", "Properties", "DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy", "Metadata", "CreationPolicy", "UpdatePolicy", "Version",
    };

    private static readonly HashSet<string> Functions = new(StringComparer.Ordinal)
    {
        "Fn::Base64", "Fn::Cidr", "Fn::Contains", "Fn::FindInMap", "Fn::GetAZs", "Fn::GetAtt", "Fn::GetStackOutput", "Fn::If", "Fn::ImportValue",
        "Fn::Join", "Fn::Length", "Fn::Select", "Fn::Split", "Fn::Sub", "Fn::ToJsonString", "Fn::Transform", "Fn::And", "Fn::Equals", "Fn::Not", "Fn::Or",
    };

    private static readonly HashSet<string> DeletionPolicies = new(StringComparer.Ordinal) { "Delete", "Retain", "Snapshot", "RetainExceptOnCreate" };

    private static readonly Dictionary<string, IReadOnlyList<string>> EmptyDependencies = [];

    public static TemplateValidator Default => Shared.Value;

    public IReadOnlyList<TemplateError> Validate(CfnTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var run = new Run(template, schemas);
        run.Execute();
        return run.Errors;
    }

    /// <summary>
    /// Checks a resolved template's resource properties against the schemas: with conditions applied and parameters
    /// substituted, this finds what only some parameter values break (a property missing in one tier, a preset out of range).
    /// </summary>
    public IReadOnlyList<TemplateError> ValidateResolved(ResolvedTemplate resolved)
    {
        ArgumentNullException.ThrowIfNull(resolved);
        var run = new Run(resolved.Template, schemas);
        run.ExecuteResolved(resolved);
        return run.Errors;
    }

    private sealed partial class Run(CfnTemplate template, SchemaRegistry schemas)
    {
        private readonly HashSet<string> _usedParameters = new(StringComparer.Ordinal);

        public List<TemplateError> Errors { get; } = [];

        public void Execute()
        {
            foreach (var (key, _) in template.Root)
            {
                if (!Sections.Contains(key))
                {
                    Error(key, UnknownSection, $"'{key}' is not a template section.");
                }
            }

            foreach (var section in new[] { "Parameters", "Mappings", "Conditions", "Resources", "Outputs" })
            {
                var node = template.Root[section];
                if (node is not null and not JsonObject)
                {
                    Error(section, InvalidSection, $"{section} must be a mapping.");
                }
                else if (node is JsonObject names)
                {
                    foreach (var (name, _) in names.Where(n => !IsLogicalId(n.Key)))
                    {
                        Error($"{section}.{name}", InvalidLogicalId, $"'{name}' must be alphanumeric (A-Z, a-z, 0-9) and at most 255 characters.");
                    }
                }
            }

            if (template.Resources.Count == 0)
            {
                Error("Resources", NoResources, "A template must declare at least one resource.");
            }

            CheckParameters();
            CheckConditions();
            foreach (var resource in template.Resources.Values)
            {
                CheckResource(resource);
            }

            CheckOutputs();
            CheckCycles();
            foreach (var parameter in template.Parameters.Keys.Where(p => !_usedParameters.Contains(p)))
            {
                Warning($"Parameters.{parameter}", UnusedParameter, $"Parameter '{parameter}' is declared but never referenced.");
            }
        }

        private void CheckParameters()
        {
            foreach (var parameter in template.Parameters.Values)
            {
                var path = $"Parameters.{parameter.Name}";
                if (template.Root["Parameters"]?[parameter.Name] is not JsonObject definition || definition["Type"] is null)
                {
                    Error(path, InvalidParameterType, $"Parameter '{parameter.Name}' must declare a Type.");
                    continue;
                }

                if (!schemas.ParameterTypes.Contains(parameter.Type.Name))
                {
                    Error($"{path}.Type", InvalidParameterType, $"'{parameter.Type.Name}' is not a CloudFormation parameter type.");
                    continue;
                }

                if (parameter.AllowedPattern is { } pattern && !ParameterValidator.IsValidPattern(pattern))
                {
                    Error($"{path}.AllowedPattern", InvalidParameterPattern, $"'{pattern}' is not a valid regular expression.");
                    continue;
                }

                if (parameter.Default is { } value && ParameterValidator.CheckValue(parameter, value) is { } problem)
                {
                    Error($"{path}.Default", InvalidParameterDefault, $"The default breaks the parameter's own constraints: {problem}");
                }
            }
        }

        private void CheckConditions()
        {
            foreach (var (name, definition) in template.Conditions)
            {
                Walk(definition, $"Conditions.{name}", inCondition: true);
            }
        }

        private void CheckResource(CfnResource resource)
        {
            var path = $"Resources.{resource.LogicalId}";
            if (template.Root["Resources"]?[resource.LogicalId] is not JsonObject)
            {
                Error(path, InvalidSection, $"Resource '{resource.LogicalId}' must be a mapping.");
                return;
            }

            foreach (var (key, _) in resource.Definition)
            {
                if (!ResourceAttributes.Contains(key))
                {
                    Error($"{path}.{key}", UnknownResourceAttribute, $"'{key}' is not a resource attribute.");
                }
            }

            foreach (var (attribute, value) in new[] { ("DeletionPolicy", resource.DeletionPolicy), ("UpdateReplacePolicy", resource.UpdateReplacePolicy) })
            {
                if (value is not null && !DeletionPolicies.Contains(value))
                {
                    Error($"{path}.{attribute}", InvalidDeletionPolicy, $"'{value}' is not one of {string.Join(", ", DeletionPolicies)}.");
                }
            }

            if (resource.Condition is { } condition && !template.Conditions.ContainsKey(condition))
            {
                Error($"{path}.Condition", UndefinedCondition, $"Condition '{condition}' is not defined in Conditions.");
            }

            for (var i = 0; i < resource.DependsOn.Count; i++)
            {
                var target = resource.DependsOn[i];
                if (!template.Resources.ContainsKey(target))
                {
                    Error(resource.Definition["DependsOn"] is JsonArray ? $"{path}.DependsOn[{i}]" : $"{path}.DependsOn", UndefinedReference,
                        $"DependsOn names '{target}', which is not a resource.");
                }
            }

            Walk(resource.Definition["Properties"], $"{path}.Properties", inCondition: false);
            Walk(resource.Metadata, $"{path}.Metadata", inCondition: false);
            CheckProperties(resource, path);
        }

        public void ExecuteResolved(ResolvedTemplate resolved)
        {
            foreach (var resource in resolved.Resources.Values)
            {
                if (schemas.SchemaOf(resource.Type) is { } schema)
                {
                    Check(resource.Properties, schema, $"Resources.{resource.LogicalId}.Properties");
                }
            }

            foreach (var output in resolved.Outputs.Values)
            {
                if (output.Value is JsonArray or null || (output.Value is JsonObject obj && !Intrinsics.TryGetFunction(obj, out _, out _)))
                {
                    Error($"Outputs.{output.Name}.Value", OutputNotString, $"Output '{output.Name}' must be a string, not {(output.Value is null ? "empty" : output.Value.ToJsonString())}.");
                }
            }
        }

        private bool HasServerlessTransform() => template.Root["Transform"] switch
        {
            JsonArray transforms => transforms.Any(t => TemplateParser.Text(t)?.StartsWith("AWS::Serverless", StringComparison.Ordinal) == true),
            var single => TemplateParser.Text(single)?.StartsWith("AWS::Serverless", StringComparison.Ordinal) == true,
        };

        private static bool IsLogicalId(string name) => name.Length is > 0 and <= 255 && name.All(char.IsAsciiLetterOrDigit);

        private void CheckProperties(CfnResource resource, string path)
        {
            if (resource.Definition["Type"] is null)
            {
                Error($"{path}.Type", MissingResourceType, $"Resource '{resource.LogicalId}' has no Type.");
                return;
            }

            if (resource.IsCustom)
            {
                return;
            }

            if (resource.Type.StartsWith("AWS::Serverless::", StringComparison.Ordinal) && HasServerlessTransform())
            {
                Warning($"{path}.Type", SchemaUnavailable, $"'{resource.Type}' is expanded by the AWS::Serverless transform, so its properties cannot be validated here.");
                return;
            }

            if (!schemas.IsKnownResourceType(resource.Type))
            {
                Error($"{path}.Type", UnknownResourceType, $"'{resource.Type}' is not a resource type CloudFormation offers in us-east-1.");
                return;
            }

            if (schemas.SchemaOf(resource.Type) is not { } schema)
            {
                Warning($"{path}.Type", SchemaUnavailable, $"No schema for '{resource.Type}' is bundled, so its properties cannot be validated.");
                return;
            }

            var properties = resource.Definition["Properties"];
            if (properties is null)
            {
                CheckRequired(schema, [], $"{path}.Properties");
                return;
            }

            Check(properties, schema, $"{path}.Properties");
        }

        private void CheckOutputs()
        {
            foreach (var output in template.Outputs.Values)
            {
                var path = $"Outputs.{output.Name}";
                if (output.Value is null)
                {
                    Error($"{path}.Value", MissingOutputValue, $"Output '{output.Name}' has no Value.");
                    continue;
                }

                if (output.Condition is { } condition && !template.Conditions.ContainsKey(condition))
                {
                    Error($"{path}.Condition", UndefinedCondition, $"Condition '{condition}' is not defined in Conditions.");
                }

                Walk(output.Value, $"{path}.Value", inCondition: false);
                Walk(output.ExportName, $"{path}.Export.Name", inCondition: false);
                if (!ReferencesAnything(output.Value))
                {
                    Warning($"{path}.Value", OutputWithoutReference, $"Output '{output.Name}' is a constant: it references no parameter, resource or import.");
                }
            }
        }

        private void CheckCycles()
        {
            var ids = template.Resources.Keys.ToList();
            try
            {
                DependencyGraph.Build(ids, id =>
                {
                    var resource = template.Resources[id];
                    return ReferenceCollector.References(resource.Definition["Properties"]).Concat(resource.DependsOn);
                });
            }
            catch (DependencyCycleException ex)
            {
                Error($"Resources.{ex.Cycle[0]}", DependencyCycle, ex.Message);
            }
        }

        private void Error(string path, string code, string message) => Errors.Add(new TemplateError(path, code, message));

        private void Warning(string path, string code, string message) => Errors.Add(new TemplateError(path, code, message, TemplateErrorSeverity.Warning));
    }
}
