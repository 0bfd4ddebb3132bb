using Microsoft.Extensions.Options;
using Npgsql;
using Portal.Data;

namespace Portal.Web.Security;

/// <summary>
/// On PostgreSQL, LISTENs on <c>portal_access</c> (raised by migration 0011's triggers whenever a token, a user, their roles
/// or teams change, by any node or by hand) and forgets the named user's cached access on this node. One connection per node,
/// idle until something changes. While it is not connected the cache trusts its entries only briefly, and it forgets
/// everything when it reconnects (a notification may have been missed meanwhile).
/// </summary>
public sealed class AccessChangeListener(
    AccessCache cache, IOptions<DatabaseOptions> database, ILogger<AccessChangeListener> logger, TimeProvider timeProvider) : BackgroundService
{
    public const string Channel = "portal_access";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database.Value.Provider != DatabaseProvider.Postgres)
        {
            return;
        }

        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            cache.ConfirmedByOtherNodes = false;
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The database's outage is reported by those whose work failed; here it only shortens the cache's trust.
                logger.LogDebug(e, "Access change listener disconnected; reconnecting in {Delay}", delay);
            }

            cache.ConfirmedByOtherNodes = false;
            try
            {
                await Task.Delay(delay, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(database.Value.ConnectionString)
        {
            // Not pooled: a LISTEN must never hold (or be handed back as) a connection the requests use.
            ApplicationName = "portal-access-listener",
            KeepAlive = 15,
            Pooling = false,
        };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(stoppingToken);
        connection.Notification += (_, e) =>
        {
            if (e.Payload == "*" || !Guid.TryParse(e.Payload, out var userId))
            {
                cache.InvalidateAll();
            }
            else
            {
                cache.Invalidate(userId);
            }
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        // Whatever changed while nobody listened is forgotten; from here on every change is heard.
        cache.InvalidateAll();
        cache.ConfirmedByOtherNodes = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            await connection.WaitAsync(stoppingToken);
        }
    }
}
