using Portal.Data;
using Portal.TestSupport;
using Portal.Provisioning.Jobs;

namespace Portal.Provisioning.Tests.Jobs;

public sealed class SqliteSchedulerTests
{
    [Fact]
    public async Task ScheduledJob_OnAMigratedSqliteFile_Fires()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await SchedulerHost.MigrateAsync(database);
        using var host = await SchedulerHost.StartAsync(database);
        var scheduler = await host.SchedulerAsync();
        var probe = JobProbe.NewId();

        await scheduler.ScheduleJob(SchedulerHost.RecordingJob(probe, "fire"), SchedulerHost.At("fire", DateTimeOffset.UtcNow));

        var runs = await JobProbe.WaitForRunsAsync(probe, 1, TimeSpan.FromSeconds(30));
        runs.ShouldHaveSingleItem().Job.ShouldBe("fire");
        scheduler.SchedulerName.ShouldBe(PortalScheduler.Name);
        (await scheduler.GetMetadata()).ThreadPoolSize.ShouldBe(8);
        await host.StopAsync();
    }

    [Fact]
    public async Task FutureJob_AfterSchedulerShutdownAndRestart_FiresOnTheNewHost()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await SchedulerHost.MigrateAsync(database);
        var probe = JobProbe.NewId();

        using (var first = await SchedulerHost.StartAsync(database))
        {
            var scheduler = await first.SchedulerAsync();
            await scheduler.ScheduleJob(SchedulerHost.RecordingJob(probe, "later"), SchedulerHost.At("later", DateTimeOffset.UtcNow.AddSeconds(4)));
            await first.StopAsync();
        }

        JobProbe.RunsOf(probe).ShouldBeEmpty("the job was due after the first host stopped");

        using var second = await SchedulerHost.StartAsync(database);
        var runs = await JobProbe.WaitForRunsAsync(probe, 1, TimeSpan.FromSeconds(30));
        runs.ShouldHaveSingleItem().Job.ShouldBe("later");
        await second.StopAsync();
    }
}
