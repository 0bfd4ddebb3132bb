using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Data;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// Publishes to <see cref="LifecycleSignals"/> what changed in the database since the last look — including changes other
/// portal nodes made — so every node's live pages follow every change. Polls once a second, cheap (indexed by UpdatedAt); backs off
/// while the database is unavailable (see <see cref="DatabaseBackoff"/>).
/// </summary>
public sealed class LifecycleChangeFeed(
    IDbContextFactory<PortalDbContext> contextFactory, LifecycleSignals signals, TimeProvider timeProvider, ILogger<LifecycleChangeFeed> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
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

    /// <summary>Publishes rows changed after <paramref name="since"/>; returns the new high-water mark.</summary>
    public async Task<DateTimeOffset> PublishChangesAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        // Look a little behind the mark: a transaction that committed late may carry an earlier timestamp.
        var from = since - TimeSpan.FromSeconds(2);
        var now = timeProvider.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var environments = await db.Environments.AsNoTracking().Where(e => e.UpdatedAt > from)
            .Select(e => new { e.Id, e.TeamId, e.UpdatedAt }).ToListAsync(cancellationToken).ConfigureAwait(false);
        var requests = await db.EnvironmentRequests.AsNoTracking().Where(r => r.UpdatedAt > from)
            .Select(r => new { r.Id, r.TeamId, r.EnvironmentId, r.UpdatedAt }).ToListAsync(cancellationToken).ConfigureAwait(false);
        var notified = await db.Notifications.AsNoTracking().Where(n => n.CreatedAt > from)
            .Select(n => n.UserId).Distinct().ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var e in environments)
        {
            signals.Publish(new LifecycleChange(LifecycleChangeKind.Environment, e.Id, e.TeamId, e.Id));
        }

        foreach (var r in requests)
        {
            signals.Publish(new LifecycleChange(LifecycleChangeKind.Request, r.Id, r.TeamId, r.EnvironmentId));
        }

        foreach (var userId in notified)
        {
            signals.Publish(new LifecycleChange(LifecycleChangeKind.Notification, userId, Guid.Empty, null));
        }

        return now;
    }
}
