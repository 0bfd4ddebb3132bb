using Microsoft.Extensions.Options;

namespace Portal.Data;

/// <summary>Which database engine holds the portal's store.</summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>Options under <c>Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending migrations when the portal starts (the <c>migrate</c> command always does).</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>Resolved from <c>ConnectionStrings:Portal</c>, or the embedded default's SQLite file.</summary>
    public string ConnectionString { get; set; } = "";
}

internal sealed class DatabaseOptionsValidator : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        if (!Enum.IsDefined(options.Provider))
        {
            return ValidateOptionsResult.Fail("Database:Provider must be 'Sqlite' or 'Postgres'.");
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail(options.Provider == DatabaseProvider.Postgres
                ? "ConnectionStrings:Portal is required when Database:Provider is 'Postgres'."
                : "ConnectionStrings:Portal is empty and no SQLite file could be derived from Portal:DataDirectory.");
        }

        return ValidateOptionsResult.Success;
    }
}
