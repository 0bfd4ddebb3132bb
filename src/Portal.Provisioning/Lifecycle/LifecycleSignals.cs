using Microsoft.Extensions.Logging;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// Tells live pages that a request or environment changed. In-process publishers signal at once; the
/// <see cref="LifecycleChangeFeed"/> signals what other nodes changed. Subscribers re-read the database (the source of truth).
/// </summary>
public sealed partial class LifecycleSignals(ILogger<LifecycleSignals> logger)
{
    private readonly Lock _gate = new();
    private ImmutableSubscribers _subscribers = new([]);

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

    public void Publish(LifecycleChange change)
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
