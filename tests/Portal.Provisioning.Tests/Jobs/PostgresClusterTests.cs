using Portal.Data;
using Portal.TestSupport;
using Quartz;

namespace Portal.Provisioning.Tests.Jobs;

/// <summary>Two scheduler hosts ("nodes") clustered on one migrated PostgreSQL database; needs PORTAL_TEST_POSTGRES like the data tests.</summary>
public sealed class PostgresClusterTests
{
    [Fact]
    public async Task OneShotTriggers_OnTwoClusteredNodes_EachRunExactlyOnce()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await SchedulerHost.MigrateAsync(database);
        using var nodeA = await SchedulerHost.StartAsync(database);
        using var nodeB = await SchedulerHost.StartAsync(database);
        var schedulerA = await nodeA.SchedulerAsync();
        var schedulerB = await nodeB.SchedulerAsync();
        schedulerA.SchedulerInstanceId.ShouldNotBe(schedulerB.SchedulerInstanceId);
        var probe = JobProbe.NewId();

        // Half scheduled through each node, all due in two seconds, so both nodes compete for them.
        var due = DateTimeOffset.UtcNow.AddSeconds(2);
        for (var i = 0; i < 20; i++)
        {
            var scheduler = i % 2 == 0 ? schedulerA : schedulerB;
            await scheduler.ScheduleJob(SchedulerHost.RecordingJob(probe, $"once-{i}"), SchedulerHost.At($"once-{i}", due));
        }

        await JobProbe.WaitForRunsAsync(probe, 20, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(3)); // room for a duplicate to show up
        var runs = JobProbe.RunsOf(probe);
        runs.Count.ShouldBe(20);
        runs.Select(r => r.Job).Distinct().Count().ShouldBe(20);
        runs.ShouldAllBe(r => r.InstanceId == schedulerA.SchedulerInstanceId || r.InstanceId == schedulerB.SchedulerInstanceId);

        await Task.WhenAll(nodeA.StopAsync(), nodeB.StopAsync());
    }

    [Fact]
    public async Task RecoverableJob_WhenItsNodeStopsAbruptly_IsRecoveredAndCompletedByTheOtherNode()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        await SchedulerHost.MigrateAsync(database);
        var probe = JobProbe.NewId();

        using var nodeA = await SchedulerHost.StartAsync(database);
        var schedulerA = await nodeA.SchedulerAsync();
        var job = JobBuilder.Create<BlockingRecoverableJob>()
            .WithIdentity("recoverable", "tests")
            .UsingJobData(JobProbe.Key, probe)
            .StoreDurably()
            .RequestRecovery()
            .Build();
        await schedulerA.ScheduleJob(job, SchedulerHost.At("recoverable", DateTimeOffset.UtcNow));
        await JobProbe.Release(probe + BlockingRecoverableJob.StartedSuffix).Task.WaitAsync(TimeSpan.FromSeconds(30));

        using var nodeB = await SchedulerHost.StartAsync(database);
        var schedulerB = await nodeB.SchedulerAsync();

        try
        {
            // Node A goes away without waiting for its job: the firing stays in qrtz_fired_triggers under A's instance id.
            await schedulerA.Shutdown(waitForJobsToComplete: false);

            var runs = await JobProbe.WaitForRunsAsync(probe, 1, TimeSpan.FromSeconds(60));
            var recovered = runs.ShouldHaveSingleItem();
            recovered.Recovering.ShouldBeTrue();
            recovered.InstanceId.ShouldBe(schedulerB.SchedulerInstanceId);
            recovered.InstanceId.ShouldNotBe(schedulerA.SchedulerInstanceId);
        }
        finally
        {
            JobProbe.Release(probe).TrySetResult();
        }

        await nodeB.StopAsync();
        await nodeA.StopAsync();
    }
}
