using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Features.Live;

/// <summary>
/// The node's hub for notification bells: when a user's notifications change, their unread count is read once for the node
/// (one statement per batch of users, whatever the number of their open tabs) and handed to each of that user's bells. Users
/// with no bell open cost nothing.
/// </summary>
public sealed partial class LiveNotificationCounts : IDisposable
{
    private const int MaxBatch = 200;
    private readonly IDbContextFactory<PortalDbContext> _contextFactory;
    private readonly ILogger<LiveNotificationCounts> _logger;
    private readonly IDisposable _signal;
    private readonly Lock _gate = new();
    private readonly HashSet<Guid> _pending = [];
    private readonly Dictionary<Guid, Func<int, Task>[]> _bells = [];
    private bool _reading;
    private long _reads;

    public LiveNotificationCounts(IDbContextFactory<PortalDbContext> contextFactory, LifecycleSignals signals, ILogger<LiveNotificationCounts> logger)
    {
        ArgumentNullException.ThrowIfNull(signals);
        _contextFactory = contextFactory;
        _logger = logger;
        _signal = signals.Subscribe(OnSignal);
    }

    /// <summary>Count reads (statements) issued so far: for tests and metrics.</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Registers a bell of <paramref name="userId"/>; it gets the user's unread count after each change of their notifications.</summary>
    public IDisposable Subscribe(Guid userId, Func<int, Task> unreadChanged)
    {
        ArgumentNullException.ThrowIfNull(unreadChanged);
        lock (_gate)
        {
            _bells[userId] = [.. _bells.GetValueOrDefault(userId, []), unreadChanged];
        }

        return new Subscription(this, userId, unreadChanged);
    }

    private Task OnSignal(LifecycleChange change)
    {
        if (change.Kind != LifecycleChangeKind.Notification)
        {
            return Task.CompletedTask;
        }

        lock (_gate)
        {
            if (!_bells.ContainsKey(change.Id))
            {
                return Task.CompletedTask;
            }

            _pending.Add(change.Id);
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
            List<Guid> users;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _reading = false;
                    return;
                }

                users = [.. _pending.Take(MaxBatch)];
                _pending.ExceptWith(users);
            }

            try
            {
                Interlocked.Increment(ref _reads);
                await using var db = await _contextFactory.CreateDbContextAsync().ConfigureAwait(false);
                var counts = await db.Notifications.AsNoTracking().Where(n => users.Contains(n.UserId) && n.ReadAt == null)
                    .GroupBy(n => n.UserId).Select(g => new { UserId = g.Key, Count = g.Count() })
                    .ToDictionaryAsync(x => x.UserId, x => x.Count).ConfigureAwait(false);
                foreach (var user in users)
                {
                    Func<int, Task>[] bells;
                    lock (_gate)
                    {
                        bells = _bells.GetValueOrDefault(user, []);
                    }

                    foreach (var bell in bells)
                    {
                        _ = RunAsync(bell, counts.GetValueOrDefault(user));
                    }
                }
            }
            catch (Exception ex)
            {
                LogReadFailed(ex, users.Count);
            }
        }
    }

    private async Task RunAsync(Func<int, Task> bell, int unread)
    {
        try
        {
            await bell(unread).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogHandlerFailed(ex);
        }
    }

    private void Remove(Guid userId, Func<int, Task> bell)
    {
        lock (_gate)
        {
            var left = _bells.GetValueOrDefault(userId, []).Where(b => b != bell).ToArray();
            if (left.Length == 0)
            {
                _bells.Remove(userId);
            }
            else
            {
                _bells[userId] = left;
            }
        }
    }

    public void Dispose() => _signal.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the unread counts of {Count} user(s) for their bells")]
    private partial void LogReadFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A notification bell's live handler failed")]
    private partial void LogHandlerFailed(Exception exception);

    private sealed class Subscription(LiveNotificationCounts owner, Guid userId, Func<int, Task> bell) : IDisposable
    {
        public void Dispose() => owner.Remove(userId, bell);
    }
}
