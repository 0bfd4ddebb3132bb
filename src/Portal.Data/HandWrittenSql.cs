using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Portal.Data;

/// <summary>
/// A hand-written SQL statement run through EF Core's own command pipeline: on the context's connection and transaction, seen
/// by its interceptors, logged and traced like any EF command, with parameters bound by the provider's type mappings (a
/// <see cref="Guid"/> is TEXT on SQLite, uuid on PostgreSQL). What it skips is the LINQ pipeline and the materializer: the
/// caller reads the rows itself (issue 18: the API's hottest reads). The SQL is the same on both providers — double-quoted
/// identifiers, <c>@name</c> parameters, <c>LIMIT</c>/<c>OFFSET</c>. A command is built per call (it is not safe to share).
/// </summary>
public static class HandWrittenSql
{
    // The provider's mapping of each parameter type, per model. Not the built command: an IRelationalCommand keeps the reader
    // it last returned and reuses it, so one command run by two requests at once hands one request's rows to the other.
    private static readonly ConditionalWeakTable<IModel, ConcurrentDictionary<Type, RelationalTypeMapping>> Mappings = [];

    /// <summary>
    /// Runs <paramref name="sql"/> with <paramref name="parameters"/> (each name without its <c>@</c>, its value, and its CLR
    /// type, which picks the mapping even when the value is null). Dispose the reader before the next statement.
    /// </summary>
    public static Task<RelationalDataReader> ReadAsync(DbContext db, string sql, IReadOnlyList<SqlArgument> parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        var command = Build(db, sql, parameters);
        var values = new Dictionary<string, object?>(parameters.Count, StringComparer.Ordinal);
        foreach (var parameter in parameters)
        {
            values[parameter.Name] = parameter.Value;
        }

        var dependencies = db.GetService<IRelationalConnection>();
        return command.ExecuteReaderAsync(
            new RelationalCommandParameterObject(dependencies, values, null, db, db.GetService<IRelationalCommandDiagnosticsLogger>(), CommandSource.FromSqlQuery),
            cancellationToken);
    }

    /// <summary>Whether <paramref name="db"/> runs on SQLite, which stores instants as ticks and money as REAL (<see cref="Instant"/>, <see cref="Money"/>).</summary>
    /// <remarks>By the connection's type: <c>Database.ProviderName</c> reads the provider assembly's name by reflection on
    /// every call (2% of by-id's CPU under load in a trace).</remarks>
    public static bool IsSqlite(DbContext db) => db.Database.GetDbConnection() is Microsoft.Data.Sqlite.SqliteConnection;

    /// <summary>An instant column as the model stores it (PostgreSQL timestamptz; SQLite the ticks of <see cref="DateTimeOffsetToBinaryConverter"/>).</summary>
    public static DateTimeOffset Instant(DbDataReader reader, int ordinal, bool sqlite) =>
        sqlite ? (DateTimeOffset)InstantFromTicks.ConvertFromProvider(reader.GetInt64(ordinal))! : reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static DateTimeOffset? NullableInstant(DbDataReader reader, int ordinal, bool sqlite) =>
        reader.IsDBNull(ordinal) ? null : Instant(reader, ordinal, sqlite);

    /// <summary>A money column as the model stores it (PostgreSQL numeric; SQLite REAL).</summary>
    public static decimal Money(DbDataReader reader, int ordinal, bool sqlite) =>
        sqlite ? (decimal)reader.GetDouble(ordinal) : reader.GetDecimal(ordinal);

    public static decimal? NullableMoney(DbDataReader reader, int ordinal, bool sqlite) =>
        reader.IsDBNull(ordinal) ? null : Money(reader, ordinal, sqlite);

    public static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static readonly DateTimeOffsetToBinaryConverter InstantFromTicks = new();

    private static IRelationalCommand Build(DbContext db, string sql, IReadOnlyList<SqlArgument> parameters)
    {
        var mappings = Mappings.GetValue(db.Model, static _ => new ConcurrentDictionary<Type, RelationalTypeMapping>());
        var builder = db.GetService<IRelationalCommandBuilderFactory>().Create().Append(sql);
        foreach (var parameter in parameters)
        {
            if (!mappings.TryGetValue(parameter.Type, out var mapping))
            {
                mapping = db.GetService<IRelationalTypeMappingSource>().FindMapping(parameter.Type)
                    ?? throw new InvalidOperationException($"The provider has no mapping for {parameter.Type} (parameter @{parameter.Name}).");
                mappings.TryAdd(parameter.Type, mapping);
            }

            builder.AddParameter(parameter.Name, "@" + parameter.Name, mapping, nullable: null);
        }

        return builder.Build();
    }
}

/// <summary>A parameter of <see cref="HandWrittenSql"/>: its name without the <c>@</c>, its value and its CLR type.</summary>
public readonly record struct SqlArgument(string Name, object? Value, Type Type)
{
    public static SqlArgument Of<T>(string name, T value) => new(name, value, typeof(T));
}
