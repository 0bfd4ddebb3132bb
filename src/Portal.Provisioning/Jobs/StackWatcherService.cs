using Portal.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// Sweeps every account and region with in-flight stacks (<see cref="StackWatcher"/>) every
/// <see cref="StackWatcherOptions.Interval"/> (3 s), on one node at a time: a loop on every node, and only the node holding
/// the <c>stack-watcher</c> lock sweeps (the others try to take it every interval). Not a Hangfire recurring job, whose
/// cron has a one-minute floor; see docs/adr/0010-hangfire-job-layer.md.
/// </summary>
public sealed partial class StackWatcherService(
    StackWatcher watcher, JobLocks locks, IOptions<StackWatcherOptions> options, LifecycleSignals signals, ILogger<StackWatcherService> logger)
    : BackgroundService
{
    public const string LockName = "stack-watcher";

    /// <summary>
    /// With nothing in flight the loop looks this seldom (two statements, not two every 3 s); any environment change (which
    /// every node hears: in-process, and through the database's NOTIFY from other nodes) wakes it at once.
    /// </summary>
    public static readonly TimeSpan IdleInterval = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _wake = new(0, 1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private volatile bool _paused;
    private volatile bool _sweeping;
    private long _lastSweepTicks;

    /// <summary>Whether this node holds the watcher's lock (so it is the one sweeping).</summary>
    public bool IsSweeping => _sweeping;

    /// <summary>When this node last swept, if it has.</summary>
    public DateTimeOffset? LastSweepAt => Interlocked.Read(ref _lastSweepTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>Stops sweeping until <see cref="Resume"/> (benchmarks that measure the provisioning path alone).</summary>
    public void Pause() => _paused = true;

    public void Resume() => _paused = false;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        JobLocks.Held? held = null;
        var failures = 0;
        using var subscription = signals.Subscribe(change =>
        {
            if (change.Kind == LifecycleChangeKind.Environment)
            {
                Wake();
            }

            return Task.CompletedTask;
        });
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var delay = options.Value.Interval;
                var idle = false;
                try
                {
                    if (held is not null && !await held.IsAliveAsync(stoppingToken))
                    {
                        await held.DisposeAsync();
                        held = null;
                    }

                    held ??= await locks.TryAcquireAsync(LockName, TimeSpan.Zero, stoppingToken);
                    _sweeping = held is not null;
                    if (held is not null && !_paused)
                    {
                        idle = await SweepAsync(stoppingToken) == 0;
                        Interlocked.Exchange(ref _lastSweepTicks, DateTimeOffset.UtcNow.UtcTicks);
                    }
                    else if (held is null)
                    {
                        // Another node sweeps: try the lock again seldom, or as soon as something changes.
                        idle = true;
                    }

                    if (failures > 0)
                    {
                        LogRecovered(failures);
                        failures = 0;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The database is away (or not migrated yet): one warning when it starts, then back off quietly.
                    if (failures++ == 0)
                    {
                        if (DatabaseOutage.IsOutage(e))
                        {
                            LogOutage(e.GetBaseException().Message);
                        }
                        else
                        {
                            LogFailing(e);
                        }
                    }

                    delay = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, delay.Ticks * (1L << Math.Min(failures, 5))));
                    if (held is not null)
                    {
                        await held.DisposeAsync();
                        held = null;
                        _sweeping = false;
                    }
                }

                if (idle && failures == 0 && delay < IdleInterval)
                {
                    // Nothing in flight: sleep until a change (one that came during the sweep wakes it at once), or the idle
                    // interval (a missed signal costs at most that).
                    await _wake.WaitAsync(IdleInterval, stoppingToken);
                }
                else
                {
                    await Task.Delay(delay, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (held is not null)
            {
                await held.DisposeAsync();
            }
        }
    }

    /// <summary>Wakes an idle loop (an environment changed).</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    // Returns how many locations were swept (stacks in flight, or due for the out-of-band comparison).
    private async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var locations = await watcher.LocationsDueAsync(cancellationToken);
        foreach (var (accountId, region) in locations)
        {
            try
            {
                var cycle = await watcher.SweepAsync(accountId, region, cancellationToken);
                LifecycleMetrics.RecordSweep(accountId, region, cycle);
            }
            catch (Exception e) when (e is not OperationCanceledException && !DatabaseOutage.IsOutage(e))
            {
                // One account's trouble (throttling, an expired role) must not stop the others; the next cycle tries again.
                LogSweepFailed(e, accountId, region);
            }
        }

        return locations.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stack sweep of {AccountId} {Region} failed; next cycle retries")]
    private partial void LogSweepFailed(Exception exception, string accountId, string region);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The stack watcher cannot reach the database; it backs off (up to 30 s) until it can")]
    private partial void LogFailing(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The stack watcher cannot reach the database ({Reason}); it backs off (up to 30 s) until it can")]
    private partial void LogOutage(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The stack watcher reaches the database again after {Failures} failed attempt(s)")]
    private partial void LogRecovered(int failures);
}
