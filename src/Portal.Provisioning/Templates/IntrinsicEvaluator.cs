using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Portal.Provisioning.Templates;

/// <summary>What intrinsic functions may look up: parameter and pseudo values, mappings, conditions and resources.</summary>
internal sealed record ResolutionScope(
    IReadOnlyDictionary<string, JsonNode> Values,
    IReadOnlyDictionary<string, JsonObject> Mappings,
    Func<string, bool> Condition,
    IReadOnlySet<string> LiveResources,
    IReadOnlySet<string> AllResources,
    string Region);

/// <summary>
/// Partially evaluates intrinsic functions: whatever depends only on parameters, pseudo parameters, mappings and
/// conditions is computed; references to resources stay as functions unless <paramref name="resources"/> supplies them.
/// </summary>
internal sealed class IntrinsicEvaluator(ResolutionScope scope, IResourceValues? resources)
{
    // Marks AWS::NoValue: the enclosing property or list item disappears. Never attached to a tree.
    private static readonly JsonObject NoValueMarker = [];

    public JsonNode? Evaluate(JsonNode? node, string path)
    {
        var result = EvaluateOrNoValue(node, path);
        return ReferenceEquals(result, NoValueMarker) ? null : result;
    }

    public bool EvaluateCondition(JsonNode? node, string path) => AsBool(EvaluateOrNoValue(node, path, conditionContext: true), path);

    private JsonNode? EvaluateOrNoValue(JsonNode? node, string path, bool conditionContext = false)
    {
        switch (node)
        {
            case JsonObject obj when Intrinsics.TryGetFunction(obj, out var fn, out var arg, allowCondition: conditionContext):
                return Function(fn, arg, $"{path}.{fn}", conditionContext);
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    var evaluated = EvaluateOrNoValue(value, $"{path}.{key}", conditionContext);
                    if (!ReferenceEquals(evaluated, NoValueMarker))
                    {
                        result[key] = evaluated;
                    }
                }

                return result;
            case JsonArray array:
                var list = new JsonArray();
                for (var i = 0; i < array.Count; i++)
                {
                    var evaluated = EvaluateOrNoValue(array[i], $"{path}[{i}]", conditionContext);
                    if (!ReferenceEquals(evaluated, NoValueMarker))
                    {
                        list.Add(evaluated);
                    }
                }

                return list;
            default:
                return node?.DeepClone();
        }
    }

    private JsonNode? Function(string fn, JsonNode? arg, string path, bool conditionContext) => fn switch
    {
        "Ref" => Ref(arg, path),
        "Condition" => JsonValue.Create(scope.Condition(RequireText(arg, path))),
        "Fn::If" => If(arg, path, conditionContext),
        "Fn::Equals" => EqualsFunction(arg, path),
        "Fn::And" => JsonValue.Create(Operands(arg, path, 2, 10).All(o => EvaluateCondition(o, path))),
        "Fn::Or" => JsonValue.Create(Operands(arg, path, 2, 10).Any(o => EvaluateCondition(o, path))),
        "Fn::Not" => JsonValue.Create(!EvaluateCondition(Operands(arg, path, 1, 1)[0], path)),
        "Fn::GetAtt" => GetAtt(arg, path),
        "Fn::Sub" => Sub(arg, path),
        "Fn::Select" => Select(arg, path),
        "Fn::Join" => Join(arg, path),
        "Fn::Split" => Split(arg, path),
        "Fn::FindInMap" => FindInMap(arg, path),
        "Fn::GetAZs" => GetAzs(arg, path),
        "Fn::Cidr" => CidrFunction(arg, path),
        "Fn::Base64" => Base64(arg, path),
        _ => new JsonObject { [fn] = Evaluate(arg, path) },
    };

    private JsonNode? Ref(JsonNode? arg, string path)
    {
        var name = RequireText(arg, path);
        if (name == Intrinsics.NoValue)
        {
            return NoValueMarker;
        }

        if (scope.Values.TryGetValue(name, out var value))
        {
            return value.DeepClone();
        }

        if (scope.LiveResources.Contains(name))
        {
            return resources is not null && resources.TryGetPhysicalId(name, out var id)
                ? JsonValue.Create(id)
                : new JsonObject { ["Ref"] = name };
        }

        throw new TemplateResolveException(scope.AllResources.Contains(name)
            ? $"{path}: Ref to resource '{name}', which is not created because its condition is false."
            : $"{path}: Ref to '{name}', which is neither a parameter, a pseudo parameter nor a resource.");
    }

    private JsonNode? GetAtt(JsonNode? arg, string path)
    {
        if (!Intrinsics.TryGetAttArguments(arg, out var resource, out var attributeNode))
        {
            throw new TemplateResolveException($"{path}: expected [resource, attribute].");
        }

        var attribute = RequireText(Evaluate(attributeNode, path), path);
        if (!scope.LiveResources.Contains(resource))
        {
            throw new TemplateResolveException(scope.AllResources.Contains(resource)
                ? $"{path}: Fn::GetAtt of resource '{resource}', which is not created because its condition is false."
                : $"{path}: Fn::GetAtt of '{resource}', which is not a resource.");
        }

        return resources is not null && resources.TryGetAttribute(resource, attribute, out var value)
            ? value?.DeepClone()
            : new JsonObject { ["Fn::GetAtt"] = new JsonArray(resource, attribute) };
    }

    private JsonNode? If(JsonNode? arg, string path, bool conditionContext)
    {
        var args = Operands(arg, path, 3, 3);
        var chosen = scope.Condition(RequireText(args[0], path)) ? args[1] : args[2];
        return EvaluateOrNoValue(chosen, path, conditionContext);
    }

    private JsonValue EqualsFunction(JsonNode? arg, string path)
    {
        var args = Operands(arg, path, 2, 2);
        var left = Evaluate(args[0], path);
        var right = Evaluate(args[1], path);
        if (!Intrinsics.IsResolved(left) || !Intrinsics.IsResolved(right))
        {
            throw new TemplateResolveException($"{path}: Fn::Equals can only compare parameters, pseudo parameters and literals.");
        }

        return JsonValue.Create(Canonical(left) == Canonical(right));
    }

    private JsonNode Sub(JsonNode? arg, string path)
    {
        string template;
        var variables = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (arg is JsonArray { Count: 2 } pair && pair[1] is JsonObject map)
        {
            template = RequireText(pair[0], path);
            foreach (var (key, value) in map)
            {
                variables[key] = Evaluate(value, $"{path}.{key}");
            }
        }
        else
        {
            template = RequireText(arg, path);
        }

        var output = new StringBuilder();
        var unresolved = false;
        var keptVariables = new JsonObject();
        foreach (var part in Intrinsics.ParseSub(template))
        {
            if (!part.IsVariable)
            {
                output.Append(Intrinsics.Unparse(part));
                continue;
            }

            var resolved = SubVariable(part.Text, variables, path);
            if (resolved is JsonValue scalar)
            {
                output.Append(TextOf(scalar).Replace("${", "${!", StringComparison.Ordinal));
            }
            else
            {
                unresolved = true;
                output.Append(Intrinsics.Unparse(part));
                if (variables.TryGetValue(part.Text, out var kept) && !keptVariables.ContainsKey(part.Text))
                {
                    keptVariables[part.Text] = kept?.DeepClone();
                }
            }
        }

        if (!unresolved)
        {
            // No variables left: undo the "${!" escaping, which only Fn::Sub itself interprets.
            return JsonValue.Create(string.Concat(Intrinsics.ParseSub(output.ToString()).Select(p => p.IsVariable ? "${" + p.Text + "}" : p.Text)));
        }

        return new JsonObject { ["Fn::Sub"] = keptVariables.Count == 0 ? output.ToString() : new JsonArray(output.ToString(), keptVariables) };
    }

    private JsonNode? SubVariable(string name, Dictionary<string, JsonNode?> variables, string path)
    {
        if (variables.TryGetValue(name, out var value))
        {
            return value is JsonArray ? throw new TemplateResolveException($"{path}: Fn::Sub variable '{name}' is a list.") : value;
        }

        if (scope.Values.TryGetValue(name, out var parameter))
        {
            return parameter is JsonArray list ? JsonValue.Create(string.Join(',', list.Select(i => i is JsonValue v ? TextOf(v) : ""))) : parameter;
        }

        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot > 0
            ? GetAtt(new JsonArray(name[..dot], name[(dot + 1)..]), path)
            : Ref(JsonValue.Create(name), path);
    }

    private JsonNode? Select(JsonNode? arg, string path)
    {
        var args = Operands(arg, path, 2, 2);
        var index = Evaluate(args[0], path);
        var list = Evaluate(args[1], path);
        if (index is JsonValue indexValue && list is JsonArray items && Intrinsics.IsResolved(items))
        {
            if (!int.TryParse(TextOf(indexValue), NumberStyles.None, CultureInfo.InvariantCulture, out var i) || i >= items.Count)
            {
                throw new TemplateResolveException($"{path}: Fn::Select index {TextOf(indexValue)} is outside the list of {items.Count}.");
            }

            return items[i]?.DeepClone();
        }

        return new JsonObject { ["Fn::Select"] = new JsonArray(index, list) };
    }

    private JsonNode Join(JsonNode? arg, string path)
    {
        var args = Operands(arg, path, 2, 2);
        var delimiter = RequireText(args[0], path);
        var list = Evaluate(args[1], path);
        if (list is JsonArray items && items.All(i => i is JsonValue))
        {
            return JsonValue.Create(string.Join(delimiter, items.Select(i => TextOf((JsonValue)i!))));
        }

        return new JsonObject { ["Fn::Join"] = new JsonArray(delimiter, list) };
    }

    private JsonNode Split(JsonNode? arg, string path)
    {
        var args = Operands(arg, path, 2, 2);
        var delimiter = RequireText(args[0], path);
        var source = Evaluate(args[1], path);
        return source is JsonValue text
            ? new JsonArray([.. TextOf(text).Split(delimiter).Select(s => (JsonNode)JsonValue.Create(s))])
            : new JsonObject { ["Fn::Split"] = new JsonArray(delimiter, source) };
    }

    private JsonNode? FindInMap(JsonNode? arg, string path)
    {
        var args = Operands(arg, path, 3, 4);
        var keys = args.Take(3).Select(a => Evaluate(a, path)).ToList();
        if (keys.Any(k => k is not JsonValue))
        {
            return new JsonObject { ["Fn::FindInMap"] = new JsonArray([.. keys]) };
        }

        var (mapName, topKey, secondKey) = (TextOf((JsonValue)keys[0]!), TextOf((JsonValue)keys[1]!), TextOf((JsonValue)keys[2]!));
        if (!scope.Mappings.TryGetValue(mapName, out var map))
        {
            throw new TemplateResolveException($"{path}: Fn::FindInMap: no mapping '{mapName}'.");
        }

        if (map[topKey] is JsonObject entry && entry.TryGetPropertyValue(secondKey, out var value))
        {
            return value?.DeepClone();
        }

        return args.Count == 4 && args[3] is JsonObject fallback && fallback["DefaultValue"] is { } defaultValue
            ? Evaluate(defaultValue, path)
            : throw new TemplateResolveException($"{path}: Fn::FindInMap: mapping '{mapName}' has no '{topKey}' / '{secondKey}'.");
    }

    private JsonNode GetAzs(JsonNode? arg, string path)
    {
        var region = Evaluate(arg, path);
        var name = region is JsonValue value ? TextOf(value) : "";
        return new JsonArray([.. StackContext.AvailabilityZones(name.Length == 0 ? scope.Region : name).Select(z => (JsonNode)JsonValue.Create(z))]);
    }

    private JsonNode CidrFunction(JsonNode? arg, string path)
    {
        var args = Operands(arg, path, 3, 3).Select(a => Evaluate(a, path)).ToList();
        if (args.Any(a => a is not JsonValue))
        {
            return new JsonObject { ["Fn::Cidr"] = new JsonArray([.. args]) };
        }

        var block = TextOf((JsonValue)args[0]!);
        if (!int.TryParse(TextOf((JsonValue)args[1]!), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || !int.TryParse(TextOf((JsonValue)args[2]!), NumberStyles.None, CultureInfo.InvariantCulture, out var bits))
        {
            throw new TemplateResolveException($"{path}: Fn::Cidr count and cidrBits must be integers.");
        }

        try
        {
            return new JsonArray([.. Cidr.Split(block, count, bits).Select(c => (JsonNode)JsonValue.Create(c))]);
        }
        catch (TemplateResolveException ex)
        {
            throw new TemplateResolveException($"{path}: {ex.Message}");
        }
    }

    private JsonNode Base64(JsonNode? arg, string path)
    {
        var value = Evaluate(arg, path);
        return value is JsonValue text
            ? JsonValue.Create(Convert.ToBase64String(Encoding.UTF8.GetBytes(TextOf(text))))
            : new JsonObject { ["Fn::Base64"] = value };
    }

    private bool AsBool(JsonNode? node, string path) => node is JsonValue value && TextOf(value) is var text && (text == "true" || text == "false")
        ? text == "true"
        : throw new TemplateResolveException($"{path}: expected a condition (true or false).");

    private static List<JsonNode?> Operands(JsonNode? arg, string path, int min, int max) =>
        arg is JsonArray array && array.Count >= min && array.Count <= max
            ? [.. array]
            : throw new TemplateResolveException(min == max
                ? $"{path}: expected a list of {min}."
                : $"{path}: expected a list of {min} to {max}.");

    private static string RequireText(JsonNode? node, string path) =>
        node is JsonValue value ? TextOf(value) : throw new TemplateResolveException($"{path}: expected a string.");

    private static string TextOf(JsonValue value) => CfnYamlReader.ScalarText(value);

    private static string Canonical(JsonNode? node) => node switch
    {
        JsonValue value => TextOf(value),
        null => "",
        _ => node.ToJsonString(),
    };
}
