using Hangfire;
using Portal.Data;
using Portal.Provisioning.Jobs;
using Portal.TestSupport;

namespace Portal.Provisioning.Tests.Jobs;

/// <summary>Hangfire.Storage.SQLite as the embedded default runs it: its own file beside the portal's database, surviving restarts.</summary>
public sealed class SqliteJobLayerTests
{
    [Fact]
    public async Task EnqueuedJob_OnTheEmbeddedStore_Runs_FromAFileBesideThePortalDatabase()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await JobLayerHost.MigrateAsync(database);
        using var host = await JobLayerHost.StartAsync(database, "embedded");
        var probe = JobProbe.NewId();

        host.Jobs().Enqueue<RecordingJob>(j => j.RunAsync(probe, "now", CancellationToken.None));

        (await JobProbe.WaitForRunsAsync(probe, 1, TimeSpan.FromSeconds(30))).ShouldHaveSingleItem().Job.ShouldBe("now");
        var jobsFile = PortalJobStorage.SqlitePath(database.ConnectionString);
        File.Exists(jobsFile).ShouldBeTrue();
        Path.GetFileName(jobsFile).ShouldEndWith(".jobs.db");
        await host.StopAsync();
    }

    [Fact]
    public async Task DelayedJob_AfterTheHostStopsAndRestarts_RunsOnTheNewHost()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await JobLayerHost.MigrateAsync(database);
        var probe = JobProbe.NewId();

        using (var first = await JobLayerHost.StartAsync(database, "first"))
        {
            first.Jobs().Schedule<RecordingJob>(j => j.RunAsync(probe, "later", CancellationToken.None), TimeSpan.FromSeconds(4));
            await first.StopAsync();
        }

        JobProbe.RunsOf(probe).ShouldBeEmpty("the job was due after the first host stopped");
        using var second = await JobLayerHost.StartAsync(database, "second");
        (await JobProbe.WaitForRunsAsync(probe, 1, TimeSpan.FromSeconds(30))).ShouldHaveSingleItem().Node.ShouldBe("second");
        await second.StopAsync();
    }

    [Fact]
    public async Task Lock_OnTheEmbeddedStore_IsExclusiveUntilReleased()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        var locks = new JobLocks(Microsoft.Extensions.Options.Options.Create(database.Options));

        var held = (await locks.TryAcquireAsync("environment:x", TimeSpan.Zero, CancellationToken.None)).ShouldNotBeNull();
        (await locks.TryAcquireAsync("environment:x", TimeSpan.FromMilliseconds(200), CancellationToken.None)).ShouldBeNull();
        await held.DisposeAsync();
        await using var again = await locks.TryAcquireAsync("environment:x", TimeSpan.Zero, CancellationToken.None);
        again.ShouldNotBeNull();
    }
}
