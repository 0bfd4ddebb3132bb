using System.Text.Json.Nodes;

namespace Portal.Provisioning.Templates;

/// <summary>Physical ids and attributes of resources already created, used to resolve <c>Ref</c>/<c>Fn::GetAtt</c>/<c>Fn::Sub</c> to them.</summary>
public interface IResourceValues
{
    bool TryGetPhysicalId(string logicalId, out string physicalId);

    bool TryGetAttribute(string logicalId, string attribute, out JsonNode? value);
}

/// <summary>An <see cref="IResourceValues"/> backed by dictionaries (attributes keyed by logical id, then attribute name).</summary>
public sealed class ResourceValues(
    IReadOnlyDictionary<string, string> physicalIds,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, JsonNode?>>? attributes = null) : IResourceValues
{
    public bool TryGetPhysicalId(string logicalId, out string physicalId) =>
        physicalIds.TryGetValue(logicalId, out physicalId!);

    public bool TryGetAttribute(string logicalId, string attribute, out JsonNode? value)
    {
        value = null;
        return attributes is not null
            && attributes.TryGetValue(logicalId, out var byName)
            && byName.TryGetValue(attribute, out value);
    }
}
