using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Jobs;
using Portal.Provisioning.Lifecycle;
using Portal.Provisioning.Tests.Lifecycle;
using Portal.TestSupport;

namespace Portal.Provisioning.Tests.Jobs;

/// <summary>Which pending steps the reconciler enqueues again, at a node's start and every minute, on PostgreSQL and SQLite.</summary>
public sealed class ReconcilerJobTests
{
    private static readonly DateTimeOffset StartedAt = new(2026, 12, 6, 9, 0, 0, TimeSpan.Zero);
    private static readonly Guid TeamId = Guid.Parse("0193a000-0000-7000-8000-000000000002");
    private static readonly Guid OwnerId = Guid.Parse("0193a000-0000-7000-8000-0000000000a2");

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Postgres, DatabaseProvider.Sqlite];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AtANodesStart_EnqueuesEveryStepRecordedBeforeIt_HoweverYoung_AndLeavesLaterOnesToTheirOwnJobs(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        var longAgo = await AddRequestedAsync(database, "long-ago", StartedAt.AddHours(-1));
        var justBefore = await AddRequestedAsync(database, "just-before", StartedAt.AddSeconds(-1));
        await AddRequestedAsync(database, "after-start", StartedAt.AddSeconds(1)); // an approval this node took, its job enqueued
        var queue = new RecordingQueue();

        await Reconciler(database, queue, now: StartedAt.AddSeconds(2)).RunAtStartupAsync(StartedAt, CancellationToken.None);

        queue.Enqueued.Order().ShouldBe(new[] { longAgo, justBefore }.Order());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task EveryMinute_EnqueuesStepsOlderThanTheGrace_AndAnOlderVersionsStartUpRun_EnqueuesAll(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        var now = StartedAt.AddMinutes(5);
        var old = await AddRequestedAsync(database, "old", now - ReconcilerJob.Grace - TimeSpan.FromSeconds(1));
        var young = await AddRequestedAsync(database, "young", now - TimeSpan.FromSeconds(1));

        var periodic = new RecordingQueue();
        await Reconciler(database, periodic, now).RunAsync(false, CancellationToken.None);
        periodic.Enqueued.ShouldBe([old]);

        var legacyStartUp = new RecordingQueue();
        await Reconciler(database, legacyStartUp, now).RunAsync(true, CancellationToken.None);
        legacyStartUp.Enqueued.Order().ShouldBe(new[] { old, young }.Order());
    }

    private static ReconcilerJob Reconciler(TestDatabase database, RecordingQueue queue, DateTimeOffset now) =>
        new(database.CreateFactory(), queue, new JobLocks(Microsoft.Extensions.Options.Options.Create(database.Options)), new FixedTime(now));

    private static Task<TestDatabase> SeededDatabaseAsync(DatabaseProvider provider) =>
        SeededDatabase.CreateAsync(provider, TeamId, OwnerId, StartedAt.AddDays(-1));

    private static async Task<Guid> AddRequestedAsync(TestDatabase database, string name, DateTimeOffset at)
    {
        await using var db = database.CreateContext();
        var environment = PortalEnvironment.Create(name, TeamId, "payments", OwnerId, "web-service", "1.0.0", EnvironmentTier.Dev, "123456789012", "eu-west-1", "{}", null, false, at);
        environment.Status.ShouldBe(EnvironmentStatus.Requested);
        db.Environments.Add(environment);
        await db.SaveChangesAsync();
        return environment.Id;
    }

    private sealed class RecordingQueue : IProvisioningQueue
    {
        public List<Guid> Enqueued { get; } = [];

        public Task EnqueueAsync(Guid environmentId, CancellationToken cancellationToken)
        {
            Enqueued.Add(environmentId);
            return Task.CompletedTask;
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
