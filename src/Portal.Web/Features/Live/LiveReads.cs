using System.Diagnostics;
using System.Runtime.CompilerServices;
using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Features.Live;

/// <summary>
/// One read per change per node for live pages that show more than a list row (a request's page, an environment's page, an
/// engineer's Home): every page that heard of a change asks for the data by a key, and the first read that started after the
/// page heard of it is shared by every page asking — N open pages of the same thing cost one read per change, not N.
/// <para>
/// A page notes <see cref="Heard()"/> (or, the same moment for every page that got the same change,
/// <see cref="Heard(LifecycleChange)"/>) when a change reaches it (after the change's commit) and passes it to
/// <see cref="ReadAsync{T}"/>: a read that started at or after that moment includes the change. A failed read is not kept.
/// </para>
/// </summary>
public sealed class LiveReads
{
    private const int PruneAbove = 1024;
    private static readonly long KeepTicks = Stopwatch.Frequency * 60;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = [];
    private long _reads;

    /// <summary>Reads issued so far (for tests and metrics).</summary>
    public long Reads => Interlocked.Read(ref _reads);

    private static readonly ConditionalWeakTable<LifecycleChange, StrongBox<long>> HeardChanges = [];

    /// <summary>The moment a page heard of a change (a monotonic timestamp).</summary>
    public static long Heard() => Stopwatch.GetTimestamp();

    /// <summary>
    /// The moment this node heard of <paramref name="change"/>: the first page to ask stamps it, every other page that got the
    /// same change gets the same moment — so they all share the first read started after it, however their reloads interleave.
    /// </summary>
    public static long Heard(LifecycleChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return HeardChanges.GetValue(change, _ => new StrongBox<long>(Stopwatch.GetTimestamp())).Value;
    }

    /// <summary>
    /// The data under <paramref name="key"/> as read at or after <paramref name="heardAt"/>: shares a read that started then or
    /// later (running or done), else starts one with <paramref name="read"/>.
    /// </summary>
    public Task<T> ReadAsync<T>(string key, long heardAt, Func<Task<T>> read)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(read);
        TaskCompletionSource<T> source;
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.StartedAt >= heardAt && entry.Task is Task<T> shared)
            {
                return shared;
            }

            source = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_entries.Count > PruneAbove)
            {
                Prune();
            }

            _entries[key] = new Entry(Stopwatch.GetTimestamp(), source.Task);
        }

        Interlocked.Increment(ref _reads);
        _ = RunAsync(key, source, read);
        return source.Task;
    }

    private async Task RunAsync<T>(string key, TaskCompletionSource<T> source, Func<Task<T>> read)
    {
        try
        {
            source.TrySetResult(await read().ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                if (_entries.TryGetValue(key, out var entry) && entry.Task == source.Task)
                {
                    _entries.Remove(key);
                }
            }

            source.TrySetException(ex);
        }
    }

    private void Prune()
    {
        var before = Stopwatch.GetTimestamp() - KeepTicks;
        foreach (var (key, entry) in _entries.Where(e => e.Value.StartedAt < before && e.Value.Task.IsCompleted).ToList())
        {
            _entries.Remove(key);
        }
    }

    private sealed record Entry(long StartedAt, Task Task);
}
