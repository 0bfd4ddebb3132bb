using System.Collections.Concurrent;
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
/// every node's live pages follow every change, once. It is the only source of delivery on PostgreSQL (see the rule on
/// <see cref="LifecycleSignals"/>).
/// <para>
/// PostgreSQL: LISTEN on <see cref="Channel"/>, which the row triggers of migrations 0015/0019 notify in the writer's
/// transaction (payload <c>source|id|teamId|environmentId|version</c>, see <see cref="Parse"/>). No statement while idle. At
/// start and after a lost connection (reconnecting with a back-off while the database is away) it catches up by one indexed
/// read per table of what changed since it last heard; a row version it already delivered from a NOTIFY is not delivered again
/// (versions are remembered for <see cref="CatchUpLookBack"/>), so a catch-up never repeats a change.
/// SQLite (one node): polls every <see cref="Interval"/> by the indexed <c>UpdatedAt</c>/<c>CreatedAt</c> since its last look,
/// skipping rows already delivered (in-process at or after the change, or by an earlier look).
/// </para>
/// </summary>
public sealed partial class LifecycleChangeFeed : BackgroundService
{
    public const string Channel = "portal_changes";

    /// <summary>The SQLite poll's period.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>How far before the last moment the LISTEN connection was known alive a catch-up reads (late commits, clock skew).</summary>
    public static readonly TimeSpan CatchUpLookBack = TimeSpan.FromSeconds(30);

    // A transaction that commits late may carry an earlier timestamp: the SQLite poll looks this far back.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    private readonly IDbContextFactory<PortalDbContext> _contextFactory;
    private readonly LifecycleSignals _signals;
    private readonly IOptions<DatabaseOptions> _database;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<LifecycleChangeFeed> _logger;
    private readonly DateTimeOffset _createdAt;

    // Row versions delivered (source, id, environment, version in µs), for the catch-up's exactness; pruned by version.
    private readonly ConcurrentDictionary<(char Source, Guid Id, Guid? EnvironmentId, long Version), byte> _delivered = new();
    private long _aliveTicks;
    private long _notifications;
    private long _catchUps;

    public LifecycleChangeFeed(
        IDbContextFactory<PortalDbContext> contextFactory, LifecycleSignals signals, IOptions<DatabaseOptions> database, TimeProvider timeProvider,
        ILogger<LifecycleChangeFeed> logger)
    {
        ArgumentNullException.ThrowIfNull(signals);
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _contextFactory = contextFactory;
        _signals = signals;
        _database = database;
        _timeProvider = timeProvider;
        _logger = logger;
        _createdAt = timeProvider.GetUtcNow();
        if (database.Value.Provider == DatabaseProvider.Postgres)
        {
            // From now on the database delivers every change to this node; in-process publishes deliver nothing.
            signals.UseDatabaseDelivery();
        }
    }

    /// <summary>Notifications received (PostgreSQL).</summary>
    public long Notifications => Interlocked.Read(ref _notifications);

    /// <summary>Catch-up reads done after (re)connecting (PostgreSQL).</summary>
    public long CatchUps => Interlocked.Read(ref _catchUps);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _database.Value.Provider == DatabaseProvider.Postgres ? ListenAsync(stoppingToken) : PollAsync(stoppingToken);

    private async Task PollAsync(CancellationToken stoppingToken)
    {
        var since = _timeProvider.GetUtcNow();
        var backoff = new DatabaseBackoff("Lifecycle change feed", Interval, _timeProvider, _logger);
        var delay = Interval;
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(delay, _timeProvider, stoppingToken).ConfigureAwait(false);
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
        var backoff = new DatabaseBackoff("Lifecycle change feed", Interval, _timeProvider, _logger);

        // What the first LISTEN must catch up on: changes made since this node started (before anyone listened).
        var catchUpFrom = _createdAt - Slack;
        var builder = new NpgsqlConnectionStringBuilder(_database.Value.ConnectionString)
        {
            // One long-lived connection of its own, outside the pool; TCP keepalive finds a dead peer without a statement.
            Pooling = false,
            TcpKeepAlive = true,
        };
        while (!stoppingToken.IsCancellationRequested)
        {
            DateTimeOffset? alive = null;
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                // From here every change reaches this node through the triggers; what changed while nobody listened is read once.
                alive = _timeProvider.GetUtcNow();
                Interlocked.Exchange(ref _aliveTicks, alive.Value.UtcTicks);
                _signals.SetListening(true);
                await PublishChangesAsync(catchUpFrom, stoppingToken).ConfigureAwait(false);
                Interlocked.Increment(ref _catchUps);
                backoff.Succeeded();
                LogListening(Channel);
                try
                {
                    while (!stoppingToken.IsCancellationRequested)
                    {
                        await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                        alive = _timeProvider.GetUtcNow();
                        Interlocked.Exchange(ref _aliveTicks, alive.Value.UtcTicks);
                    }
                }
                finally
                {
                    _signals.SetListening(false);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The next catch-up reads from before the connection was last known alive; what the NOTIFYs already brought
                // is skipped by version.
                if (alive is { } at)
                {
                    catchUpFrom = at - CatchUpLookBack;
                }

                await Task.Delay(backoff.Failed(ex), _timeProvider, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private void OnNotification(string payload)
    {
        var count = Interlocked.Increment(ref _notifications);
        if (ParseRow(payload) is { } row && _delivered.TryAdd(row.Key, 0))
        {
            _signals.PublishFromDatabase(row.Change);
        }

        if (count % 1024 == 0)
        {
            // A later catch-up reads from the last moment the connection was known alive minus the look-back: older versions
            // cannot come back (a second look-back of margin for writers' clocks).
            Forget(new DateTimeOffset(Interlocked.Read(ref _aliveTicks), TimeSpan.Zero) - CatchUpLookBack - CatchUpLookBack);
        }
    }

    /// <summary>Reads a trigger's payload <c>source|id|teamId|environmentId|version</c> as the change; null when it is not one.</summary>
    public static LifecycleChange? Parse(string payload) => ParseRow(payload)?.Change;

    private static FeedRow? ParseRow(string payload)
    {
        var parts = (payload ?? "").Split('|');
        if (parts.Length != 5 || parts[0].Length != 1 || !Guid.TryParse(parts[1], CultureInfo.InvariantCulture, out var id)
            || !long.TryParse(parts[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out var version))
        {
            return null;
        }

        var team = Guid.TryParse(parts[2], CultureInfo.InvariantCulture, out var t) ? t : Guid.Empty;
        Guid? environment = Guid.TryParse(parts[3], CultureInfo.InvariantCulture, out var e) ? e : null;
        return Row(parts[0][0], id, team, environment, version);
    }

    private static FeedRow? Row(char source, Guid id, Guid team, Guid? environment, long version)
    {
        LifecycleChange? change = source switch
        {
            'e' => new LifecycleChange(LifecycleChangeKind.Environment, id, team, id),
            'd' => new LifecycleChange(LifecycleChangeKind.Environment, id, team, id),
            'r' => new LifecycleChange(LifecycleChangeKind.Request, id, team, environment),
            'n' => new LifecycleChange(LifecycleChangeKind.Notification, id, Guid.Empty, null),
            'c' => new LifecycleChange(LifecycleChangeKind.Campaign, id, Guid.Empty, null),
            't' => new LifecycleChange(LifecycleChangeKind.Campaign, id, team, environment),
            _ => null,
        };
        return change is null ? null : new FeedRow((source, id, source == 't' ? environment : null, version), change);
    }

    /// <summary>A change's version as the triggers write it: microseconds since 1970.</summary>
    public static long Version(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>
    /// Publishes the rows changed after <paramref name="since"/> (the SQLite poll looks a slack further back) that were not
    /// delivered yet; returns the new high-water mark.
    /// </summary>
    public async Task<DateTimeOffset> PublishChangesAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var sqlite = !_signals.DatabaseDelivers;
        var from = sqlite ? since - Slack : since;
        var now = _timeProvider.GetUtcNow();
        foreach (var (row, at) in await ReadChangesAsync(from, cancellationToken).ConfigureAwait(false))
        {
            if (_delivered.ContainsKey(row.Key))
            {
                continue; // delivered by a NOTIFY or an earlier look
            }

            // SQLite: published in-process at or after the row's change (pages then read it as it is now).
            var already = sqlite && _signals.WasDeliveredSince(row.Change.Kind, row.Change.Id, at);
            if (_delivered.TryAdd(row.Key, 0) && !already)
            {
                _signals.PublishFromDatabase(row.Change);
            }
        }

        Forget(from - (sqlite ? Slack : CatchUpLookBack));
        if (sqlite)
        {
            _signals.ForgetDeliveredBefore(from - Slack);
        }

        return now;
    }

    private async Task<List<(FeedRow Row, DateTimeOffset At)>> ReadChangesAsync(DateTimeOffset from, CancellationToken cancellationToken)
    {
        await using var db = await _contextFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<(FeedRow, DateTimeOffset)>();
        void Add(char source, Guid id, Guid team, Guid? environment, DateTimeOffset at) => rows.Add((Row(source, id, team, environment, Version(at))!, at));

        foreach (var e in await db.Environments.AsNoTracking().Where(e => e.UpdatedAt > from)
            .Select(e => new { e.Id, e.TeamId, e.UpdatedAt }).ToListAsync(cancellationToken).ConfigureAwait(false))
        {
            Add('e', e.Id, e.TeamId, e.Id, e.UpdatedAt);
        }

        foreach (var r in await db.EnvironmentRequests.AsNoTracking().Where(r => r.UpdatedAt > from)
            .Select(r => new { r.Id, r.TeamId, r.EnvironmentId, r.UpdatedAt }).ToListAsync(cancellationToken).ConfigureAwait(false))
        {
            Add('r', r.Id, r.TeamId, r.EnvironmentId, r.UpdatedAt);
        }

        var notified = await db.Notifications.AsNoTracking().Where(n => n.CreatedAt > from)
            .Select(n => new { n.UserId, n.CreatedAt }).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var user in notified.GroupBy(n => n.UserId))
        {
            Add('n', user.Key, Guid.Empty, null, user.Max(n => n.CreatedAt));
        }

        foreach (var d in await db.EnvironmentDrifts.AsNoTracking().Where(d => d.UpdatedAt > from)
            .Join(db.Environments, d => d.EnvironmentId, e => e.Id, (d, e) => new { d.EnvironmentId, e.TeamId, d.UpdatedAt })
            .ToListAsync(cancellationToken).ConfigureAwait(false))
        {
            Add('d', d.EnvironmentId, d.TeamId, d.EnvironmentId, d.UpdatedAt);
        }

        foreach (var c in await db.UpgradeCampaigns.AsNoTracking().Where(c => c.UpdatedAt > from)
            .Select(c => new { c.Id, c.UpdatedAt }).ToListAsync(cancellationToken).ConfigureAwait(false))
        {
            Add('c', c.Id, Guid.Empty, null, c.UpdatedAt);
        }

        foreach (var t in await db.CampaignTargets.AsNoTracking().Where(t => t.UpdatedAt > from)
            .Select(t => new { t.CampaignId, t.TeamId, t.EnvironmentId, t.UpdatedAt }).ToListAsync(cancellationToken).ConfigureAwait(false))
        {
            Add('t', t.CampaignId, t.TeamId, t.EnvironmentId, t.UpdatedAt);
        }

        return rows;
    }

    // Forgets delivered versions older than the given time: no later read looks that far back.
    private void Forget(DateTimeOffset before)
    {
        var version = Version(before);
        foreach (var key in _delivered.Keys)
        {
            if (key.Version < version)
            {
                _delivered.TryRemove(key, out _);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Lifecycle change feed listening on {Channel}")]
    private partial void LogListening(string channel);

    private sealed record FeedRow((char Source, Guid Id, Guid? EnvironmentId, long Version) Key, LifecycleChange Change);
}
