using Microsoft.Extensions.Options;
using Portal.Data;

namespace Portal.Web.Hosting;

/// <summary>Brings the store up to date and seeds the demo organisation before anything else starts.</summary>
internal sealed class PortalStartup(
    DatabaseMigrator migrator,
    DemoOrganisation demo,
    IServiceScopeFactory scopes,
    IOptions<DatabaseOptions> database,
    ILogger<PortalStartup> logger) : IHostedLifecycleService
{
    /// <summary>How long the host waits for its services to stop (SIGTERM, a deploy) before it gives up on them.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        if (database.Value.MigrateOnStartup)
        {
            var applied = await migrator.MigrateAsync(cancellationToken);
            logger.LogInformation("Database {Provider} ready; {Count} migration(s) applied", database.Value.Provider, applied.Count);
        }

        var pending = await migrator.GetPendingMigrationsAsync(cancellationToken);
        if (pending.Count > 0)
        {
            // Not ours to fix when migrations are off: /readyz reports it and the operator runs 'migrate'.
            logger.LogWarning("Database has {Count} pending migration(s); run the 'migrate' command. Seeding skipped", pending.Count);
            return;
        }

        await using (var scope = scopes.CreateAsyncScope())
        {
            await DemoOrganisation.EnsureRolesAsync(scope.ServiceProvider, cancellationToken);
        }

        if (demo.IsEnabled)
        {
            await demo.SeedAsync(cancellationToken);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
