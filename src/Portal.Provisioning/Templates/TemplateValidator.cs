using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Portal.Provisioning.Templates.TemplateErrorCodes;

namespace Portal.Provisioning.Templates;

/// <summary>
/// Checks a template against CloudFormation's rules and the embedded resource schemas: resource types, properties
/// (unknown, mistyped, missing, enum values), references, conditions, mappings, parameters, outputs and cycles.
/// </summary>
public sealed class TemplateValidator(SchemaRegistry schemas)
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

    private sealed class Run(CfnTemplate template, SchemaRegistry schemas)
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
                if (template.Root[section] is { } node && node is not JsonObject)
                {
                    Error(section, InvalidSection, $"{section} must be a mapping.");
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
        }

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

        private void Check(JsonNode? value, SchemaNode schema, string path)
        {
            if (Intrinsics.TryGetFunction(value, out var fn, out var arg))
            {
                // Intrinsics satisfy any type; Fn::If's branches are still values the property may take.
                if (fn == "Fn::If" && arg is JsonArray { Count: 3 } branches)
                {
                    foreach (var branch in branches.Skip(1).Where(b => !Intrinsics.IsNoValueRef(b)))
                    {
                        Check(branch, schema, path);
                    }
                }

                return;
            }

            if (value is null)
            {
                Error(path, NullValue, "A property value may not be null (remove it or use !Ref AWS::NoValue).");
                return;
            }

            if (schema.Types != SchemaTypes.Any && !Matches(value, schema.Types))
            {
                Error(path, TypeMismatch, $"Expected {Describe(schema.Types)}, got {DescribeValue(value)}.");
                return;
            }

            switch (value)
            {
                case JsonObject obj:
                    CheckObject(obj, schema, path);
                    break;
                case JsonArray array when schema.Items is { } items:
                    for (var i = 0; i < array.Count; i++)
                    {
                        if (!Intrinsics.IsNoValueRef(array[i]))
                        {
                            Check(array[i], items, $"{path}[{i}]");
                        }
                    }

                    break;
                case JsonValue scalar:
                    CheckScalar(scalar, schema, path);
                    break;
                default:
                    break;
            }
        }

        private void CheckScalar(JsonValue scalar, SchemaNode schema, string path)
        {
            var text = CfnYamlReader.ScalarText(scalar);
            if (schema.Enum is { } allowed)
            {
                var comparison = schema.EnumCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
                if (!allowed.Any(a => string.Equals(a, text, comparison)))
                {
                    Error(path, InvalidValue, $"'{text}' is not one of: {string.Join(", ", allowed)}.");
                }

                return;
            }

            if (schema.Types.HasFlag(SchemaTypes.String) && scalar.GetValueKind() == JsonValueKind.String)
            {
                if (text.Length < schema.MinLength || text.Length > schema.MaxLength)
                {
                    Error(path, ValueOutOfRange, $"'{text}' is {text.Length} characters long; allowed: {schema.MinLength ?? 0} to {(schema.MaxLength is { } max ? max.ToString(CultureInfo.InvariantCulture) : "any")}.");
                }

                return;
            }

            if ((schema.Minimum is not null || schema.Maximum is not null)
                && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                && (number < schema.Minimum || number > schema.Maximum))
            {
                Error(path, ValueOutOfRange, $"{text} is outside {schema.Minimum?.ToString(CultureInfo.InvariantCulture) ?? "-∞"}..{schema.Maximum?.ToString(CultureInfo.InvariantCulture) ?? "∞"}.");
            }
        }

        private void CheckObject(JsonObject obj, SchemaNode schema, string path)
        {
            var present = new HashSet<string>(StringComparer.Ordinal);
            var definite = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, child) in obj)
            {
                if (Intrinsics.IsNoValueRef(child))
                {
                    continue;
                }

                present.Add(key);
                if (!Intrinsics.TryGetFunction(child, out var fn, out _) || fn != "Fn::If")
                {
                    definite.Add(key);
                }

                var childSchema = schema.FindProperty(key);
                if (childSchema is null)
                {
                    if (schema.ClosedProperties)
                    {
                        Error($"{path}.{key}", UnknownProperty, $"'{key}' is not a property here{Suggest(schema, key)}.");
                    }

                    continue;
                }

                Check(child, childSchema, $"{path}.{key}");
            }

            CheckRequired(schema, present, path);
            CheckCombinations(schema, present, definite, path);
        }

        // cfn-lint's extra keywords; a property set through Fn::If may be absent, so it never proves a conflict.
        private void CheckCombinations(SchemaNode schema, HashSet<string> present, HashSet<string> definite, string path)
        {
            if (schema.RequiredXor is { } xor)
            {
                var set = xor.Where(definite.Contains).ToList();
                if (!xor.Any(present.Contains))
                {
                    Error(path, RequiredPropertyMissing, $"Exactly one of these properties is required: {string.Join(", ", xor)}.");
                }
                else if (set.Count > 1)
                {
                    Error($"{path}.{set[1]}", ConflictingProperties, $"Only one of {string.Join(", ", xor)} may be set; found {string.Join(" and ", set)}.");
                }
            }

            if (schema.RequiredOr is { } or && !or.Any(present.Contains))
            {
                Error(path, RequiredPropertyMissing, $"At least one of these properties is required: {string.Join(", ", or)}.");
            }

            foreach (var (key, needed) in schema.DependentRequired ?? EmptyDependencies)
            {
                foreach (var name in needed.Where(n => definite.Contains(key) && !present.Contains(n)))
                {
                    Error($"{path}.{name}", RequiredPropertyMissing, $"'{name}' is required when '{key}' is set.");
                }
            }

            var reported = new HashSet<(string, string)>();
            foreach (var (key, excluded) in schema.DependentExcluded ?? EmptyDependencies)
            {
                foreach (var name in excluded.Where(n => definite.Contains(key) && definite.Contains(n)))
                {
                    // Schemas usually list a conflict in both directions; report each pair once.
                    if (reported.Add(string.CompareOrdinal(key, name) < 0 ? (key, name) : (name, key)))
                    {
                        Error($"{path}.{name}", ConflictingProperties, $"'{name}' cannot be set together with '{key}'.");
                    }
                }
            }
        }

        private void CheckRequired(SchemaNode schema, HashSet<string> present, string path)
        {
            foreach (var name in schema.Required.Where(r => !present.Contains(r)))
            {
                Error($"{path}.{name}", RequiredPropertyMissing, $"Required property '{name}' is missing.");
            }

            if (schema.RequiredAlternatives is { } alternatives && !alternatives.Any(set => set.All(present.Contains)))
            {
                var names = alternatives.Select(a => string.Join(" + ", a)).ToList();
                Error(path, RequiredPropertyMissing, $"One of these properties is required: {string.Join(", ", names)}.");
            }
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

        // Reference checks: Ref, Fn::GetAtt, Fn::Sub, Fn::If, Condition and Fn::FindInMap, anywhere below node.
        private void Walk(JsonNode? node, string path, bool inCondition)
        {
            switch (node)
            {
                case JsonObject obj when Intrinsics.TryGetFunction(obj, out var fn, out var arg, allowCondition: inCondition):
                    WalkFunction(fn, arg, $"{path}.{fn}", inCondition);
                    break;
                case JsonObject obj:
                    foreach (var (key, value) in obj)
                    {
                        Walk(value, $"{path}.{key}", inCondition);
                    }

                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        Walk(array[i], $"{path}[{i}]", inCondition);
                    }

                    break;
                default:
                    break;
            }
        }

        private void WalkFunction(string fn, JsonNode? arg, string path, bool inCondition)
        {
            switch (fn)
            {
                case "Ref":
                    if (TemplateParser.Text(arg) is { } name)
                    {
                        CheckRef(name, path, inCondition);
                    }
                    else
                    {
                        Walk(arg, path, inCondition);
                    }

                    return;
                case "Condition":
                    CheckConditionName(arg, path);
                    return;
                case "Fn::GetAtt":
                    CheckGetAtt(arg, path, inCondition);
                    return;
                case "Fn::Sub":
                    CheckSub(arg, path, inCondition);
                    return;
                case "Fn::If":
                    if (arg is JsonArray { Count: 3 } ifArgs)
                    {
                        CheckConditionName(ifArgs[0], $"{path}[0]");
                        Walk(ifArgs[1], $"{path}[1]", inCondition);
                        Walk(ifArgs[2], $"{path}[2]", inCondition);
                    }
                    else
                    {
                        Error(path, MalformedFunction, "Fn::If takes [condition, value if true, value if false].");
                    }

                    return;
                case "Fn::FindInMap":
                    CheckFindInMap(arg, path, inCondition);
                    return;
                default:
                    if (!Functions.Contains(fn))
                    {
                        Error(path, UnknownFunction, $"'{fn}' is not an intrinsic function.");
                    }

                    Walk(arg, path, inCondition);
                    return;
            }
        }

        private void CheckRef(string name, string path, bool inCondition)
        {
            if (template.Parameters.ContainsKey(name))
            {
                _usedParameters.Add(name);
            }
            else if (template.Resources.ContainsKey(name))
            {
                if (inCondition)
                {
                    Error(path, ResourceReferenceInCondition, $"Conditions may not refer to resource '{name}'.");
                }
            }
            else if (!schemas.PseudoParameters.Contains(name))
            {
                Error(path, UndefinedReference, $"'{name}' is not a parameter, pseudo parameter or resource.");
            }
        }

        private void CheckConditionName(JsonNode? node, string path)
        {
            if (TemplateParser.Text(node) is not { } name)
            {
                Error(path, MalformedFunction, "A condition name must be a string.");
            }
            else if (!template.Conditions.ContainsKey(name))
            {
                Error(path, UndefinedCondition, $"Condition '{name}' is not defined in Conditions.");
            }
        }

        private void CheckGetAtt(JsonNode? arg, string path, bool inCondition)
        {
            if (!Intrinsics.TryGetAttArguments(arg, out var resourceName, out var attribute))
            {
                Error(path, MalformedFunction, "Fn::GetAtt takes [resource, attribute] or 'resource.attribute'.");
                return;
            }

            if (TemplateParser.Text(attribute) is { } attributeName)
            {
                CheckAttribute(resourceName, attributeName, path, inCondition);
            }
            else
            {
                CheckAttribute(resourceName, null, path, inCondition);
                Walk(attribute, $"{path}[1]", inCondition);
            }
        }

        private void CheckAttribute(string resourceName, string? attribute, string path, bool inCondition)
        {
            if (!template.Resources.TryGetValue(resourceName, out var resource))
            {
                Error(path, UndefinedReference, $"Fn::GetAtt names '{resourceName}', which is not a resource.");
                return;
            }

            if (inCondition)
            {
                Error(path, ResourceReferenceInCondition, $"Conditions may not refer to resource '{resourceName}'.");
                return;
            }

            if (attribute is null || resource.IsCustom || schemas.AttributesOf(resource.Type) is not { } attributes)
            {
                return;
            }

            if (!attributes.Contains(attribute))
            {
                var known = attributes.Count == 0 ? "none" : string.Join(", ", attributes.Order(StringComparer.Ordinal).Take(25));
                Error(path, UnknownAttribute, $"{resource.Type} has no attribute '{attribute}' (attributes: {known}).");
            }
        }

        private void CheckSub(JsonNode? arg, string path, bool inCondition)
        {
            string? text;
            JsonObject? variables = null;
            if (arg is JsonArray pair)
            {
                if (pair.Count != 2 || pair[1] is not JsonObject map)
                {
                    Error(path, MalformedFunction, "Fn::Sub takes a string or [string, {variables}].");
                    return;
                }

                (text, variables) = (TemplateParser.Text(pair[0]), map);
                foreach (var (key, value) in map)
                {
                    Walk(value, $"{path}[1].{key}", inCondition);
                }
            }
            else
            {
                text = TemplateParser.Text(arg);
            }

            if (text is null)
            {
                Error(path, MalformedFunction, "Fn::Sub's template must be a string.");
                return;
            }

            foreach (var part in Intrinsics.ParseSub(text))
            {
                if (!part.IsVariable || (variables?.ContainsKey(part.Text) ?? false))
                {
                    continue;
                }

                var dot = part.Text.IndexOf('.', StringComparison.Ordinal);
                if (dot > 0)
                {
                    CheckAttribute(part.Text[..dot], part.Text[(dot + 1)..], path, inCondition);
                }
                else
                {
                    CheckRef(part.Text, path, inCondition);
                }
            }
        }

        private void CheckFindInMap(JsonNode? arg, string path, bool inCondition)
        {
            if (arg is not JsonArray { Count: 3 or 4 } args)
            {
                Error(path, MalformedFunction, "Fn::FindInMap takes [map, top-level key, second-level key].");
                return;
            }

            Walk(args, path, inCondition);
            if (TemplateParser.Text(args[0]) is not { } mapName || args[0] is not JsonValue)
            {
                return;
            }

            if (!template.Mappings.TryGetValue(mapName, out var map))
            {
                Error($"{path}[0]", UnknownMapping, $"Mapping '{mapName}' is not defined in Mappings.");
                return;
            }

            if (args[1] is not JsonValue || TemplateParser.Text(args[1]) is not { } topKey)
            {
                return;
            }

            if (map[topKey] is not JsonObject entry)
            {
                Error($"{path}[1]", UnknownMappingKey, $"Mapping '{mapName}' has no key '{topKey}'.");
                return;
            }

            if (args[2] is JsonValue && TemplateParser.Text(args[2]) is { } secondKey && !entry.ContainsKey(secondKey) && args.Count == 3)
            {
                Error($"{path}[2]", UnknownMappingKey, $"Mapping '{mapName}' has no key '{secondKey}' under '{topKey}'.");
            }
        }

        private bool ReferencesAnything(JsonNode? value) => value switch
        {
            JsonObject obj when Intrinsics.TryGetFunction(obj, out var fn, out var arg) => fn switch
            {
                "Ref" or "Fn::GetAtt" or "Fn::ImportValue" or "Fn::GetAZs" => true,
                "Fn::Sub" => ReferenceCollector.References(obj).Any() || ReferencesAnything(arg),
                "Fn::If" => true,
                _ => ReferencesAnything(arg),
            },
            JsonObject obj => obj.Any(kv => ReferencesAnything(kv.Value)),
            JsonArray array => array.Any(ReferencesAnything),
            _ => false,
        };

        private static bool Matches(JsonNode value, SchemaTypes types)
        {
            switch (value)
            {
                case JsonObject:
                    return types.HasFlag(SchemaTypes.Object);
                case JsonArray:
                    return types.HasFlag(SchemaTypes.Array);
                case JsonValue scalar:
                    // CloudFormation converts scalars: "10" is a fine integer, 10 a fine string, "true" a fine boolean.
                    var text = CfnYamlReader.ScalarText(scalar);
                    var kind = scalar.GetValueKind();
                    return (types.HasFlag(SchemaTypes.String) && kind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
                        || (types.HasFlag(SchemaTypes.Boolean) && (kind is JsonValueKind.True or JsonValueKind.False || text.Equals("true", StringComparison.OrdinalIgnoreCase) || text.Equals("false", StringComparison.OrdinalIgnoreCase)))
                        || (types.HasFlag(SchemaTypes.Integer) && kind is JsonValueKind.String or JsonValueKind.Number && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                        || (types.HasFlag(SchemaTypes.Number) && kind is JsonValueKind.String or JsonValueKind.Number && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
                default:
                    return false;
            }
        }

        private static string Describe(SchemaTypes types) =>
            string.Join(" or ", Enum.GetValues<SchemaTypes>().Where(t => t != SchemaTypes.Any && types.HasFlag(t)).Select(t => t.ToString().ToLowerInvariant()));

        private static string DescribeValue(JsonNode value) => value switch
        {
            JsonObject => "an object",
            JsonArray => "a list",
            JsonValue scalar => $"'{CfnYamlReader.ScalarText(scalar)}'",
            _ => "a value",
        };

        private static string Suggest(SchemaNode schema, string key)
        {
            var match = schema.Properties?.Keys
                .Select(k => (Name: k, Distance: EditDistance(k.ToUpperInvariant(), key.ToUpperInvariant())))
                .Where(c => c.Distance <= Math.Max(1, key.Length / 4))
                .OrderBy(c => c.Distance)
                .Select(c => c.Name)
                .FirstOrDefault();
            return match is null ? "" : $" (did you mean '{match}'?)";
        }

        private static int EditDistance(string a, string b)
        {
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (var j = 0; j <= b.Length; j++)
            {
                previous[j] = j;
            }

            for (var i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (var j = 1; j <= b.Length; j++)
                {
                    current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                }

                (previous, current) = (current, previous);
            }

            return previous[b.Length];
        }

        private void Error(string path, string code, string message) => Errors.Add(new TemplateError(path, code, message));

        private void Warning(string path, string code, string message) => Errors.Add(new TemplateError(path, code, message, TemplateErrorSeverity.Warning));
    }
}
