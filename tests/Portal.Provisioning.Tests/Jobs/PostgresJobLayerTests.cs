using Hangfire;
using Npgsql;
using Portal.Data;
using Portal.Provisioning.Jobs;
using Portal.TestSupport;

namespace Portal.Provisioning.Tests.Jobs;

/// <summary>Hangfire.PostgreSql as the portal runs it (its schema installed after the migrations), with two nodes on one database.</summary>
public sealed class PostgresJobLayerTests
{
    [Fact]
    public async Task EnqueuedJobs_OnTwoNodes_EachRunExactlyOnce_SharedBetweenTheNodes()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await JobLayerHost.MigrateAsync(database);
        using var a = await JobLayerHost.StartAsync(database, "a");
        using var b = await JobLayerHost.StartAsync(database, "b");
        var probe = JobProbe.NewId();

        for (var i = 0; i < 40; i++)
        {
            var name = $"job-{i:00}";
            (i % 2 == 0 ? a : b).Jobs().Enqueue<RecordingJob>(j => j.RunAsync(probe, name, CancellationToken.None));
        }

        await JobProbe.WaitForRunsAsync(probe, 40, TimeSpan.FromSeconds(60));
        await Task.Delay(1000); // a job run twice would show up now
        var runs = JobProbe.RunsOf(probe);
        runs.Count.ShouldBe(40);
        runs.GroupBy(r => r.Job).ShouldAllBe(g => g.Count() == 1);
        runs.Select(r => r.Node).Distinct().Count().ShouldBe(2, "both nodes' servers take jobs from the one queue");
        await a.StopAsync();
        await b.StopAsync();
    }

    [Fact]
    public async Task Job_EnqueuedWhileNoServerRuns_RunsWhenAServerStarts()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await JobLayerHost.MigrateAsync(database);
        var probe = JobProbe.NewId();
        using (var client = await JobLayerHost.StartAsync(database, "client", server: false))
        {
            client.Jobs().Enqueue<RecordingJob>(j => j.RunAsync(probe, "stored", CancellationToken.None));
            await client.StopAsync();
        }

        JobProbe.RunsOf(probe).ShouldBeEmpty();
        using var worker = await JobLayerHost.StartAsync(database, "worker");
        (await JobProbe.WaitForRunsAsync(probe, 1, TimeSpan.FromSeconds(30))).ShouldHaveSingleItem().Node.ShouldBe("worker");
        await worker.StopAsync();
    }

    [Fact]
    public async Task SchemaInstall_FromSeveralNodesAtOnce_Succeeds_AndLeavesOneSchema()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await new DatabaseMigrator(database.CreateFactory(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PortalJobStorage.InstallPostgresSchemaAsync(database.ConnectionString, CancellationToken.None)));

        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{PortalJobStorage.Schema}' AND table_name = 'job'", connection);
        ((long)(await command.ExecuteScalarAsync())!).ShouldBe(1);
    }

    [Fact]
    public async Task Lock_IsExclusiveAcrossNodes_AndFreedAtOnceWhenItsHoldersSessionDies()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        var options = Microsoft.Extensions.Options.Options.Create(database.Options);
        var nodeA = new JobLocks(options);
        var nodeB = new JobLocks(options);

        var held = (await nodeA.TryAcquireAsync("environment:x", TimeSpan.Zero, CancellationToken.None)).ShouldNotBeNull();
        (await held.IsAliveAsync(CancellationToken.None)).ShouldBeTrue();
        (await nodeB.TryAcquireAsync("environment:x", TimeSpan.FromMilliseconds(300), CancellationToken.None)).ShouldBeNull("node A holds it");
        await using (var other = await nodeB.TryAcquireAsync("environment:y", TimeSpan.Zero, CancellationToken.None))
        {
            other.ShouldNotBeNull("another name is another lock");
        }

        // As when node A is SIGKILLed: its session ends, and PostgreSQL releases its advisory locks with it.
        await using (var admin = new NpgsqlConnection(database.ConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand(
                """
                SELECT pg_terminate_backend(pid) FROM pg_locks
                WHERE locktype = 'advisory' AND classid = (($1 >> 32) & 4294967295)::oid AND objid = ($1 & 4294967295)::oid
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND pid <> pg_backend_pid()
                """, admin);
            kill.Parameters.Add(new NpgsqlParameter { Value = JobLocks.KeyFor("environment:x") });
            await kill.ExecuteNonQueryAsync();
        }

        await using var taken = await nodeB.TryAcquireAsync("environment:x", TimeSpan.FromSeconds(5), CancellationToken.None);
        taken.ShouldNotBeNull("the dead session's lock is free");
        (await held.IsAliveAsync(CancellationToken.None)).ShouldBeFalse("its holder can tell the lock is gone");
        await held.DisposeAsync();
    }
}
