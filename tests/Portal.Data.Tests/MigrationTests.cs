using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Data.Entities;
using Portal.TestSupport;

namespace Portal.Data.Tests;

public sealed class MigrationTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Postgres, DatabaseProvider.Sqlite];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Migrate_OnEmptyDatabase_YieldsExactlyTheSchemaTheModelDescribes(DatabaseProvider provider)
    {
        await using var migrated = await TestDatabase.CreateAsync(provider);
        await using var fromModel = await TestDatabase.CreateAsync(provider);

        var applied = await Migrator(migrated).MigrateAsync(CancellationToken.None);
        applied.ShouldBe(DatabaseMigrator.AvailableMigrations(provider));

        await using (var db = fromModel.CreateContext())
        {
            await db.Database.EnsureCreatedAsync();
        }

        await using var migratedDb = migrated.CreateContext();
        await using var modelDb = fromModel.CreateContext();
        var migratedSchema = await SchemaSnapshot.ReadAsync(migratedDb);
        var modelSchema = await SchemaSnapshot.ReadAsync(modelDb);

        migratedSchema.ShouldNotBeEmpty();
        var expectedExtras = ProviderExtras(provider);
        foreach (var name in expectedExtras)
        {
            migratedSchema.ShouldContain(l => l.Contains(name, StringComparison.Ordinal), $"the migrations should create {name}");
        }

        var missing = modelSchema.Except(migratedSchema).ToList();
        var extra = migratedSchema.Except(modelSchema).Where(l => !expectedExtras.Any(e => l.Contains(e, StringComparison.Ordinal))).ToList();
        missing.ShouldBeEmpty($"the model has schema the migrations do not create (add a migration):\n{string.Join('\n', missing)}");
        extra.ShouldBeEmpty($"the migrations create schema the model does not describe:\n{string.Join('\n', extra)}");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Migrate_WhenRunAgain_AppliesNothingAndReportsNothingPending(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var migrator = Migrator(database);

        (await migrator.GetPendingMigrationsAsync(CancellationToken.None)).ShouldNotBeEmpty();
        await migrator.MigrateAsync(CancellationToken.None);

        (await migrator.MigrateAsync(CancellationToken.None)).ShouldBeEmpty();
        (await migrator.GetPendingMigrationsAsync(CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Migrate_FromSeveralNodesAtOnce_AppliesEachMigrationOnce()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Migrator(database).MigrateAsync(CancellationToken.None)));

        results.SelectMany(r => r).ShouldBe(DatabaseMigrator.AvailableMigrations(DatabaseProvider.Postgres));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AuditEvents_AfterInsert_CannotBeUpdatedOrDeleted(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await Migrator(database).MigrateAsync(CancellationToken.None);
        await using (var db = database.CreateContext())
        {
            db.AuditEvents.Add(AuditEvent.Record(DateTimeOffset.UtcNow, null, "system", "team.created", "team", "payments", null, "{}"));
            await db.SaveChangesAsync();
        }

        await using var context = database.CreateContext();
        var update = () => context.AuditEvents.ExecuteUpdateAsync(s => s.SetProperty(e => e.Actor, "someone-else"));
        var delete = () => context.AuditEvents.ExecuteDeleteAsync();

        (await Should.ThrowAsync<Exception>(update)).ToString().ShouldContain("append-only");
        (await Should.ThrowAsync<Exception>(delete)).ToString().ShouldContain("append-only");
        (await context.AuditEvents.SingleAsync()).Actor.ShouldBe("system");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Migrate_OnEmptyDatabase_LeavesNoQuartzTables_AndNoHangfireSchema(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var applied = await Migrator(database).MigrateAsync(CancellationToken.None);
        applied.ShouldContain("0004_quartz");
        applied.ShouldContain("0010_drop_quartz");

        await using var db = database.CreateContext();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        // Hangfire's tables are not the migrations' business: its own schema on PostgreSQL (installed by the job layer after
        // them), its own file on SQLite. Quartz's (0004) are gone since 0010.
        command.CommandText = provider == DatabaseProvider.Postgres
            ? "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_name ILIKE 'qrtz%' OR table_schema = 'hangfire'"
            : "SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE 'qrtz%' OR name LIKE 'hangfire%')";
        var leftovers = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                leftovers.Add(reader.GetString(0));
            }
        }

        leftovers.ShouldBeEmpty();
    }

    // Schema the model cannot describe, added by hand in the migrations (both its constraint and its index on PostgreSQL).
    private static string[] ProviderExtras(DatabaseProvider provider) => provider switch
    {
        DatabaseProvider.Postgres => ["EX_CidrAllocations_NoOverlap"],
        DatabaseProvider.Sqlite => [],
        _ => throw new ArgumentOutOfRangeException(nameof(provider)),
    };

    private static DatabaseMigrator Migrator(TestDatabase database) =>
        new(database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance);
}
