using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Provisioning.Lifecycle;
using Quartz;

namespace Portal.Provisioning.Jobs;

/// <summary>The lifecycle's jobs (and cost ingestion's) and their clocks, for <see cref="PortalScheduler.AddPortalScheduler"/>.</summary>
public static class LifecycleJobs
{
    /// <summary>Registers the job layer: the scheduler on the portal's database and the lifecycle jobs with their triggers.</summary>
    public static IServiceCollection AddLifecycleJobs(this IServiceCollection services)
    {
        services.AddOptions<OffHoursOptions>().BindConfiguration(OffHoursOptions.SectionName).Validate(
            o =>
            {
                try
                {
                    _ = TimeZoneInfo.FindSystemTimeZoneById(o.TimeZone);
                    return o.BusinessHoursStart < o.BusinessHoursEnd;
                }
                catch (TimeZoneNotFoundException)
                {
                    return false;
                }
            },
            "OffHours:TimeZone must be a known time zone and OffHours:BusinessHoursStart earlier than OffHours:BusinessHoursEnd.").ValidateOnStart();
        services.Replace(ServiceDescriptor.Singleton<IProvisioningQueue, ProvisioningQueue>());
        services.TryAddSingleton<CostIngestionTrigger>();
        services.AddSingleton<LifecycleGauges>();
        services.AddHostedService(sp => sp.GetRequiredService<LifecycleGauges>());
        services.AddPortalScheduler(Configure);
        return services;
    }

    private static void Configure(IQuartzBuilder q)
    {
        q.AddJob<StackWatcherJob>(j => j.WithIdentity(StackWatcherJob.Key).StoreDurably());
        q.AddTrigger(t => t.ForJob(StackWatcherJob.Key).WithIdentity("stack-watcher-every-second", "lifecycle").StartNow()
            .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromSeconds(1)).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));

        q.AddJob<ReconcilerJob>(j => j.WithIdentity(ReconcilerJob.Key).StoreDurably());
        q.AddTrigger(t => t.ForJob(ReconcilerJob.Key).WithIdentity("reconciler-every-minute", "lifecycle").StartNow()
            .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromMinutes(1)).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));

        q.AddJob<ExpiryJob>(j => j.WithIdentity(ExpiryJob.Key).StoreDurably());
        q.AddTrigger(t => t.ForJob(ExpiryJob.Key).WithIdentity("expiry-every-minute", "lifecycle").StartNow()
            .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromMinutes(1)).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));

        q.AddJob<OffHoursJob>(j => j.WithIdentity(OffHoursJob.Key).StoreDurably());
        q.AddTrigger(t => t.ForJob(OffHoursJob.Key).WithIdentity("off-hours-every-5-minutes", "lifecycle").StartAt(DateTimeOffset.UtcNow.AddSeconds(30))
            .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromMinutes(5)).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));

        // Cost ingestion: daily, and on demand (CostIngestionTrigger); a missed daily run fires once when the scheduler is back.
        q.AddJob<CostIngestionJob>(j => j.WithIdentity(CostIngestionJob.Key).StoreDurably());
        q.AddTrigger(t => t.ForJob(CostIngestionJob.Key).WithIdentity("cost-ingestion-daily", "costs")
            .WithCronSchedule(CostIngestionJob.DailySchedule, c => c.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)));

        // Budget alerts and anomalies: after every ingestion (in CostIngestionJob) and daily on their own.
        q.AddJob<CostAlertsJob>(j => j.WithIdentity(CostAlertsJob.Key).StoreDurably());
        q.AddTrigger(t => t.ForJob(CostAlertsJob.Key).WithIdentity("cost-alerts-daily", "costs")
            .WithCronSchedule(CostAlertsJob.DailySchedule, c => c.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed)));
    }
}
