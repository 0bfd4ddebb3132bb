using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.TestSupport;

namespace Portal.Provisioning.Tests.Lifecycle;

public sealed class CidrAllocatorTests
{
    private const string Account = "123456789012";
    private const string Region = "eu-west-1";
    private const string Pool = "10.0.0.0/8";
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    public static TheoryData<DatabaseProvider> Providers => [DatabaseProvider.Postgres, DatabaseProvider.Sqlite];

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Allocate_TwentyAtOnce_GivesTwentyDistinctNonOverlappingBlocks(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        var environments = await AddEnvironmentsAsync(database, 20);
        var allocator = Allocator(database);

        var allocations = await Task.WhenAll(environments.Select(id => Task.Run(() => allocator.AllocateAsync(Account, Region, Pool, 16, id, CancellationToken.None))));

        var blocks = allocations.Select(a => a.Cidr).ToList();
        blocks.Distinct().Count().ShouldBe(20);
        blocks.Order().ShouldBe(Enumerable.Range(0, 20).Select(i => $"10.{i}.0.0/16").Order());
        var parsed = blocks.Select(CidrBlock.Parse).ToList();
        parsed.SelectMany((a, i) => parsed.Skip(i + 1), (a, b) => a.Overlaps(b)).ShouldAllBe(overlaps => !overlaps);

        await using var read = database.CreateContext();
        var mirrored = await read.Environments.ToDictionaryAsync(e => e.Id, e => e.VpcCidr);
        allocations.ShouldAllBe(a => mirrored[a.EnvironmentId] == a.Cidr);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Allocate_AfterARelease_ReusesTheReleasedBlock(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        var environments = await AddEnvironmentsAsync(database, 4);
        var allocator = Allocator(database);
        foreach (var id in environments.Take(3))
        {
            await allocator.AllocateAsync(Account, Region, Pool, 16, id, CancellationToken.None);
        }

        (await allocator.ReleaseAsync(environments[1], CancellationToken.None)).ShouldBeTrue();
        var reused = await allocator.AllocateAsync(Account, Region, Pool, 16, environments[3], CancellationToken.None);

        reused.Cidr.ShouldBe("10.1.0.0/16");
        (await allocator.ReleaseAsync(environments[1], CancellationToken.None)).ShouldBeFalse();
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Allocate_WhenThePoolIsFull_FailsWithAClearError(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        var environments = await AddEnvironmentsAsync(database, 3);
        var allocator = Allocator(database);
        await allocator.AllocateAsync(Account, Region, "10.0.0.0/15", 16, environments[0], CancellationToken.None);
        await allocator.AllocateAsync(Account, Region, "10.0.0.0/15", 16, environments[1], CancellationToken.None);

        var error = await Should.ThrowAsync<CidrPoolExhaustedException>(() => allocator.AllocateAsync(Account, Region, "10.0.0.0/15", 16, environments[2], CancellationToken.None));

        error.Message.ShouldBe("No free /16 is left in 10.0.0.0/15 for account 123456789012 in eu-west-1 (2 live blocks). Release destroyed environments' blocks or configure a larger pool.");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Allocate_ForAnEnvironmentThatAlreadyHasABlock_ReturnsThatBlock(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        var environments = await AddEnvironmentsAsync(database, 1);
        var allocator = Allocator(database);

        var first = await allocator.AllocateAsync(Account, Region, Pool, 16, environments[0], CancellationToken.None);
        var again = await allocator.AllocateAsync(Account, Region, Pool, 16, environments[0], CancellationToken.None);

        again.Id.ShouldBe(first.Id);
        await using var read = database.CreateContext();
        (await read.CidrAllocations.CountAsync()).ShouldBe(1);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Allocate_InAnotherAccountOrRegion_StartsFromThePoolsFirstBlock(DatabaseProvider provider)
    {
        await using var database = await SeededDatabaseAsync(provider);
        var here = await AddEnvironmentsAsync(database, 1);
        var there = await AddEnvironmentsAsync(database, 1, region: "us-east-1");
        var allocator = Allocator(database);

        (await allocator.AllocateAsync(Account, Region, Pool, 16, here[0], CancellationToken.None)).Cidr.ShouldBe("10.0.0.0/16");
        (await allocator.AllocateAsync(Account, "us-east-1", Pool, 16, there[0], CancellationToken.None)).Cidr.ShouldBe("10.0.0.0/16");
    }

    [Fact]
    public async Task Allocate_OnSqlite_WaitsForAnotherWritersTransaction_AndSeesItsBlock()
    {
        await using var database = await SeededDatabaseAsync(DatabaseProvider.Sqlite);
        var environments = await AddEnvironmentsAsync(database, 2);

        // Another process's writer: holds SQLite's write lock (BEGIN IMMEDIATE) while it takes 10.0.0.0/16.
        await using var other = database.CreateContext();
        await using var transaction = await other.Database.BeginTransactionAsync();
        other.CidrAllocations.Add(CidrAllocation.Reserve(Account, Region, "10.0.0.0/16", environments[0], Now));
        await other.SaveChangesAsync();

        var allocation = Task.Run(() => Allocator(database).AllocateAsync(Account, Region, Pool, 16, environments[1], CancellationToken.None));
        await Task.Delay(500);
        allocation.IsCompleted.ShouldBeFalse();
        await transaction.CommitAsync();

        (await allocation).Cidr.ShouldBe("10.1.0.0/16");
    }

    [Theory]
    [InlineData(15)]
    [InlineData(29)]
    [InlineData(7)]
    public async Task Allocate_WithAPrefixAwsDoesNotAllowForAVpc_IsRefused(int prefixLength)
    {
        await using var database = await SeededDatabaseAsync(DatabaseProvider.Sqlite);

        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Allocator(database).AllocateAsync(Account, Region, Pool, prefixLength, Guid.NewGuid(), CancellationToken.None));
    }

    [Fact]
    public async Task ExclusionConstraint_OnPostgres_RefusesAnOverlappingLiveBlockWrittenAroundTheAllocator()
    {
        await using var database = await SeededDatabaseAsync(DatabaseProvider.Postgres);
        var environments = await AddEnvironmentsAsync(database, 3);
        await using (var db = database.CreateContext())
        {
            db.CidrAllocations.Add(CidrAllocation.Reserve(Account, Region, "10.0.0.0/16", environments[0], Now));
            await db.SaveChangesAsync();
        }

        await using var overlapping = database.CreateContext();
        overlapping.CidrAllocations.Add(CidrAllocation.Reserve(Account, Region, "10.0.128.0/17", environments[1], Now));
        var error = await Should.ThrowAsync<DbUpdateException>(() => overlapping.SaveChangesAsync());
        error.InnerException.ShouldBeOfType<PostgresException>().SqlState.ShouldBe("23P01");

        // A released block no longer counts.
        await using var release = database.CreateContext();
        (await release.CidrAllocations.SingleAsync()).Release(Now);
        await release.SaveChangesAsync();
        await using var after = database.CreateContext();
        after.CidrAllocations.Add(CidrAllocation.Reserve(Account, Region, "10.0.128.0/17", environments[2], Now));
        await after.SaveChangesAsync();
    }

    private static CidrAllocator Allocator(TestDatabase database) => new(database.CreateFactory(), TimeProvider.System);

    private static readonly Guid TeamId = Guid.Parse("0193a000-0000-7000-8000-000000000001");
    private static readonly Guid OwnerId = Guid.Parse("0193a000-0000-7000-8000-0000000000a1");

    private static Task<TestDatabase> SeededDatabaseAsync(DatabaseProvider provider) => SeededDatabase.CreateAsync(provider, TeamId, OwnerId, Now);

    private static async Task<List<Guid>> AddEnvironmentsAsync(TestDatabase database, int count, string region = Region)
    {
        await using var db = database.CreateContext();
        var environments = Enumerable.Range(0, count)
            .Select(i => PortalEnvironment.Create($"env-{region}-{i:D2}", TeamId, "payments", OwnerId, "web-service", "1.0.0", EnvironmentTier.Dev, Account, region, "{}", null, false, Now))
            .ToList();
        db.Environments.AddRange(environments);
        await db.SaveChangesAsync();
        return [.. environments.Select(e => e.Id)];
    }
}
