using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Provisioning.Drift;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Jobs;

/// <summary>The job layer: Hangfire on the portal's database, the lifecycle's and cost ingestion's jobs, and the stack watcher.</summary>
public static class LifecycleJobs
{
    /// <summary>
    /// Registers Hangfire (<c>AddHangfire</c>, <c>AddHangfireServer</c>) with the storage for <c>Database:Provider</c>, the
    /// <c>Jobs</c> options, the provisioning queue, the recurring jobs (<see cref="RecurringJobs"/>, registered at start-up)
    /// and the stack watcher. Requires <c>AddPortalData</c>.
    /// </summary>
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
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        // This portal's own storage and activator, not Hangfire's process-wide JobStorage.Current / JobActivator.Current
        // (tests host several portals in one process); AddHangfire only adds what is not registered yet.
        services.AddSingleton<JobStorage>(sp =>
            PortalJobStorage.Create(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value, sp.GetRequiredService<IOptions<JobsOptions>>().Value));
        services.AddSingleton<JobActivator>(sp => new Hangfire.AspNetCore.AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, config) => config
            .UseLogProvider(new HostLogProvider(sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());

        services.AddSingleton<JobLocks>();
        services.Replace(ServiceDescriptor.Singleton<IProvisioningQueue, ProvisioningQueue>());
        services.TryAddSingleton<CostIngestionTrigger>();
        services.AddTransient<ProvisionJob>();
        services.AddTransient<ReconcilerJob>();
        services.AddTransient<ExpiryJob>();
        services.AddTransient<OffHoursJob>();
        services.AddTransient<CostIngestionJob>();
        services.AddTransient<CostAlertsJob>();
        services.AddDrift();

        // Before the server: installs Hangfire's schema (after the portal's migrations) and the recurring jobs.
        services.AddHostedService<JobLayerStartup>();
        services.AddHangfireServer((sp, server) =>
        {
            var jobs = sp.GetRequiredService<IOptions<JobsOptions>>().Value;
            server.WorkerCount = jobs.WorkerCount;
            server.SchedulePollingInterval = jobs.SchedulePollingInterval;
            server.HeartbeatInterval = TimeSpan.FromSeconds(10);
            server.ServerTimeout = TimeSpan.FromMinutes(1);
            server.ServerCheckInterval = TimeSpan.FromSeconds(30);
            server.ShutdownTimeout = TimeSpan.FromSeconds(15);
        });

        services.AddSingleton<StackWatcherService>();
        services.AddHostedService(sp => sp.GetRequiredService<StackWatcherService>());
        services.AddSingleton<LifecycleGauges>();
        services.AddHostedService(sp => sp.GetRequiredService<LifecycleGauges>());
        return services;
    }
}
