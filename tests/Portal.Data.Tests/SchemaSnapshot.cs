using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace Portal.Data.Tests;

/// <summary>Reads a database's schema (tables, columns, indexes, constraints) as comparable text lines.</summary>
/// <remarks>
/// Hangfire's tables are skipped: on PostgreSQL they live in the <c>hangfire</c> schema (the job layer installs them after the
/// migrations), on SQLite in a file of their own (<c>portal.jobs.db</c>), and neither is the EF model's.
/// </remarks>
internal static class SchemaSnapshot
{
    // Hangfire.PostgreSql's schema (PortalJobStorage.Schema), excluded even if a search_path puts it first.
    private const string HangfireSchema = "'hangfire'";

    private static readonly string[] Ignored = ["__portal_migrations", "__EFMigrationsHistory", "sqlite_sequence"];

    public static async Task<IReadOnlyList<string>> ReadAsync(PortalDbContext db)
    {
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        var lines = db.Database.IsNpgsql() ? await ReadPostgresAsync(connection) : await ReadSqliteAsync(connection);
        return [.. lines.Where(l => !Ignored.Any(i => l.Contains(i, StringComparison.Ordinal))).Order(StringComparer.Ordinal)];
    }

    private static async Task<List<string>> ReadPostgresAsync(DbConnection connection)
    {
        var lines = await QueryAsync(connection, $"""
            SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type
                   || coalesce('(' || character_maximum_length || ')', '')
                   || coalesce(' p' || numeric_precision || ',' || numeric_scale, '')
                   || ' null=' || is_nullable || ' identity=' || is_identity || ' default=' || coalesce(column_default, '')
            FROM information_schema.columns WHERE table_schema = current_schema() AND table_schema <> {HangfireSchema}
            """);
        lines.AddRange(await QueryAsync(connection, $"SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() AND schemaname <> {HangfireSchema}"));
        lines.AddRange(await QueryAsync(connection, $"""
            SELECT 'constraint ' || c.conrelid::regclass || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid)
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema()
              AND n.nspname <> {HangfireSchema}
            """));
        return lines;
    }

    private static async Task<List<string>> ReadSqliteAsync(DbConnection connection)
    {
        var lines = new List<string>();
        var tables = await QueryAsync(connection, $"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
        foreach (var table in tables)
        {
            lines.AddRange(await QueryAsync(connection,
                $"SELECT 'column {table}.' || name || ' ' || type || ' notnull=' || \"notnull\" || ' pk=' || pk || ' default=' || coalesce(dflt_value, '') FROM pragma_table_info('{table}')"));
            lines.AddRange(await QueryAsync(connection,
                $"SELECT 'fk {table}.' || \"from\" || ' -> ' || \"table\" || '.' || \"to\" || ' on delete ' || on_delete FROM pragma_foreign_key_list('{table}')"));
        }

        lines.AddRange(await QueryAsync(connection, $"SELECT 'index ' || name || ' ' || coalesce(sql, '') FROM sqlite_master WHERE type = 'index'"));
        return lines;
    }

    private static async Task<List<string>> QueryAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
