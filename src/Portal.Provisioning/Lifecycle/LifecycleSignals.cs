using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// Tells live pages that a request, an environment (its row or its drift result), a campaign or a user's notifications
/// changed: every change once per node, on every node.
/// <para>
/// <b>One rule: the database delivers.</b> Every kind the portal publishes has a row the change is stored in, and the
/// <see cref="LifecycleChangeFeed"/> brings what the database says changed: on PostgreSQL the row triggers' NOTIFY (migrations
/// 0015 and 0019: environments, requests, notifications, drift results, campaigns and their targets — in the writer's
/// transaction, to every node, this one included), on SQLite (one node) a poll by the indexed <c>UpdatedAt</c> columns.
/// </para>
/// <para>
/// <see cref="Publish"/> is therefore only a shortcut for the node that made the change: on PostgreSQL (once the feed said so,
/// <see cref="DatabaseDelivers"/>) it delivers nothing — the trigger already told every node, and a lost LISTEN connection is
/// caught up by the feed's read of what changed since — so nothing arrives twice and nothing is lost. On SQLite it delivers at
/// once (the poll would take up to a second) and the poll skips a row whose change was already delivered here
/// (<see cref="WasDeliveredSince"/>).
/// </para>
/// Subscribers get the change, not the row: per-node hubs (the web's <c>LiveEnvironmentRows</c>, <c>LiveRequestRows</c>,
/// <c>LiveNotificationCounts</c>) read a changed row once and hand it to every page that shows it.
/// </summary>
public sealed partial class LifecycleSignals(ILogger<LifecycleSignals> logger, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _clock = timeProvider ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<(LifecycleChangeKind Kind, Guid Id), DateTimeOffset> _deliveredHere = new();
    private ImmutableSubscribers _subscribers = new([]);
    private volatile bool _databaseDelivers;
    private volatile bool _listening;
    private long _delivered;

    /// <summary>
    /// True on PostgreSQL once the change feed runs: the database (NOTIFY, or the feed's catch-up after a lost connection)
    /// delivers every change to this node, and in-process publishes deliver nothing.
    /// </summary>
    public bool DatabaseDelivers => _databaseDelivers;

    /// <summary>True while the feed's LISTEN connection is up (PostgreSQL).</summary>
    public bool Listening => _listening;

    /// <summary>How many subscribers are registered (live hubs, badges, waits).</summary>
    public int SubscriberCount => Volatile.Read(ref _subscribers).Items.Length;

    /// <summary>Changes delivered to subscribers so far (each once, whatever its source).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

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

    /// <summary>
    /// A change this node stored, published after its commit. On PostgreSQL a no-op (the row's trigger tells every node, this
    /// one included); on SQLite delivered here at once.
    /// </summary>
    public void Publish(LifecycleChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (_databaseDelivers)
        {
            return;
        }

        _deliveredHere[(change.Kind, change.Id)] = _clock.GetUtcNow();
        Deliver(change);
    }

    /// <summary>
    /// The same as <see cref="Publish"/>. It used to deliver on this node only, for drift results stored beside the environment
    /// row; since migration 0019 the drift and campaign tables have their own triggers (and the SQLite poll reads them), so
    /// these changes reach every node like any other. Kept so existing callers compile; new code calls <see cref="Publish"/>.
    /// </summary>
    public void PublishWithoutRowChange(LifecycleChange change) => Publish(change);

    /// <summary>A change the database reported (NOTIFY, the catch-up read, or the SQLite poll): delivered here.</summary>
    public void PublishFromDatabase(LifecycleChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (!_databaseDelivers)
        {
            _deliveredHere[(change.Kind, change.Id)] = _clock.GetUtcNow();
        }

        Deliver(change);
    }

    /// <summary>Whether a change of (kind, id) was delivered here at or after <paramref name="changedAt"/> (the SQLite poll then skips it).</summary>
    public bool WasDeliveredSince(LifecycleChangeKind kind, Guid id, DateTimeOffset changedAt) =>
        _deliveredHere.TryGetValue((kind, id), out var at) && at >= changedAt;

    /// <summary>Forgets deliveries older than <paramref name="before"/> (the poll has looked past them).</summary>
    public void ForgetDeliveredBefore(DateTimeOffset before)
    {
        foreach (var (key, at) in _deliveredHere)
        {
            if (at < before)
            {
                _deliveredHere.TryRemove(new KeyValuePair<(LifecycleChangeKind, Guid), DateTimeOffset>(key, at));
            }
        }
    }

    /// <summary>Set by the PostgreSQL change feed when it starts: from then on the database delivers every change here.</summary>
    public void UseDatabaseDelivery()
    {
        _databaseDelivers = true;
        _deliveredHere.Clear();
    }

    /// <summary>Set by the change feed while its LISTEN connection is up.</summary>
    public void SetListening(bool value) => _listening = value;

    private void Deliver(LifecycleChange change)
    {
        Interlocked.Increment(ref _delivered);
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
