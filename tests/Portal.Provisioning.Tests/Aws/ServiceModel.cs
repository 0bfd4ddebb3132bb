using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Portal.Provisioning.Tests.Aws;

/// <summary>A botocore service model, used to check serialized requests against the input shapes.</summary>
public sealed class ServiceModel
{
    private static readonly Regex Iso8601 = new(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant);

    private readonly JsonElement _root;
    private readonly JsonElement _shapes;

    private ServiceModel(JsonDocument document)
    {
        _root = document.RootElement;
        _shapes = _root.GetProperty("shapes");
    }

    public static ServiceModel CloudFormation { get; } = Load("cloudformation-2010-05-15.service-2.json");

    public static ServiceModel CostExplorer { get; } = Load("ce-2017-10-25.service-2.json");

    public string ApiVersion => _root.GetProperty("metadata").GetProperty("apiVersion").GetString()!;

    public string Metadata(string name) => _root.GetProperty("metadata").GetProperty(name).GetString()!;

    public static string TestDataPath(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, "TestData", "Aws", .. parts]);

    public static JsonDocument LoadJson(string file) => JsonDocument.Parse(File.ReadAllText(TestDataPath(file)));

    private static ServiceModel Load(string file) => new(LoadJson(file));

    public string InputShape(string operation) =>
        _root.GetProperty("operations").GetProperty(operation).GetProperty("input").GetProperty("shape").GetString()!;

    public bool HasOperation(string operation) => _root.GetProperty("operations").TryGetProperty(operation, out _);

    public IReadOnlyList<string> MemberNames(string shapeName) =>
        [.. _shapes.GetProperty(shapeName).GetProperty("members").EnumerateObject().Select(m => m.Name)];

    public IReadOnlyList<string> RequiredMembers(string shapeName) =>
        _shapes.GetProperty(shapeName).TryGetProperty("required", out var required)
            ? [.. required.EnumerateArray().Select(r => r.GetString()!)]
            : [];

    /// <summary>Problems with a query-protocol request: every key must resolve through the input shape (member.N for lists, entry.N.key/value for maps).</summary>
    public IReadOnlyList<string> CheckQuery(string operation, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        var errors = new List<string>();
        var action = parameters.Where(p => p.Key == "Action").Select(p => p.Value).ToList();
        var version = parameters.Where(p => p.Key == "Version").Select(p => p.Value).ToList();
        if (action is not [var a] || a != operation)
        {
            errors.Add($"Action must be exactly once '{operation}', got [{string.Join(",", action)}]");
        }

        if (version is not [var v] || v != ApiVersion)
        {
            errors.Add($"Version must be exactly once '{ApiVersion}', got [{string.Join(",", version)}]");
        }

        var duplicates = parameters.GroupBy(p => p.Key).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        errors.AddRange(duplicates.Select(d => $"{d} appears more than once"));

        var input = InputShape(operation);
        var structures = new HashSet<(string Prefix, string Shape)> { ("", input) };
        foreach (var (key, value) in parameters.Where(p => p.Key is not "Action" and not "Version"))
        {
            WalkQuery(input, key.Split('.'), 0, "", value, errors, structures);
        }

        var keys = parameters.Select(p => p.Key).ToList();
        foreach (var (prefix, shape) in structures)
        {
            foreach (var required in RequiredMembers(shape))
            {
                var path = prefix.Length == 0 ? required : $"{prefix}.{required}";
                if (!keys.Any(k => k == path || k.StartsWith(path + ".", StringComparison.Ordinal)))
                {
                    errors.Add($"required member {path} of {shape} is missing");
                }
            }
        }

        return errors;
    }

    private void WalkQuery(string shapeName, string[] parts, int i, string prefix, string value, List<string> errors, HashSet<(string, string)> structures)
    {
        var shape = _shapes.GetProperty(shapeName);
        var type = shape.GetProperty("type").GetString();
        var here = string.Join(".", parts.Take(i));
        switch (type)
        {
            case "structure":
                if (i >= parts.Length)
                {
                    errors.Add($"{here} is structure {shapeName} but was given a value");
                    return;
                }

                structures.Add((here, shapeName));
                if (!shape.GetProperty("members").TryGetProperty(parts[i], out var member))
                {
                    errors.Add($"{string.Join(".", parts.Take(i + 1))}: '{parts[i]}' is not a member of {shapeName}");
                    return;
                }

                WalkQuery(member.GetProperty("shape").GetString()!, parts, i + 1, prefix, value, errors, structures);
                return;

            case "list":
                if (i >= parts.Length)
                {
                    if (value.Length != 0)
                    {
                        errors.Add($"{here} is list {shapeName}: only an empty value (empty list) may stand without .member.N");
                    }

                    return;
                }

                var flattened = shape.TryGetProperty("flattened", out var f) && f.GetBoolean();
                var indexAt = flattened ? i : i + 1;
                if (!flattened && parts[i] != "member")
                {
                    errors.Add($"{here} is list {shapeName}: expected '.member.N', got '.{parts[i]}'");
                    return;
                }

                if (indexAt >= parts.Length || !int.TryParse(parts[indexAt], NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index < 1)
                {
                    errors.Add($"{here}: list index must be a 1-based integer");
                    return;
                }

                WalkQuery(shape.GetProperty("member").GetProperty("shape").GetString()!, parts, indexAt + 1, prefix, value, errors, structures);
                return;

            case "map":
                if (i + 2 >= parts.Length || parts[i] != "entry" || !int.TryParse(parts[i + 1], CultureInfo.InvariantCulture, out _)
                    || parts[i + 2] is not ("key" or "value"))
                {
                    errors.Add($"{here} is map {shapeName}: expected '.entry.N.key' or '.entry.N.value'");
                    return;
                }

                WalkQuery(shape.GetProperty(parts[i + 2]).GetProperty("shape").GetString()!, parts, i + 3, prefix, value, errors, structures);
                return;

            default:
                if (i != parts.Length)
                {
                    errors.Add($"{string.Join(".", parts)}: {here} is scalar {shapeName} and has no members");
                    return;
                }

                CheckScalar(here, shapeName, shape, type!, value, errors);
                return;
        }
    }

    private static void CheckScalar(string path, string shapeName, JsonElement shape, string type, string value, List<string> errors)
    {
        switch (type)
        {
            case "boolean":
                if (value is not ("true" or "false"))
                {
                    errors.Add($"{path} is boolean: '{value}' is not lowercase true/false");
                }

                break;
            case "integer" or "long":
                if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    errors.Add($"{path} is {type}: '{value}' is not an integer");
                }
                else
                {
                    if (shape.TryGetProperty("min", out var min) && number < min.GetInt64())
                    {
                        errors.Add($"{path}: {number} is below min {min}");
                    }

                    if (shape.TryGetProperty("max", out var max) && number > max.GetInt64())
                    {
                        errors.Add($"{path}: {number} is above max {max}");
                    }
                }

                break;
            case "timestamp":
                if (!Iso8601.IsMatch(value))
                {
                    errors.Add($"{path} is timestamp: '{value}' is not ISO 8601");
                }

                break;
            case "string":
                CheckString(path, shapeName, shape, value, errors);
                break;
            default:
                errors.Add($"{path}: unexpected scalar type {type}");
                break;
        }
    }

    private static void CheckString(string path, string shapeName, JsonElement shape, string value, List<string> errors)
    {
        if (shape.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(e => e.GetString() == value))
        {
            errors.Add($"{path}: '{value}' is not one of {shapeName}'s values");
        }

        if (shape.TryGetProperty("min", out var min) && value.Length < min.GetInt32())
        {
            errors.Add($"{path}: shorter than {min}");
        }

        if (shape.TryGetProperty("max", out var max) && value.Length > max.GetInt32())
        {
            errors.Add($"{path}: longer than {max}");
        }

        if (shape.TryGetProperty("pattern", out var pattern))
        {
            var regex = new Regex($"^(?:{pattern.GetString()!.TrimStart('^').TrimEnd('$')})$", RegexOptions.CultureInvariant);
            if (!regex.IsMatch(value))
            {
                errors.Add($"{path}: '{value}' does not match {shapeName}'s pattern {pattern}");
            }
        }
    }

    /// <summary>Problems with a JSON-protocol body: every key a member of its shape, types right, required members present.</summary>
    public IReadOnlyList<string> CheckJson(string operation, JsonElement body)
    {
        var errors = new List<string>();
        WalkJson(InputShape(operation), body, "$", errors);
        return errors;
    }

    private void WalkJson(string shapeName, JsonElement element, string path, List<string> errors)
    {
        var shape = _shapes.GetProperty(shapeName);
        var type = shape.GetProperty("type").GetString()!;
        switch (type)
        {
            case "structure":
                if (element.ValueKind != JsonValueKind.Object)
                {
                    errors.Add($"{path} should be an object ({shapeName})");
                    return;
                }

                var members = shape.GetProperty("members");
                foreach (var property in element.EnumerateObject())
                {
                    if (!members.TryGetProperty(property.Name, out var member))
                    {
                        errors.Add($"{path}.{property.Name}: not a member of {shapeName}");
                        continue;
                    }

                    if (property.Value.ValueKind == JsonValueKind.Null)
                    {
                        errors.Add($"{path}.{property.Name}: null should be omitted");
                        continue;
                    }

                    WalkJson(member.GetProperty("shape").GetString()!, property.Value, $"{path}.{property.Name}", errors);
                }

                foreach (var required in RequiredMembers(shapeName))
                {
                    if (!element.TryGetProperty(required, out _))
                    {
                        errors.Add($"{path}: required member {required} of {shapeName} is missing");
                    }
                }

                return;
            case "list":
                if (element.ValueKind != JsonValueKind.Array)
                {
                    errors.Add($"{path} should be an array ({shapeName})");
                    return;
                }

                var itemShape = shape.GetProperty("member").GetProperty("shape").GetString()!;
                var n = 0;
                foreach (var item in element.EnumerateArray())
                {
                    WalkJson(itemShape, item, $"{path}[{n++}]", errors);
                }

                return;
            case "map":
                if (element.ValueKind != JsonValueKind.Object)
                {
                    errors.Add($"{path} should be an object ({shapeName})");
                    return;
                }

                foreach (var property in element.EnumerateObject())
                {
                    CheckString($"{path} key", shape.GetProperty("key").GetProperty("shape").GetString()!, _shapes.GetProperty(shape.GetProperty("key").GetProperty("shape").GetString()!), property.Name, errors);
                    WalkJson(shape.GetProperty("value").GetProperty("shape").GetString()!, property.Value, $"{path}.{property.Name}", errors);
                }

                return;
            case "string":
                if (element.ValueKind != JsonValueKind.String)
                {
                    errors.Add($"{path} should be a string ({shapeName})");
                    return;
                }

                CheckString(path, shapeName, shape, element.GetString()!, errors);
                return;
            case "boolean":
                if (element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    errors.Add($"{path} should be a boolean");
                }

                return;
            case "integer" or "long":
                if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var number))
                {
                    errors.Add($"{path} should be an integer");
                    return;
                }

                CheckScalar(path, shapeName, shape, type, number.ToString(CultureInfo.InvariantCulture), errors);
                return;
            default:
                errors.Add($"{path}: unexpected type {type}");
                return;
        }
    }
}
