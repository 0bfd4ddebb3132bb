using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Features.Live;

/// <summary>
/// A node's hub for one kind of live list row: one read per change per node, shared by every page that shows it. It listens to
/// <see cref="LifecycleSignals"/> (each change arrives once: in-process or from the database's NOTIFY / poll), reads the
/// changed rows of its kind in one batch (changes arriving while a read runs are read together by the next, at most
/// <see cref="MaxBatch"/> a batch), and hands every subscriber the row. Nobody subscribed: nothing is read. The two uses differ
/// only in their batch read and the change they hand out: <see cref="Environments.LiveEnvironmentRows"/> and
/// <see cref="LiveRequestRows"/>.
/// </summary>
/// <typeparam name="TRow">The row as the lists show it.</typeparam>
/// <typeparam name="TChange">What a subscriber gets: the change with its row (null when the row is gone).</typeparam>
public abstract class LiveRowHub<TRow, TChange> : IDisposable
    where TRow : class
    where TChange : class
{
    /// <summary>The most rows read in one batch.</summary>
    public const int MaxBatch = 200;

    private readonly LifecycleChangeKind _kind;
    private readonly ILogger _logger;
    private readonly IDisposable _signal;
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, LifecycleChange> _pending = [];
    private Func<TChange, Task>[] _subscribers = [];
    private bool _reading;
    private long _reads;

    protected LiveRowHub(LifecycleSignals signals, LifecycleChangeKind kind, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(signals);
        ArgumentNullException.ThrowIfNull(logger);
        _kind = kind;
        _logger = logger;
        _signal = signals.Subscribe(OnSignal);
    }

    /// <summary>Batch reads issued so far: for tests and metrics.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <summary>Registers a page; dispose the result to stop. Handlers run on the hub's thread: keep them short (InvokeAsync).</summary>
    public IDisposable Subscribe(Func<TChange, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, handler];
        }

        return new Subscription(this, handler);
    }

    /// <summary>The rows of these ids as they are now, by id (a row that is gone is absent): the one read per batch.</summary>
    protected abstract Task<IReadOnlyDictionary<Guid, TRow>> ReadAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken);

    /// <summary>What subscribers get for a change whose row is <paramref name="row"/> (null: gone).</summary>
    protected abstract TChange Changed(LifecycleChange change, TRow? row);

    /// <summary>
    /// What subscribers get for "many of this kind changed" (<see cref="LifecycleChange.Id"/> empty), delivered without a read;
    /// null (the default): such a change is ignored.
    /// </summary>
    protected virtual TChange? ManyChanged(LifecycleChange change) => null;

    private Task OnSignal(LifecycleChange change)
    {
        if (change.Kind != _kind || Volatile.Read(ref _subscribers).Length == 0)
        {
            return Task.CompletedTask;
        }

        if (change.Id == Guid.Empty)
        {
            if (ManyChanged(change) is { } many)
            {
                Deliver(many, change.Id);
            }

            return Task.CompletedTask;
        }

        lock (_gate)
        {
            _pending[change.Id] = change;
            if (_reading)
            {
                return Task.CompletedTask;
            }

            _reading = true;
        }

        return Task.Run(ReadLoopAsync);
    }

    private async Task ReadLoopAsync()
    {
        while (true)
        {
            Dictionary<Guid, LifecycleChange> batch;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _reading = false;
                    return;
                }

                batch = _pending.Take(MaxBatch).ToDictionary();
                foreach (var id in batch.Keys)
                {
                    _pending.Remove(id);
                }
            }

            try
            {
                Interlocked.Increment(ref _reads);
                var rows = await ReadAsync(batch.Keys, CancellationToken.None).ConfigureAwait(false);
                foreach (var (id, change) in batch)
                {
                    Deliver(Changed(change, rows.GetValueOrDefault(id)), id);
                }
            }
            catch (Exception ex)
            {
                // The database is away: pages keep what they show; the next change (or the feed's catch-up) brings them on.
                LiveRowHubLog.ReadFailed(_logger, ex, batch.Count, _kind);
            }
        }
    }

    private void Deliver(TChange change, Guid id)
    {
        foreach (var handler in Volatile.Read(ref _subscribers))
        {
            _ = RunAsync(handler, change, id);
        }
    }

    private async Task RunAsync(Func<TChange, Task> handler, TChange change, Guid id)
    {
        try
        {
            await handler(change).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LiveRowHubLog.HandlerFailed(_logger, ex, _kind, id);
        }
    }

    private void Remove(Func<TChange, Task> handler)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers.Where(h => h != handler)];
        }
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _signal.Dispose();
        }
    }

    private sealed class Subscription(LiveRowHub<TRow, TChange> owner, Func<TChange, Task> handler) : IDisposable
    {
        public void Dispose() => owner.Remove(handler);
    }
}

internal static partial class LiveRowHubLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read {Count} changed {Kind} row(s) for live pages")]
    public static partial void ReadFailed(ILogger logger, Exception exception, int count, LifecycleChangeKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live {Kind} row handler failed for {Id}")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, LifecycleChangeKind kind, Guid id);
}
