using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Portal.Provisioning.Templates;

/// <summary>
/// The CloudFormation reference data embedded in this assembly (cfn-lint v1.51.5 schemas, see Templates/Schemas/SOURCE.md):
/// resource type names, parameter types, resource schemas and Fn::GetAtt attributes. Loaded once; thread-safe.
/// </summary>
public sealed class SchemaRegistry
{
    private const string Prefix = "Portal.Provisioning.Schemas.";
    private static readonly Lazy<SchemaRegistry> Shared = new(() => new SchemaRegistry(typeof(SchemaRegistry).Assembly));

    private readonly Assembly _assembly;
    private readonly FrozenDictionary<string, string> _schemaResources;
    private readonly ConcurrentDictionary<string, Lazy<SchemaNode>> _compiled = new(StringComparer.Ordinal);
    private readonly FrozenDictionary<string, FrozenSet<string>> _attributes;

    private SchemaRegistry(Assembly assembly)
    {
        _assembly = assembly;
        var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
        _schemaResources = names
            .Where(n => n.StartsWith(Prefix + "AWS__", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
            .ToFrozenDictionary(n => n[Prefix.Length..^".json".Length].Replace("__", "::", StringComparison.Ordinal), n => n, StringComparer.Ordinal);
        ResourceTypes = Lines("resource-types-us-east-1.txt").ToFrozenSet(StringComparer.Ordinal);
        ParameterTypes = Lines("parameter-types.txt").ToFrozenSet(StringComparer.Ordinal);
        PseudoParameters = Lines("pseudo-parameters.txt").ToFrozenSet(StringComparer.Ordinal);
        var getAtts = JsonNode.Parse(Read("derived-getatt-attributes.json"))?["types"] as JsonObject ?? [];
        _attributes = getAtts.ToFrozenDictionary(
            kv => kv.Key,
            kv => (kv.Value?["attributes"] as JsonObject ?? []).Select(a => a.Key).ToFrozenSet(StringComparer.Ordinal),
            StringComparer.Ordinal);
    }

    public static SchemaRegistry Default => Shared.Value;

    /// <summary>Every resource type available in us-east-1 (<c>Custom::*</c> is valid too and not listed).</summary>
    public FrozenSet<string> ResourceTypes { get; }

    public FrozenSet<string> ParameterTypes { get; }

    public FrozenSet<string> PseudoParameters { get; }

    public IEnumerable<string> TypesWithSchema => _schemaResources.Keys;

    public bool IsKnownResourceType(string type) =>
        type.StartsWith("Custom::", StringComparison.Ordinal) || ResourceTypes.Contains(type);

    public bool HasSchema(string type) => _schemaResources.ContainsKey(type);

    /// <summary>The Fn::GetAtt attribute names of <paramref name="type"/>; null when not known (no schema, or custom).</summary>
    public IReadOnlySet<string>? AttributesOf(string type) => _attributes.TryGetValue(type, out var set) ? set : null;

    internal SchemaNode? SchemaOf(string type) =>
        _schemaResources.TryGetValue(type, out var resource)
            ? _compiled.GetOrAdd(type, _ => new Lazy<SchemaNode>(() => SchemaCompiler.Compile(JsonNode.Parse(Read(resource[Prefix.Length..])) as JsonObject ?? []))).Value
            : null;

    /// <summary>Compiles every schema now, so the first validation is as fast as the rest.</summary>
    public void WarmUp()
    {
        foreach (var type in _schemaResources.Keys)
        {
            SchemaOf(type);
        }
    }

    private IEnumerable<string> Lines(string file) =>
        Read(file).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'));

    private string Read(string file)
    {
        using var stream = _assembly.GetManifestResourceStream(Prefix + file)
            ?? throw new InvalidOperationException($"Embedded resource {Prefix}{file} is missing from {_assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
