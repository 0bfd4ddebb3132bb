using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Portal.Provisioning.Templates.TemplateErrorCodes;

namespace Portal.Provisioning.Templates;

public sealed partial class TemplateValidator
{
    // Resource properties against the resource provider schemas.
    private sealed partial class Run
    {
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
    }
}
