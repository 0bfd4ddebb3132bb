using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Data;

/// <summary>Registers the portal's store.</summary>
public static class DataServiceCollectionExtensions
{
    /// <summary>Adds <see cref="PortalDbContext"/> (pooled factory and scoped), options and the migrator for the configured provider.</summary>
    public static IServiceCollection AddPortalData(this IServiceCollection services, Action<DatabaseOptions> configure)
    {
        services.AddOptions<DatabaseOptions>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();
        // Pooled: a context's internal services (its DI scope, loggers, interceptors, execution strategy) are built once and
        // reset on return instead of per operation — the largest client-side cost per API call after the query itself (issue 18's
        // profile). Contexts keep no state of their own between operations (no events, timeouts or tracking settings changed).
        services.AddPooledDbContextFactory<PortalDbContext>((sp, options) =>
            Configure(options, sp.GetRequiredService<IOptions<DatabaseOptions>>().Value));

        // Scoped contexts (Identity's stores, the data-protection key store) lease from the same pool.
        services.TryAddScoped(sp => sp.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContext());
        services.AddSingleton<DatabaseMigrator>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>Configures EF Core for one provider; used by DI and by tests that build contexts directly.</summary>
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, DatabaseOptions database) => (database.Provider switch
    {
        // Transient failures (deadlock victim, failover, dropped connection) are retried; code that opens its own transaction
        // runs it as one unit of the strategy (SerializedWork). Few and short retries: during an outage a caller must hear
        // 503 within seconds, not after EF's default minute of back-off.
        DatabaseProvider.Postgres => options.UseNpgsql(WithoutResetOnClose(database.ConnectionString), npgsql => npgsql.EnableRetryOnFailure(
            maxRetryCount: 3, maxRetryDelay: TimeSpan.FromSeconds(1), errorCodesToAdd: null)),
        DatabaseProvider.Sqlite => options.UseSqlite(database.ConnectionString),
        _ => throw new InvalidOperationException($"Unknown database provider {database.Provider}."),
    }).ConfigureWarnings(w => w.Log(
        // A failed query or save is thrown to its caller, which decides what to log (a background loop logs an outage once,
        // a request answers 503); EF's own error line with the stack trace, once per attempt, is only noise (seen: 124 lines/s).
        (RelationalEventId.ConnectionError, LogLevel.Debug),
        (RelationalEventId.CommandError, LogLevel.Debug),
        (CoreEventId.QueryIterationFailed, LogLevel.Debug),
        (CoreEventId.SaveChangesFailed, LogLevel.Debug)));

    // EF's connections keep no session state (locks are per transaction), so a pooled connection is not reset when it is
    // returned: otherwise every reuse costs the server a DISCARD ALL before the first statement (issue 18).
    private static string WithoutResetOnClose(string connectionString) =>
        new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString;
}
