using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Data;
using Quartz;
using Quartz.Impl;
using Quartz.Impl.AdoJobStore;

namespace Portal.Provisioning.Jobs;

/// <summary>Registers the portal's Quartz.NET scheduler on the portal's own database (tables from migration 0004).</summary>
/// <remarks>
/// PostgreSQL: clustered (row locks in <c>qrtz_locks</c>, generated instance ids), so every node runs the scheduler and each
/// firing happens once across them. SQLite: one node, not clustered; Quartz forces serializable (write-locking) transactions
/// there and the connection waits out a busy file rather than failing with "database is locked" while EF writes.
/// A job that must survive a crashed node is stored durably and requests recovery
/// (<c>JobBuilder.Create&lt;T&gt;().StoreDurably().RequestRecovery()</c>): a live node re-runs a firing the dead node left
/// unfinished, with <see cref="IJobExecutionContext.Recovering"/> set, so such a job must be idempotent.
/// </remarks>
public static class PortalScheduler
{
    /// <summary>The scheduler's name, stored as <c>sched_name</c> in every <c>qrtz_</c> row.</summary>
    public const string Name = "Portal";

    public const string TablePrefix = "qrtz_";

    // The data source Quartz resolves as named DataSourceOptions; configured below once DatabaseOptions is known.
    private const string DataSourceName = "portal";

    // Seconds a SQLite statement waits for a lock another connection (EF, or Quartz's own) holds before failing.
    private const int SqliteBusyTimeoutSeconds = 30;

    /// <summary>
    /// Adds the scheduler (<c>AddQuartz</c> with an ADO.NET store on <see cref="DatabaseOptions"/>' database), its hosted
    /// service (waits for running jobs on shutdown) and <see cref="SchedulerOptions"/> from the <c>Scheduler</c> section.
    /// Requires <c>AddPortalData</c>. <paramref name="configureJobs"/> adds jobs, triggers and listeners.
    /// </summary>
    public static IServiceCollection AddPortalScheduler(this IServiceCollection services, Action<IQuartzBuilder> configureJobs)
    {
        ArgumentNullException.ThrowIfNull(configureJobs);

        services.AddOptions<SchedulerOptions>()
            .BindConfiguration(SchedulerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(scheduler => scheduler.InstanceName = Name);
            q.UsePersistentStore(store =>
            {
                store.ConfigureStore(options =>
                {
                    options.TablePrefix = TablePrefix;
                    // quartz.jobStore.useProperties: job data carries ids as strings, readable in the table and version tolerant.
                    options.StoreJobDataAsStrings = true;
                    options.MisfireThreshold = TimeSpan.FromSeconds(30);
                });
                store.UseSerializer<SystemTextJsonObjectSerializer>();

                // DatabaseOptions are resolved when options are built, not now, so the dialect and connection are chosen then too.
                store.UseDataSource(DataSourceName);
                store.UseDataSource(_ => { });
                store.UseDriverDelegate(sp => sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Provider switch
                {
                    DatabaseProvider.Postgres => new PostgreSQLDelegate(),
                    DatabaseProvider.Sqlite => new SQLiteDelegate(),
                    var other => throw new InvalidOperationException($"Database:Provider '{other}' has no Quartz job store."),
                });
            });
            configureJobs(q);
        });

        services.AddOptions<DataSourceOptions>(DataSourceName).Configure<IOptions<DatabaseOptions>>((dataSource, database) =>
        {
            var db = database.Value;
            (dataSource.Provider, dataSource.ConnectionString) = db.Provider switch
            {
                DatabaseProvider.Postgres => (DataSourceOptions.Providers.Npgsql, db.ConnectionString),
                DatabaseProvider.Sqlite => (DataSourceOptions.Providers.Sqlite,
                    new SqliteConnectionStringBuilder(db.ConnectionString) { DefaultTimeout = SqliteBusyTimeoutSeconds }.ToString()),
                _ => throw new InvalidOperationException($"Database:Provider '{db.Provider}' has no Quartz job store."),
            };
        });

        services.AddOptions<QuartzSchedulerOptions>().Configure<IOptions<SchedulerOptions>>((quartz, scheduler) => quartz.InstanceName = scheduler.Value.Name);
        services.AddOptions<ThreadPoolOptions>().Configure<IOptions<SchedulerOptions>>((pool, scheduler) =>
            pool.MaxConcurrency = scheduler.Value.ThreadCount);

        // Clustering only on PostgreSQL: the equivalent of UseClustering(), decided once the provider is known.
        services.AddOptions<ClusteringOptions>().Configure<IOptions<DatabaseOptions>, IOptions<SchedulerOptions>>((cluster, database, scheduler) =>
        {
            cluster.Enabled = database.Value.Provider == DatabaseProvider.Postgres;
            cluster.CheckinInterval = scheduler.Value.ClusterCheckinInterval;
        });
        services.AddOptions<AdoJobStoreOptions>().Configure<IOptions<DatabaseOptions>>((store, database) =>
        {
            if (database.Value.Provider == DatabaseProvider.Postgres)
            {
                store.UseDbLocks = true;
            }
        });

        // instanceId = AUTO on a cluster, unless something chose an id explicitly.
        services.AddOptions<QuartzSchedulerOptions>().PostConfigure<IOptions<DatabaseOptions>>((scheduler, database) =>
        {
            if (database.Value.Provider == DatabaseProvider.Postgres && scheduler.InstanceId == QuartzSchedulerOptions.DefaultInstanceId)
            {
                scheduler.GenerateInstanceId = true;
            }
        });

        // Not AddQuartzHostedService: the scheduler must not start before the migrations that create its tables have run.
        services.AddHostedService<SchedulerHostedService>();
        return services;
    }
}
