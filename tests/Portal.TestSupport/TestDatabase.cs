using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Data;

namespace Portal.TestSupport;

/// <summary>
/// A fresh, empty database on a real engine: a new PostgreSQL database on the server that <c>./test.sh</c> starts
/// (its connection string in <c>PORTAL_TEST_POSTGRES</c>), or a new SQLite file. Dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "PORTAL_TEST_POSTGRES";

    private readonly string? _postgresAdmin;
    private readonly string? _sqliteDirectory;

    private TestDatabase(DatabaseProvider provider, string connectionString, string? postgresAdmin, string? sqliteDirectory, string name)
    {
        Provider = provider;
        ConnectionString = connectionString;
        Name = name;
        _postgresAdmin = postgresAdmin;
        _sqliteDirectory = sqliteDirectory;
    }

    public DatabaseProvider Provider { get; }

    public string ConnectionString { get; }

    public string Name { get; }

    public DatabaseOptions Options => new() { Provider = Provider, ConnectionString = ConnectionString };

    public static string PostgresServer =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"{PostgresVariable} is not set. Data tests run on a real PostgreSQL: run them with ./test.sh, which starts one.");

    /// <param name="provider">The engine.</param>
    /// <param name="postgresServer">A PostgreSQL server's connection string other than the shared one (a test's own server).</param>
    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider, string? postgresServer = null)
    {
        var name = $"portal_test_{Guid.NewGuid():N}"[..32];
        if (provider == DatabaseProvider.Postgres)
        {
            var admin = postgresServer ?? PostgresServer;
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync();
                // PORTAL_TEST_DATABASE_TEMPLATE: a database kept by PORTAL_TEST_KEEP_DATABASE, copied instead of starting empty (a
                // harness's seeded data without generating it again; set by hand, never by the test command).
                var template = Environment.GetEnvironmentVariable("PORTAL_TEST_DATABASE_TEMPLATE") is { Length: > 0 } kept
                    ? $" TEMPLATE \"{kept.Replace("\"", "", StringComparison.Ordinal)}\" STRATEGY FILE_COPY"
                    : "";
                // A copy of the files (not through the write-ahead log) takes a while all the same: gigabytes of them.
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"{template}", connection) { CommandTimeout = template.Length > 0 ? 900 : 30 };
                await create.ExecuteNonQueryAsync();
            }

            var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
            return new TestDatabase(provider, builder.ConnectionString, admin, null, name);
        }

        var directory = Path.Combine(Path.GetTempPath(), "portal-tests", name);
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "portal.db");
        return new TestDatabase(provider, $"Data Source={file}", null, directory, name);
    }

    public PortalDbContext CreateContext()
    {
        var builder = new DbContextOptionsBuilder<PortalDbContext>();
        DataServiceCollectionExtensions.Configure(builder, Options);
        return new PortalDbContext(builder.Options);
    }

    public IDbContextFactory<PortalDbContext> CreateFactory() => new Factory(this);

    public async ValueTask DisposeAsync()
    {
        // PORTAL_TEST_KEEP_DATABASE=1 keeps a PostgreSQL database after the run (a benchmark's seeded data, to look into).
        if (_postgresAdmin is not null && Environment.GetEnvironmentVariable("PORTAL_TEST_KEEP_DATABASE") == "1")
        {
            Console.WriteLine($"Kept PostgreSQL database {Name}.");
        }
        else if (_postgresAdmin is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_postgresAdmin);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        if (_sqliteDirectory is not null)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_sqliteDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still open on a slow finaliser is harmless in a temp folder.
            }
        }
    }

    private sealed class Factory(TestDatabase database) : IDbContextFactory<PortalDbContext>
    {
        public PortalDbContext CreateDbContext() => database.CreateContext();
    }
}
