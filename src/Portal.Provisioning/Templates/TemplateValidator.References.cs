using System.Text.Json.Nodes;
using static Portal.Provisioning.Templates.TemplateErrorCodes;

namespace Portal.Provisioning.Templates;

public sealed partial class TemplateValidator
{
    // Ref, Fn::GetAtt, Fn::Sub, conditions and mappings: every name must exist.
    private sealed partial class Run
    {
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
    }
}
