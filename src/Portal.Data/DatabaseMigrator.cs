using System.Data.Common;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Portal.Data;

/// <summary>
/// Applies the hand-written, per-provider SQL migrations embedded under <c>Migrations/{Provider}/NNNN_name.sql</c>
/// (there is no <c>dotnet ef</c> here; see docs/adr/0002). Safe to run from several nodes at once.
/// </summary>
public sealed class DatabaseMigrator(IDbContextFactory<PortalDbContext> contextFactory, TimeProvider timeProvider, ILogger<DatabaseMigrator> logger)
{
    private const string HistoryTable = "__portal_migrations";

    // Arbitrary constant shared by every node: pg_advisory_lock serializes concurrent migrators on PostgreSQL.
    private const long PostgresMigrationLockKey = 0x706f7274616c;

    public static IReadOnlyList<string> AvailableMigrations(DatabaseProvider provider)
    {
        var prefix = $"Portal.Data.Migrations.{provider}/";
        return [.. typeof(DatabaseMigrator).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => n[prefix.Length..^4])
            .Order(StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<string>> GetPendingMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var provider = ProviderOf(db);
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);
        var applied = await ReadAppliedAsync(connection, provider, cancellationToken);
        return [.. AvailableMigrations(provider).Where(m => !applied.Contains(m))];
    }

    /// <summary>Applies every pending migration, each in its own transaction. Returns the ids applied.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var provider = ProviderOf(db);
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(cancellationToken);

        if (provider == DatabaseProvider.Postgres)
        {
            await ExecuteAsync(connection, null, $"SELECT pg_advisory_lock({PostgresMigrationLockKey})", cancellationToken);
        }
        else
        {
            // WAL lets readers proceed while the job layer writes; the setting persists in the file.
            await ExecuteAsync(connection, null, "PRAGMA journal_mode=WAL", cancellationToken);
        }

        try
        {
            var createHistory = provider == DatabaseProvider.Postgres
                ? $"CREATE TABLE IF NOT EXISTS \"{HistoryTable}\" (\"Id\" text PRIMARY KEY, \"AppliedAt\" timestamp with time zone NOT NULL)"
                : $"CREATE TABLE IF NOT EXISTS \"{HistoryTable}\" (\"Id\" TEXT NOT NULL PRIMARY KEY, \"AppliedAt\" TEXT NOT NULL)";
            await ExecuteAsync(connection, null, createHistory, cancellationToken);

            var applied = await ReadAppliedAsync(connection, provider, cancellationToken);
            var done = new List<string>();
            foreach (var id in AvailableMigrations(provider).Where(m => !applied.Contains(m)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, transaction, ReadScript(provider, id), cancellationToken);
                await using (var insert = connection.CreateCommand())
                {
                    insert.Transaction = transaction;
                    insert.CommandText = $"INSERT INTO \"{HistoryTable}\" (\"Id\", \"AppliedAt\") VALUES (@id, @at)";
                    insert.AddParameters(("@id", id), ("@at", provider == DatabaseProvider.Postgres ? timeProvider.GetUtcNow() : timeProvider.GetUtcNow().ToString("O")));
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied migration {Migration} ({Provider})", id, provider);
                done.Add(id);
            }

            return done;
        }
        finally
        {
            if (provider == DatabaseProvider.Postgres)
            {
                await ExecuteAsync(connection, null, $"SELECT pg_advisory_unlock({PostgresMigrationLockKey})", CancellationToken.None);
            }
        }
    }

    internal static DatabaseProvider ProviderOf(PortalDbContext db) =>
        db.Database.IsNpgsql() ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite;

    private static async Task<HashSet<string>> ReadAppliedAsync(DbConnection connection, DatabaseProvider provider, CancellationToken cancellationToken)
    {
        var exists = provider == DatabaseProvider.Postgres
            ? $"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{HistoryTable}'"
            : $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{HistoryTable}'";
        await using var check = connection.CreateCommand();
        check.CommandText = exists;
        if (Convert.ToInt64(await check.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            return [];
        }

        await using var read = connection.CreateCommand();
        read.CommandText = $"SELECT \"Id\" FROM \"{HistoryTable}\"";
        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied.Add(reader.GetString(0));
        }

        return applied;
    }

    private static string ReadScript(DatabaseProvider provider, string id)
    {
        var name = $"Portal.Data.Migrations.{provider}/{id}.sql";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Migration resource {name} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.CommandTimeout = 300;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
