using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage.SQLite;
using Microsoft.Data.Sqlite;
using Npgsql;
using Portal.Data;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// Hangfire's storage for the portal's database provider. PostgreSQL: Hangfire.PostgreSql in the <see cref="Schema"/> schema of
/// the portal's own database (every node runs a server on it), woken by LISTEN/NOTIFY, with a sliding invisibility timeout so a
/// dead node's fetched jobs return to the queue. SQLite (the embedded default, one node): Hangfire.Storage.SQLite in its own
/// file beside the portal's (<c>portal.jobs.db</c> next to <c>portal.db</c>), so its polling never waits on EF's writes.
/// </summary>
public static class PortalJobStorage
{
    public const string Schema = "hangfire";

    public static JobStorage Create(DatabaseOptions database, JobsOptions jobs)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(jobs);
        return database.Provider switch
        {
            DatabaseProvider.Postgres => new PostgreSqlStorage(new NpgsqlConnectionFactory(database.ConnectionString, PostgresOptions(jobs)), PostgresOptions(jobs)),
            DatabaseProvider.Sqlite => new SQLiteStorage(SqlitePath(database.ConnectionString), new SQLiteStorageOptions
            {
                QueuePollInterval = jobs.QueuePollIntervalFor(DatabaseProvider.Sqlite),
            }),
            var other => throw new InvalidOperationException($"Database:Provider '{other}' has no Hangfire storage."),
        };
    }

    /// <summary>The SQLite job store's file: beside the portal's database file, named after it.</summary>
    public static string SqlitePath(string portalConnectionString)
    {
        var portal = new SqliteConnectionStringBuilder(portalConnectionString).DataSource;
        if (string.IsNullOrEmpty(portal) || portal == ":memory:")
        {
            throw new InvalidOperationException("The embedded job store needs the portal's SQLite database in a file (ConnectionStrings:Portal 'Data Source=...').");
        }

        var full = Path.GetFullPath(portal);
        return Path.Combine(Path.GetDirectoryName(full)!, Path.GetFileNameWithoutExtension(full) + ".jobs.db");
    }

    /// <summary>
    /// Creates or upgrades Hangfire's PostgreSQL schema. Called once the portal's migrations have run, under an advisory lock
    /// so nodes starting together do not race (Hangfire's installer alone is not safe to run concurrently).
    /// </summary>
    public static async Task InstallPostgresSchemaAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var key = JobLocks.KeyFor("schema");
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter { Value = key });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            PostgreSqlObjectsInstaller.Install(connection, Schema);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
            unlock.Parameters.Add(new NpgsqlParameter { Value = key });
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static PostgreSqlStorageOptions PostgresOptions(JobsOptions jobs) => new()
    {
        SchemaName = Schema,

        // Installed by InstallPostgresSchemaAsync after the portal's migrations, not by the storage's constructor.
        PrepareSchemaIfNecessary = false,
        QueuePollInterval = jobs.QueuePollIntervalFor(DatabaseProvider.Postgres),
        EnableLongPolling = true,
        UseSlidingInvisibilityTimeout = true,
        InvisibilityTimeout = jobs.InvisibilityTimeout,
        DistributedLockTimeout = TimeSpan.FromMinutes(1),
    };
}
