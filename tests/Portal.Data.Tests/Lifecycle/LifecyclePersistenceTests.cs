using Microsoft.EntityFrameworkCore;
using Portal.Data.Entities.Lifecycle;
using static Portal.Data.Tests.Lifecycle.LifecycleFixtures;

namespace Portal.Data.Tests.Lifecycle;

/// <summary>The lifecycle tables on both providers: concurrency, live stack-name uniqueness, round-trips.</summary>
public sealed class LifecyclePersistenceTests
{
    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Postgres, DatabaseProvider.Sqlite];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Approve_ByTwoEngineersAtOnce_ProducesExactlyOneTransition(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        var id = await SaveAsync(database, Request(PolicyRuling.NeedsApproval(1, "Needs 1 platform engineer: staging")));

        await using var first = database.CreateContext();
        await using var second = database.CreateContext();
        var seenByFirst = await first.EnvironmentRequests.Include(r => r.Decisions).SingleAsync(r => r.Id == id);
        var seenBySecond = await second.EnvironmentRequests.Include(r => r.Decisions).SingleAsync(r => r.Id == id);
        seenByFirst.Approve(PlatformEngineer(EngineerOne), "first", Now);
        seenBySecond.Approve(PlatformEngineer(EngineerTwo), "second", Now);

        await first.SaveChangesAsync();
        await Should.ThrowAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());

        await using var read = database.CreateContext();
        var stored = await read.EnvironmentRequests.Include(r => r.Decisions).SingleAsync(r => r.Id == id);
        stored.Status.ShouldBe(RequestStatus.Approved);
        stored.Version.ShouldBe(1);
        stored.Decisions.ShouldHaveSingleItem().DeciderId.ShouldBe(EngineerOne);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ProdApprovals_SavedOneAfterTheOther_BothCount(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        var id = await SaveAsync(database, Request(PolicyRuling.NeedsApproval(2, "Needs 2 different platform engineers: prod"), tier: EnvironmentTier.Prod));

        foreach (var engineer in new[] { EngineerOne, EngineerTwo })
        {
            await using var db = database.CreateContext();
            var request = await db.EnvironmentRequests.Include(r => r.Decisions).SingleAsync(r => r.Id == id);
            request.Approve(PlatformEngineer(engineer), null, Now);
            await db.SaveChangesAsync();
        }

        await using var read = database.CreateContext();
        var stored = await read.EnvironmentRequests.Include(r => r.Decisions).SingleAsync(r => r.Id == id);
        stored.Status.ShouldBe(RequestStatus.Approved);
        stored.Decisions.Count.ShouldBe(2);
        stored.Approvals.ShouldBe(2);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task EnvironmentTransition_FromTwoContextsAtOnce_SecondSaveIsAConcurrencyConflict(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        var id = await SaveAsync(database, Environment());

        await using var first = database.CreateContext();
        await using var second = database.CreateContext();
        (await first.Environments.SingleAsync(e => e.Id == id)).BeginProvisioning("arn:1", Now);
        (await second.Environments.SingleAsync(e => e.Id == id)).MarkDestroyed(Now);

        await first.SaveChangesAsync();
        await Should.ThrowAsync<DbUpdateConcurrencyException>(() => second.SaveChangesAsync());

        await using var read = database.CreateContext();
        (await read.Environments.SingleAsync(e => e.Id == id)).Status.ShouldBe(EnvironmentStatus.Provisioning);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task StackName_AlreadyUsedByALiveEnvironment_IsRejectedByTheDatabase(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        await SaveAsync(database, Environment("checkout"));

        await Should.ThrowAsync<DbUpdateException>(() => SaveAsync(database, Environment("checkout")));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task StackName_OfADestroyedEnvironment_IsFreeAgain(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        var first = Environment("checkout");
        first.MarkDestroyed(Now);
        await SaveAsync(database, first);

        await SaveAsync(database, Environment("checkout"));

        await using var read = database.CreateContext();
        var rows = await read.Environments.Where(e => e.StackName == "payments-checkout-dev").Select(e => e.Status).ToListAsync();
        rows.ShouldBe([EnvironmentStatus.Destroyed, EnvironmentStatus.Requested], ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task StackName_InAnotherTierOrWithAnotherName_DoesNotClash(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        await SaveAsync(database, Environment("checkout", EnvironmentTier.Dev));

        await SaveAsync(database, Environment("checkout", EnvironmentTier.Staging));
        await SaveAsync(database, Environment("basket", EnvironmentTier.Dev));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Environment_RoundTripsItsStateAndQueriesByTierAndStatus(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        var environment = Environment("checkout", EnvironmentTier.Staging);
        environment.BeginProvisioning("arn:aws:cloudformation:eu-west-1:123456789012:stack/payments-checkout-staging/1", Now);
        environment.MarkReady("""{"Url": "https://checkout.example"}""", Now);
        environment.AddHoursSaved(10.25m, Now);
        await SaveAsync(database, environment);

        await using var read = database.CreateContext();
        var stored = await read.Environments.SingleAsync(e => e.Tier == EnvironmentTier.Staging && e.Status == EnvironmentStatus.Ready && e.ExpiresAt > Now);
        stored.StackName.ShouldBe("payments-checkout-staging");
        stored.HoursSavedBySchedule.ShouldBe(10.25m);
        stored.ExpiresAt.ShouldBe(Now.AddDays(7));
        stored.OffHoursSchedule.ShouldBeTrue();
        stored.OutputsJson.ShouldContain("https://checkout.example");
        stored.Version.ShouldBe(environment.Version);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Request_RoundTripsItsDetailsAndEstimate(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        var id = await SaveAsync(database, Request(PolicyRuling.AutoApproved("Auto-approved: dev"), tier: EnvironmentTier.Dev));

        await using var read = database.CreateContext();
        var stored = await read.EnvironmentRequests.SingleAsync(r => r.Id == id && r.EstimateMonthlyUsd > 100m);
        stored.Kind.ShouldBe(RequestKind.Create);
        stored.Tier.ShouldBe(EnvironmentTier.Dev);
        stored.Status.ShouldBe(RequestStatus.Approved);
        stored.PolicyOutcome.ShouldBe(PolicyOutcome.AutoApproved);
        stored.EstimateMonthlyUsd.ShouldBe(151.20m);
        stored.TtlDays.ShouldBe(7);
        stored.EstimateLineItemsJson.ShouldContain("Service");
        stored.CreatedAt.ShouldBe(Now);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Decision_BySamePersonTwice_IsRejectedByTheDatabaseEvenWhenTheEntityIsBypassed(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        var id = await SaveAsync(database, Request(PolicyRuling.NeedsApproval(2, "Needs 2 different platform engineers: prod"), tier: EnvironmentTier.Prod));

        // Two contexts that both saw no decision: the concurrency token stops the second, and so would the unique index.
        await using var first = database.CreateContext();
        await using var second = database.CreateContext();
        (await first.EnvironmentRequests.Include(r => r.Decisions).SingleAsync(r => r.Id == id)).Approve(PlatformEngineer(EngineerOne), null, Now);
        (await second.EnvironmentRequests.Include(r => r.Decisions).SingleAsync(r => r.Id == id)).Approve(PlatformEngineer(EngineerOne), null, Now);
        await first.SaveChangesAsync();

        await Should.ThrowAsync<DbUpdateException>(() => second.SaveChangesAsync());
    }

    private static async Task<Guid> SaveAsync(Portal.TestSupport.TestDatabase database, PortalEnvironment environment)
    {
        await using var db = database.CreateContext();
        db.Environments.Add(environment);
        await db.SaveChangesAsync();
        return environment.Id;
    }

    private static async Task<Guid> SaveAsync(Portal.TestSupport.TestDatabase database, EnvironmentRequest request)
    {
        await using var db = database.CreateContext();
        db.EnvironmentRequests.Add(request);
        await db.SaveChangesAsync();
        return request.Id;
    }
}
