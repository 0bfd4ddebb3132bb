using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace Portal.Sandbox.Http;

/// <summary>A query-protocol request body: <c>Name=value</c>, lists as <c>Name.member.N</c>, structures as <c>Name.member.N.Field</c>.</summary>
internal sealed class QueryArgs(Dictionary<string, StringValues> values)
{
    public static QueryArgs Parse(string body) => new(QueryHelpers.ParseQuery(body));

    public string? Get(string name) => values.TryGetValue(name, out var v) && v.Count > 0 ? v[^1] : null;

    public string Required(string name) =>
        Get(name) is { Length: > 0 } value ? value
        : throw SandboxApiException.Validation($"1 validation error detected: Value null at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must not be null");

    public bool? Bool(string name) => Get(name) is { } v ? bool.Parse(v) : null;

    public int? Int(string name) => Get(name) is { } v ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : null;

    public List<string> List(string name)
    {
        var result = new List<string>();
        for (var i = 1; Get($"{name}.member.{i}") is { } item; i++)
        {
            result.Add(item);
        }

        return result;
    }

    public List<Dictionary<string, string>> Structs(string name)
    {
        var result = new List<Dictionary<string, string>>();
        for (var i = 1; ; i++)
        {
            var prefix = $"{name}.member.{i}.";
            var fields = values.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value.Count > 0 ? kv.Value[^1] ?? "" : "", StringComparer.Ordinal);
            if (fields.Count == 0)
            {
                return result;
            }

            result.Add(fields);
        }
    }
}
