using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Portal.Sandbox.CloudFormation;

/// <summary>
/// What was changed "by hand" outside CloudFormation (a resource's actual properties, or the resource deleted), keyed by
/// stack, logical and physical id (two resources may share a physical id: a bucket and its policy), so a replacement starts in sync, and the results of drift detections (computed when a detection starts,
/// reported once it completes). In memory and, with <c>Sandbox:DataDirectory</c>, in <c>drift.json</c>. Callers hold the
/// store's lock.
/// </summary>
internal sealed class DriftState
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };
    private readonly string? _file;

    public DriftState(IOptions<SandboxOptions> options)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.DataDirectory))
        {
            _file = Path.Combine(Path.GetFullPath(options.Value.DataDirectory), "drift.json");
            if (File.Exists(_file))
            {
                Data = JsonSerializer.Deserialize<DriftData>(File.ReadAllBytes(_file), Json) ?? new DriftData();
            }
        }
    }

    public DriftData Data { get; } = new();

    /// <summary>A resource's key in <see cref="DriftData"/>: its stack, logical id and physical id.</summary>
    public static string Key(State.StackRecord stack, State.ResourceRecord resource) => $"{stack.StackId}|{resource.LogicalId}|{resource.PhysicalId}";

    public void Save()
    {
        if (_file is not null)
        {
            var temporary = _file + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(Data, Json));
            File.Move(temporary, _file, overwrite: true);
        }
    }
}

internal sealed class DriftData
{
    /// <summary>Actual properties changed by hand, per resource key (<see cref="DriftState.Key"/>): each property's actual value (a JSON null: removed).</summary>
    public Dictionary<string, JsonObject> HandEdits { get; init; } = [];

    /// <summary>Keys of resources deleted by hand.</summary>
    public HashSet<string> DeletedByHand { get; init; } = [];

    /// <summary>Detection results by detection id.</summary>
    public Dictionary<string, DetectionResult> Results { get; init; } = [];
}

internal sealed record DetectionResult(string StackId, string StackDriftStatus, List<ResourceDriftRecord> Resources);

internal sealed record ResourceDriftRecord(
    string LogicalResourceId,
    string PhysicalResourceId,
    string ResourceType,
    string ExpectedProperties,
    string ActualProperties,
    string Status,
    List<PropertyDifferenceRecord> Differences);

internal sealed record PropertyDifferenceRecord(string PropertyPath, string ExpectedValue, string ActualValue, string DifferenceType);
