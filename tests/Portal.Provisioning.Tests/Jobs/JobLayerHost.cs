using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Provisioning.Jobs;
using Portal.TestSupport;

namespace Portal.Provisioning.Tests.Jobs;

/// <summary>A host running only the portal's data layer and Hangfire on its storage against a test database: one "node".</summary>
internal static class JobLayerHost
{
    public static async Task MigrateAsync(TestDatabase database)
    {
        await new DatabaseMigrator(database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        if (database.Provider == DatabaseProvider.Postgres)
        {
            await PortalJobStorage.InstallPostgresSchemaAsync(database.ConnectionString, CancellationToken.None);
        }
    }

    // name: the node's name, recorded by RecordingJob; server: whether the node runs a Hangfire server (false: it only enqueues).
    public static async Task<IHost> StartAsync(TestDatabase database, string name, bool server = true)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddPortalData(o =>
        {
            o.Provider = database.Provider;
            o.ConnectionString = database.ConnectionString;
            o.MigrateOnStartup = false;
        });
        builder.Services.AddSingleton(new NodeName(name));
        builder.Services.AddTransient<RecordingJob>();
        builder.Services.AddSingleton<JobLocks>();
        builder.Services.AddSingleton<JobStorage>(sp => PortalJobStorage.Create(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value, new JobsOptions()));
        builder.Services.AddSingleton<JobActivator>(sp => new Hangfire.AspNetCore.AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        builder.Services.AddHangfire((sp, c) => c.UseLogProvider(new HostLogProvider(sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180).UseSimpleAssemblyNameTypeSerializer().UseRecommendedSerializerSettings());
        if (server)
        {
            builder.Services.AddHangfireServer(o =>
            {
                o.WorkerCount = 4;
                o.ServerName = name;
                o.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            });
        }

        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public static IBackgroundJobClient Jobs(this IHost host) => host.Services.GetRequiredService<IBackgroundJobClient>();
}
