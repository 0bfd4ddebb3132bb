using Portal.Provisioning.Lifecycle;
using Quartz;

namespace Portal.Provisioning.Jobs;

/// <summary>Schedules an environment's <see cref="ProvisionJob"/> to run now (in the database-backed store, so it survives a crash).</summary>
public sealed class ProvisioningQueue(ISchedulerFactory schedulers) : IProvisioningQueue
{
    public async Task EnqueueAsync(Guid environmentId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        var key = ProvisionJob.KeyFor(environmentId);
        var job = JobBuilder.Create<ProvisionJob>()
            .WithIdentity(key)
            .UsingJobData(ProvisionJob.EnvironmentIdKey, environmentId.ToString())

            // The W3C trace context of whatever asked (an approval's HTTP request), so the job's spans join its trace.
            .UsingJobData(ProvisionJob.TraceParentKey, System.Diagnostics.Activity.Current?.Id ?? "")
            .StoreDurably()
            .RequestRecovery()
            .Build();
        var trigger = TriggerBuilder.Create().ForJob(key).StartNow()
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow)).Build();

        // Replace keeps one job per environment; each enqueue adds a trigger, and the job never runs twice at once.
        await scheduler.ScheduleJob(job, [trigger], new ScheduleJobOptions { Replace = true }, cancellationToken);
    }
}
