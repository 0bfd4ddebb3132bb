using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Portal.Data;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// Brings to <see cref="LifecycleSignals"/> what changed in the database — including changes other portal nodes made — so
/// every node's live pages follow every change, once.
/// <para>
/// PostgreSQL: LISTEN on <see cref="Channel"/>, which migration 0015's trigger notifies in the writer's transaction (payload
/// <c>kind|id|teamId|environmentId</c>). No statement while idle. After a lost connection it reconnects (backing off while the
/// database is away) and catches up by one indexed read of what changed since the last notification it saw.
/// SQLite (one node): polls every <see cref="Interval"/> by the indexed <c>UpdatedAt</c>/<c>CreatedAt</c> since its last look,
/// skipping rows this node already published in-process.
/// </para>
/// </summary>
public sealed partial class LifecycleChangeFeed(
    IDbContextFactory<PortalDbContext> contextFactory, LifecycleSignals signals, IOptions<DatabaseOptions> database, TimeProvider timeProvider,
    ILogger<LifecycleChangeFeed> logger)
    : BackgroundService
{
    public const string Channel = "portal_changes";

    /// <summary>The SQLite poll's period.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    // A transaction that commits late may carry an earlier timestamp: the SQLite poll and the catch-up look this far back.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    private long _notifications;

    /// <summary>Notifications received (PostgreSQL).</summary>
    public long Notifications => Interlocked.Read(ref _notifications);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        database.Value.Provider == DatabaseProvider.Postgres ? ListenAsync(stoppingToken) : PollAsync(stoppingToken);

    private async Task PollAsync(CancellationToken stoppingToken)
    {
        var since = timeProvider.GetUtcNow();
        var backoff = new DatabaseBackoff("Lifecycle change feed", Interval, timeProvider, logger);
        var delay = Interval;
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(delay, timeProvider, stoppingToken).ConfigureAwait(false);
            try
            {
                since = await PublishChangesAsync(since, stoppingToken).ConfigureAwait(false);
                delay = backoff.Succeeded();
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // While the database is away: back off (up to 30 s) and say so once, not once a second. The mark stays, so
                // the first poll after the outage publishes everything that changed during it.
                delay = backoff.Failed(ex);
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var backoff = new DatabaseBackoff("Lifecycle change feed", Interval, timeProvider, logger);
        DateTimeOffset? caughtUpTo = null;
        var builder = new NpgsqlConnectionStringBuilder(database.Value.ConnectionString)
        {
            // One long-lived connection of its own, outside the pool; TCP keepalive finds a dead peer without a statement.
            Pooling = false,
            TcpKeepAlive = true,
        };
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                // From here every change reaches this node through the trigger; what changed while nobody listened is read once.
                var listening = timeProvider.GetUtcNow();
                signals.SetDatabaseDelivers(true);
                if (caughtUpTo is { } mark)
                {
                    await PublishChangesAsync(mark, stoppingToken).ConfigureAwait(false);
                }

                backoff.Succeeded();
                LogListening(Channel);
                try
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                        caughtUpTo = timeProvider.GetUtcNow();
                    }
                }
                finally
                {
                    signals.SetDatabaseDelivers(false);
                    caughtUpTo ??= listening;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                caughtUpTo ??= timeProvider.GetUtcNow();
                await Task.Delay(backoff.Failed(ex), timeProvider, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private void OnNotification(string payload)
    {
        Interlocked.Increment(ref _notifications);
        if (Parse(payload) is { } change)
        {
            signals.PublishFromDatabase(change);
        }
    }

    /// <summary>Reads a trigger's payload <c>kind|id|teamId|environmentId</c>; null when it is not one.</summary>
    public static LifecycleChange? Parse(string payload)
    {
        var parts = (payload ?? "").Split('|');
        if (parts.Length != 4 || !Guid.TryParse(parts[1], CultureInfo.InvariantCulture, out var id))
        {
            return null;
        }

        var team = Guid.TryParse(parts[2], CultureInfo.InvariantCulture, out var t) ? t : Guid.Empty;
        Guid? environment = Guid.TryParse(parts[3], CultureInfo.InvariantCulture, out var e) ? e : null;
        return parts[0] switch
        {
            "e" => new LifecycleChange(LifecycleChangeKind.Environment, id, team, environment),
            "r" => new LifecycleChange(LifecycleChangeKind.Request, id, team, environment),
            "n" => new LifecycleChange(LifecycleChangeKind.Notification, id, Guid.Empty, null),
            _ => null,
        };
    }

    /// <summary>Publishes rows changed after <paramref name="since"/> (minus a slack); returns the new high-water mark.</summary>
    public async Task<DateTimeOffset> PublishChangesAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var from = since - Slack;
        var now = timeProvider.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var environments = await db.Environments.AsNoTracking().Where(e => e.UpdatedAt > from)
            .Select(e => new { e.Id, e.TeamId, e.UpdatedAt }).ToListAsync(cancellationToken).ConfigureAwait(false);
        var requests = await db.EnvironmentRequests.AsNoTracking().Where(r => r.UpdatedAt > from)
            .Select(r => new { r.Id, r.TeamId, r.EnvironmentId, r.UpdatedAt }).ToListAsync(cancellationToken).ConfigureAwait(false);
        var notified = await db.Notifications.AsNoTracking().Where(n => n.CreatedAt > from)
            .Select(n => new { n.UserId, n.CreatedAt }).ToListAsync(cancellationToken).ConfigureAwait(false);

        // Each change once: what this node published in-process at or after the row's change is not published again, and a
        // row already published by an earlier poll (still inside the slack) neither.
        foreach (var e in environments.Where(e => !Seen(LifecycleChangeKind.Environment, e.Id, e.UpdatedAt)))
        {
            signals.PublishFromDatabase(new LifecycleChange(LifecycleChangeKind.Environment, e.Id, e.TeamId, e.Id));
        }

        foreach (var r in requests.Where(r => !Seen(LifecycleChangeKind.Request, r.Id, r.UpdatedAt)))
        {
            signals.PublishFromDatabase(new LifecycleChange(LifecycleChangeKind.Request, r.Id, r.TeamId, r.EnvironmentId));
        }

        foreach (var userId in notified.GroupBy(n => n.UserId).Where(g => !Seen(LifecycleChangeKind.Notification, g.Key, g.Max(n => n.CreatedAt))).Select(g => g.Key))
        {
            signals.PublishFromDatabase(new LifecycleChange(LifecycleChangeKind.Notification, userId, Guid.Empty, null));
        }

        signals.ForgetPublishedBefore(from - Slack);
        return now;
    }

    // Published here (in-process, or by an earlier look) at or after the row's change.
    private bool Seen(LifecycleChangeKind kind, Guid id, DateTimeOffset changedAt)
    {
        if (signals.WasPublishedSince(kind, id, changedAt))
        {
            return true;
        }

        // Remember what this look published: the next look sees the row again (inside the slack) and must not repeat it.
        signals.RememberPublished(kind, id, changedAt);
        return false;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Lifecycle change feed listening on {Channel}")]
    private partial void LogListening(string channel);
}
