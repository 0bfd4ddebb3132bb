using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Features.Environments;

/// <summary>
/// The node's hub for live environment rows: one read per change per node, shared by every page that shows it. It listens to
/// <see cref="LifecycleSignals"/> (each change arrives once: in-process or from the database's NOTIFY / poll), reads the
/// changed rows in one statement per batch (changes arriving while a read runs are read together by the next), and hands
/// every subscriber the row. Nobody subscribed: nothing is read. Pages update the row in place and reload only when the
/// change can move rows on the page they show (see <see cref="EnvironmentsLiveList"/>).
/// </summary>
public sealed partial class LiveEnvironmentRows : IDisposable
{
    private const int MaxBatch = 200;
    private readonly EnvironmentQueries _queries;
    private readonly ILogger<LiveEnvironmentRows> _logger;
    private readonly IDisposable _signal;
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Guid> _pending = []; // environment id → team id
    private Func<EnvironmentRowChange, Task>[] _subscribers = [];
    private bool _reading;
    private long _reads;

    public LiveEnvironmentRows(EnvironmentQueries queries, LifecycleSignals signals, ILogger<LiveEnvironmentRows> logger)
    {
        ArgumentNullException.ThrowIfNull(signals);
        _queries = queries;
        _logger = logger;
        _signal = signals.Subscribe(OnSignal);
    }

    /// <summary>Row reads (statements) issued so far: for tests and metrics.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <summary>Registers a page; dispose the result to stop. Handlers run on the hub's thread: keep them short (InvokeAsync).</summary>
    public IDisposable Subscribe(Func<EnvironmentRowChange, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, handler];
        }

        return new Subscription(this, handler);
    }

    private Task OnSignal(LifecycleChange change)
    {
        if (change.Kind != LifecycleChangeKind.Environment || Volatile.Read(ref _subscribers).Length == 0)
        {
            return Task.CompletedTask;
        }

        if (change.Id == Guid.Empty)
        {
            // "Many environments changed" (e.g. the expiry sweep on SQLite): every page reloads what it shows.
            Deliver(new EnvironmentRowChange(Guid.Empty, Guid.Empty, null));
            return Task.CompletedTask;
        }

        lock (_gate)
        {
            _pending[change.Id] = change.TeamId;
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
            Dictionary<Guid, Guid> batch;
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
                var rows = (await _queries.SummariesAsync(batch.Keys, CancellationToken.None).ConfigureAwait(false)).ToDictionary(r => r.Id);
                foreach (var (id, team) in batch)
                {
                    Deliver(new EnvironmentRowChange(id, team, rows.GetValueOrDefault(id)));
                }
            }
            catch (Exception ex)
            {
                // The database is away: pages keep what they show; the next change (or the feed's catch-up) brings them on.
                LogReadFailed(ex, batch.Count);
            }
        }
    }

    private void Deliver(EnvironmentRowChange change)
    {
        foreach (var handler in Volatile.Read(ref _subscribers))
        {
            _ = RunAsync(handler, change);
        }
    }

    private async Task RunAsync(Func<EnvironmentRowChange, Task> handler, EnvironmentRowChange change)
    {
        try
        {
            await handler(change).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(ex, change.Id);
        }
    }

    private void Remove(Func<EnvironmentRowChange, Task> handler)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers.Where(h => h != handler)];
        }
    }

    public void Dispose() => _signal.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read {Count} changed environment row(s) for live pages")]
    private partial void LogReadFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live environment row handler failed for {Id}")]
    private partial void LogHandlerFailed(Exception exception, Guid id);

    private sealed class Subscription(LiveEnvironmentRows owner, Func<EnvironmentRowChange, Task> handler) : IDisposable
    {
        public void Dispose() => owner.Remove(handler);
    }
}

/// <summary>
/// An environment changed: its list row as it is now (<see cref="Row"/> null when it is gone). <see cref="Id"/> empty: many
/// changed, reload.
/// </summary>
public sealed record EnvironmentRowChange(Guid Id, Guid TeamId, EnvironmentSummary? Row);
