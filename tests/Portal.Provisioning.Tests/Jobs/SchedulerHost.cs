using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Data;
using Portal.Provisioning.Jobs;
using Portal.TestSupport;
using Quartz;

namespace Portal.Provisioning.Tests.Jobs;

/// <summary>A host running only the portal's data layer and scheduler against a test database: one "node".</summary>
internal static class SchedulerHost
{
    public static async Task MigrateAsync(TestDatabase database) =>
        await new DatabaseMigrator(database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance)
            .MigrateAsync(CancellationToken.None);

    public static async Task<IHost> StartAsync(TestDatabase database, TimeSpan? clusterCheckinInterval = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Scheduler:ClusterCheckinInterval"] = (clusterCheckinInterval ?? TimeSpan.FromSeconds(1)).ToString("c"),
        });
        builder.Services.AddPortalData(o =>
        {
            o.Provider = database.Provider;
            o.ConnectionString = database.ConnectionString;
            o.MigrateOnStartup = false;
        });
        builder.Services.AddPortalScheduler(_ => { });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public static ValueTask<IScheduler> SchedulerAsync(this IHost host) =>
        host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(CancellationToken.None);

    public static IJobDetail RecordingJob(string probe, string name) =>
        JobBuilder.Create<RecordingJob>()
            .WithIdentity(name, "tests")
            .UsingJobData(JobProbe.Key, probe)
            .Build();

    public static ITrigger At(string name, DateTimeOffset when) =>
        TriggerBuilder.Create().WithIdentity(name, "tests").StartAt(when).Build();
}
