using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Sandbox.State;

/// <summary>
/// The sandbox's state: stacks and cost allocation tag statuses, in memory and, when <c>Sandbox:DataDirectory</c> is set,
/// one JSON file per stack under <c>stacks/</c> plus <c>cost-allocation-tags.json</c>, each written atomically
/// (temporary file, then rename). Callers hold <see cref="Sync"/> while reading or changing records.
/// </summary>
internal sealed partial class SandboxStore
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private readonly string? _directory;
    private readonly Dictionary<string, StackRecord> _stacks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TagStatusRecord> _tagStatuses = new(StringComparer.Ordinal);

    public SandboxStore(IOptions<SandboxOptions> options, ILogger<SandboxStore> logger)
    {
        _directory = string.IsNullOrWhiteSpace(options.Value.DataDirectory) ? null : Path.GetFullPath(options.Value.DataDirectory);
        if (_directory is null)
        {
            LogInMemory(logger);
            return;
        }

        Directory.CreateDirectory(Path.Combine(_directory, "stacks"));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_directory, "stacks"), "*.json"))
        {
            var stack = JsonSerializer.Deserialize<StackRecord>(File.ReadAllBytes(file), Json)
                ?? throw new InvalidDataException($"{file} holds no stack.");
            _stacks[stack.StackId] = stack;
        }

        var tags = Path.Combine(_directory, "cost-allocation-tags.json");
        if (File.Exists(tags))
        {
            foreach (var (key, status) in JsonSerializer.Deserialize<Dictionary<string, TagStatusRecord>>(File.ReadAllBytes(tags), Json) ?? [])
            {
                _tagStatuses[key] = status;
            }
        }

        LogLoaded(logger, _stacks.Count, _directory);
    }

    public Lock Sync { get; } = new();

    /// <summary>Every stack, deleted ones included (hold <see cref="Sync"/>).</summary>
    public IEnumerable<StackRecord> Stacks => _stacks.Values;

    public int Count => _stacks.Count;

    public StackRecord? Find(string stackId) => _stacks.GetValueOrDefault(stackId);

    /// <summary>Cost allocation tag statuses by key (hold <see cref="Sync"/>).</summary>
    public IDictionary<string, TagStatusRecord> TagStatuses => _tagStatuses;

    public void Save(StackRecord stack)
    {
        _stacks[stack.StackId] = stack;
        if (_directory is not null)
        {
            var uuid = stack.StackId[(stack.StackId.LastIndexOf('/') + 1)..];
            WriteAtomically(Path.Combine(_directory, "stacks", uuid + ".json"), JsonSerializer.SerializeToUtf8Bytes(stack, Json));
        }
    }

    public void SaveTagStatuses()
    {
        if (_directory is not null)
        {
            WriteAtomically(Path.Combine(_directory, "cost-allocation-tags.json"), JsonSerializer.SerializeToUtf8Bytes(_tagStatuses, Json));
        }
    }

    private static void WriteAtomically(string path, byte[] content)
    {
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sandbox:DataDirectory is not set: the AWS sandbox keeps its state in memory only")]
    private static partial void LogInMemory(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "AWS sandbox loaded {Count} stacks from {Directory}")]
    private static partial void LogLoaded(ILogger logger, int count, string directory);
}

internal sealed record TagStatusRecord(string Status, DateTimeOffset LastUpdatedDate);
