using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// Tells live pages that a request, an environment or a user's notifications changed: every change once per node.
/// <para>
/// Two sources feed it. In-process publishers call <see cref="Publish"/> after their commit; the <see cref="LifecycleChangeFeed"/>
/// calls <see cref="PublishFromDatabase"/> with what the database says changed. On PostgreSQL the database is the only source
/// for the kinds its trigger covers (environments, requests, notifications — migration 0015 sends a NOTIFY in the writer's
/// transaction, to every node, this one included): while the feed listens, in-process publishes of those kinds are dropped,
/// so nothing arrives twice. On SQLite (one node) in-process publishes are delivered at once and the feed's poll skips a row
/// whose change was already published here (<see cref="WasPublishedSince"/>).
/// </para>
/// Subscribers get the change, not the row: a per-node hub (the web's <c>LiveEnvironmentRows</c>) reads a changed row once and
/// hands it to every page that shows it.
/// </summary>
public sealed partial class LifecycleSignals(ILogger<LifecycleSignals> logger, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _clock = timeProvider ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<(LifecycleChangeKind Kind, Guid Id), DateTimeOffset> _publishedHere = new();
    private ImmutableSubscribers _subscribers = new([]);
    private volatile bool _databaseDelivers;

    /// <summary>True while the database delivers every environment/request/notification change to this node (PostgreSQL LISTEN).</summary>
    public bool DatabaseDelivers => _databaseDelivers;

    /// <summary>How many subscribers are registered (live pages, badges, waits).</summary>
    public int SubscriberCount => Volatile.Read(ref _subscribers).Items.Length;

    /// <summary>Registers a handler; dispose the result to stop. Handlers run on the publisher's thread: keep them short (InvokeAsync).</summary>
    public IDisposable Subscribe(Func<LifecycleChange, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var subscription = new Subscription(this, handler);
        lock (_gate)
        {
            _subscribers = new([.. _subscribers.Items, subscription]);
        }

        return subscription;
    }

    /// <summary>An in-process change, published after its commit.</summary>
    public void Publish(LifecycleChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (_databaseDelivers && CoveredByDatabase(change.Kind))
        {
            // The row's trigger already told every node, this one included.
            return;
        }

        _publishedHere[(change.Kind, change.Id)] = _clock.GetUtcNow();
        Deliver(change);
    }

    /// <summary>
    /// Publishes a change about an entity whose own row did not change (drift results are stored beside the environment):
    /// no trigger announces it, so it is always delivered here; other nodes see it when they next read.
    /// </summary>
    public void PublishWithoutRowChange(LifecycleChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        Deliver(change);
    }

    /// <summary>A change the database reported (NOTIFY, or a poll by UpdatedAt).</summary>
    public void PublishFromDatabase(LifecycleChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        Deliver(change);
    }

    /// <summary>Whether this node published the change of (kind, id) at or after <paramref name="changedAt"/> (the poll then skips it).</summary>
    public bool WasPublishedSince(LifecycleChangeKind kind, Guid id, DateTimeOffset changedAt) =>
        _publishedHere.TryGetValue((kind, id), out var at) && at >= changedAt;

    /// <summary>Notes that the change of (kind, id) at <paramref name="changedAt"/> was published here (by the poll).</summary>
    public void RememberPublished(LifecycleChangeKind kind, Guid id, DateTimeOffset changedAt) =>
        _publishedHere.AddOrUpdate((kind, id), changedAt, (_, at) => at >= changedAt ? at : changedAt);

    /// <summary>Forgets in-process publishes older than <paramref name="before"/> (the poll has looked past them).</summary>
    public void ForgetPublishedBefore(DateTimeOffset before)
    {
        foreach (var (key, at) in _publishedHere)
        {
            if (at < before)
            {
                _publishedHere.TryRemove(new KeyValuePair<(LifecycleChangeKind, Guid), DateTimeOffset>(key, at));
            }
        }
    }

    /// <summary>Set by the change feed while its LISTEN connection is up.</summary>
    public void SetDatabaseDelivers(bool value)
    {
        _databaseDelivers = value;
        if (value)
        {
            _publishedHere.Clear();
        }
    }

    private static bool CoveredByDatabase(LifecycleChangeKind kind) =>
        kind is LifecycleChangeKind.Environment or LifecycleChangeKind.Request or LifecycleChangeKind.Notification;

    private void Deliver(LifecycleChange change)
    {
        foreach (var subscription in Volatile.Read(ref _subscribers).Items)
        {
            _ = RunAsync(subscription, change);
        }
    }

    private async Task RunAsync(Subscription subscription, LifecycleChange change)
    {
        try
        {
            await subscription.Handler(change).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(ex, change.Kind, change.Id);
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            _subscribers = new([.. _subscribers.Items.Where(s => s != subscription)]);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live-update handler failed for {Kind} {Id}")]
    private partial void LogHandlerFailed(Exception exception, LifecycleChangeKind kind, Guid id);

    private sealed record ImmutableSubscribers(Subscription[] Items);

    private sealed class Subscription(LifecycleSignals owner, Func<LifecycleChange, Task> handler) : IDisposable
    {
        public Func<LifecycleChange, Task> Handler { get; } = handler;

        public void Dispose() => owner.Remove(this);
    }
}
