using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Requests;

namespace Portal.Web.Features.Live;

/// <summary>
/// The node's hub for live request rows, the way <see cref="Environments.LiveEnvironmentRows"/> is for environments: one read
/// per change per node, shared by every page, badge and card that shows requests. It listens to <see cref="LifecycleSignals"/>,
/// reads the changed requests in one batch (changes arriving while a read runs are read together by the next; 3 statements a
/// batch) and hands every subscriber the row with who decided it. Nobody subscribed: nothing is read. The requests list and the
/// approval queue swap a shown row in place and reload only when the visible page's membership or order can change
/// (<see cref="RequestsLiveList"/>); the approvals badge keeps its count from the rows (<see cref="LiveRequestRow.WaitsFor"/>).
/// </summary>
public sealed partial class LiveRequestRows : IDisposable
{
    private const int MaxBatch = 200;
    private readonly RequestQueries _queries;
    private readonly ILogger<LiveRequestRows> _logger;
    private readonly IDisposable _signal;
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, LifecycleChange> _pending = [];
    private Func<RequestRowChange, Task>[] _subscribers = [];
    private bool _reading;
    private long _reads;

    public LiveRequestRows(RequestQueries queries, LifecycleSignals signals, ILogger<LiveRequestRows> logger)
    {
        ArgumentNullException.ThrowIfNull(signals);
        _queries = queries;
        _logger = logger;
        _signal = signals.Subscribe(OnSignal);
    }

    /// <summary>Batch reads issued so far: for tests and metrics.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <summary>Registers a page; dispose the result to stop. Handlers run on the hub's thread: keep them short (InvokeAsync).</summary>
    public IDisposable Subscribe(Func<RequestRowChange, Task> handler)
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
        if (change.Kind != LifecycleChangeKind.Request || change.Id == Guid.Empty || Volatile.Read(ref _subscribers).Length == 0)
        {
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
                var rows = (await _queries.LiveRowsAsync(batch.Keys, CancellationToken.None).ConfigureAwait(false)).ToDictionary(r => r.Summary.Id);
                foreach (var (id, change) in batch)
                {
                    Deliver(new RequestRowChange(id, change.TeamId, change.EnvironmentId, rows.GetValueOrDefault(id)));
                }
            }
            catch (Exception ex)
            {
                // The database is away: pages keep what they show; the next change brings them on.
                LogReadFailed(ex, batch.Count);
            }
        }
    }

    private void Deliver(RequestRowChange change)
    {
        foreach (var handler in Volatile.Read(ref _subscribers))
        {
            _ = RunAsync(handler, change);
        }
    }

    private async Task RunAsync(Func<RequestRowChange, Task> handler, RequestRowChange change)
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

    private void Remove(Func<RequestRowChange, Task> handler)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers.Where(h => h != handler)];
        }
    }

    public void Dispose() => _signal.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read {Count} changed request row(s) for live pages")]
    private partial void LogReadFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live request row handler failed for {Id}")]
    private partial void LogHandlerFailed(Exception exception, Guid id);

    private sealed class Subscription(LiveRequestRows owner, Func<RequestRowChange, Task> handler) : IDisposable
    {
        public void Dispose() => owner.Remove(handler);
    }
}

/// <summary>A request's list row as it is now, and who has decided it (approved or rejected).</summary>
public sealed record LiveRequestRow(RequestSummary Summary, IReadOnlyList<Guid> DeciderIds)
{
    /// <summary>Whether the request waits for <paramref name="engineerId"/>'s decision (the approvals badge's rule).</summary>
    public bool WaitsFor(Guid engineerId) =>
        Summary.Status == Portal.Data.Entities.Lifecycle.RequestStatus.PendingApproval && Summary.Requester.Id != engineerId && !DeciderIds.Contains(engineerId);
}

/// <summary>A request changed: its row as it is now (<see cref="Row"/> null when it is gone), with the page's heard-at moment.</summary>
public sealed record RequestRowChange(Guid Id, Guid TeamId, Guid? EnvironmentId, LiveRequestRow? Row)
{
    /// <summary>When the hub handed the row out (<see cref="LiveReads.Heard"/>): reads started after it include the change.</summary>
    public long HeardAt { get; } = LiveReads.Heard();
}
