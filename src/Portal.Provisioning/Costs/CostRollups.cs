using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Portal.Data;

namespace Portal.Provisioning.Costs;

/// <summary>
/// Rebuilds, from the facts of one account's days <c>[start, stop)</c>, everything the cost views read instead of the facts
/// (ADR 0009): the daily rollups (date × team × tier × service) and per-environment days (all services) of those days, then
/// the monthly rollups and per-environment months of every month the days touch, from the day tables. Each per-environment
/// day carries its month-to-date total, so when days of a month are rewritten the totals of those days and of every later day
/// of the month are recomputed (a window over the month's days; the days before <c>start</c> keep theirs). Run in the transaction
/// that wrote the facts, so a reader never sees one without the other; the same statements on PostgreSQL and SQLite.
/// </summary>
public static class CostRollups
{
    private const string PostgresId = "gen_random_uuid()";

    // A random version-4 UUID in the upper-case text form EF Core stores Guids in on SQLite.
    private const string SqliteId = """
        upper(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' || substr('89AB', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))
        """;

    private const string Sql = """
        DELETE FROM "CostDailyRollups" WHERE "AccountId" = @account AND "Date" >= @start AND "Date" < @stop;
        INSERT INTO "CostDailyRollups" ("Id", "Date", "AccountId", "TeamId", "Tier", "Service", "UnblendedUsd", "AmortizedUsd")
        SELECT {id}, "Date", "AccountId", "TeamId", "Tier", "Service", {sum:UnblendedUsd}, {sum:AmortizedUsd}
        FROM "CostFacts" WHERE "AccountId" = @account AND "Date" >= @start AND "Date" < @stop
        GROUP BY "Date", "AccountId", "TeamId", "Tier", "Service";

        DELETE FROM "CostEnvironmentDays" WHERE "AccountId" = @account AND "Date" >= @start AND "Date" < @stop;
        INSERT INTO "CostEnvironmentDays" ("Date", "AccountId", "EnvironmentId", "TeamId", "Tier", "UnblendedUsd", "AmortizedUsd", "MonthToDateUnblendedUsd")
        SELECT "Date", "AccountId", "EnvironmentId", "TeamId", "Tier", {sum:UnblendedUsd}, {sum:AmortizedUsd}, 0
        FROM "CostFacts" WHERE "AccountId" = @account AND "Date" >= @start AND "Date" < @stop AND "EnvironmentId" IS NOT NULL
        GROUP BY "Date", "AccountId", "EnvironmentId", "TeamId", "Tier";

        UPDATE "CostEnvironmentDays" AS d SET "MonthToDateUnblendedUsd" = r.mtd
        FROM (
            SELECT "EnvironmentId", "Date", {mtd} AS mtd
            FROM "CostEnvironmentDays" WHERE "AccountId" = @account AND "Date" >= @firstMonth AND "Date" < @stopMonth
        ) AS r
        WHERE d."AccountId" = @account AND d."Date" >= @start AND d."Date" < @stopMonth AND d."EnvironmentId" = r."EnvironmentId" AND d."Date" = r."Date";

        DELETE FROM "CostMonthlyRollups" WHERE "AccountId" = @account AND "Month" >= @firstMonth AND "Month" < @stopMonth;
        INSERT INTO "CostMonthlyRollups" ("Id", "Month", "AccountId", "TeamId", "Tier", "Service", "UnblendedUsd", "AmortizedUsd")
        SELECT {id}, {month}, "AccountId", "TeamId", "Tier", "Service", {sum:UnblendedUsd}, {sum:AmortizedUsd}
        FROM "CostDailyRollups" WHERE "AccountId" = @account AND "Date" >= @firstMonth AND "Date" < @stopMonth
        GROUP BY {month}, "AccountId", "TeamId", "Tier", "Service";

        DELETE FROM "CostEnvironmentMonths" WHERE "AccountId" = @account AND "Month" >= @firstMonth AND "Month" < @stopMonth;
        INSERT INTO "CostEnvironmentMonths" ("Month", "AccountId", "EnvironmentId", "TeamId", "Tier", "UnblendedUsd", "AmortizedUsd")
        SELECT {month}, "AccountId", "EnvironmentId", "TeamId", "Tier", {sum:UnblendedUsd}, {sum:AmortizedUsd}
        FROM "CostEnvironmentDays" WHERE "AccountId" = @account AND "Date" >= @firstMonth AND "Date" < @stopMonth
        GROUP BY {month}, "AccountId", "EnvironmentId", "TeamId", "Tier";
        """;

    private static readonly string PostgresSql = Sql
        .Replace("{id}", PostgresId, StringComparison.Ordinal)
        .Replace("{month}", "date_trunc('month', \"Date\")::date", StringComparison.Ordinal)
        .Replace("{mtd}", "sum(\"UnblendedUsd\") OVER (PARTITION BY \"EnvironmentId\", date_trunc('month', \"Date\") ORDER BY \"Date\")", StringComparison.Ordinal)
        .Replace("{sum:UnblendedUsd}", "sum(\"UnblendedUsd\")", StringComparison.Ordinal)
        .Replace("{sum:AmortizedUsd}", "sum(\"AmortizedUsd\")", StringComparison.Ordinal);

    // SQLite keeps money as REAL: sums are rounded back to the stored 6 decimals.
    private static readonly string SqliteSql = Sql
        .Replace("{id}", SqliteId, StringComparison.Ordinal)
        .Replace("{month}", "strftime('%Y-%m-01', \"Date\")", StringComparison.Ordinal)
        .Replace("{mtd}", "round(sum(\"UnblendedUsd\") OVER (PARTITION BY \"EnvironmentId\", strftime('%Y-%m-01', \"Date\") ORDER BY \"Date\"), 6)", StringComparison.Ordinal)
        .Replace("{sum:UnblendedUsd}", "round(sum(\"UnblendedUsd\"), 6)", StringComparison.Ordinal)
        .Replace("{sum:AmortizedUsd}", "round(sum(\"AmortizedUsd\"), 6)", StringComparison.Ordinal);

    /// <summary>Rebuilds the rollups of <paramref name="accountId"/>'s days <c>[start, stop)</c> and of the months they touch.</summary>
    public static async Task RebuildAsync(PortalDbContext db, string accountId, DateOnly start, DateOnly stop, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (stop <= start)
        {
            return;
        }

        var firstMonth = new DateOnly(start.Year, start.Month, 1);
        var last = stop.AddDays(-1);
        var stopMonth = new DateOnly(last.Year, last.Month, 1).AddMonths(1);
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }

        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = db.Database.IsNpgsql() ? PostgresSql : SqliteSql;
        command.CommandTimeout = 300;
        command.AddParameters(("account", accountId), ("start", start), ("stop", stop), ("firstMonth", firstMonth), ("stopMonth", stopMonth));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
