using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// Reserves VPC CIDR blocks for environments from an account and region's pool, never two live blocks overlapping.
/// PostgreSQL: an exclusion constraint is the guarantee and the allocator retries when it fires. SQLite: allocation is
/// serialized (one writer in this process, <c>BEGIN IMMEDIATE</c> across processes) and overlap is checked in code.
/// </summary>
public sealed class CidrAllocator(IDbContextFactory<PortalDbContext> contextFactory, TimeProvider timeProvider)
{
    /// <summary>AWS accepts VPC blocks from /16 to /28.</summary>
    public const int LargestVpcPrefix = 16;
    public const int SmallestVpcPrefix = 28;
    public const int MaxAttempts = 40;

    private const string ExclusionViolation = "23P01";
    private const string UniqueViolation = "23505";

    // One writer per process on SQLite, so concurrent allocations queue here instead of spinning on SQLITE_BUSY.
    private static readonly SemaphoreSlim SqliteWriter = new(1, 1);

    /// <summary>
    /// Reserves the lowest free <paramref name="prefixLength"/> block of <paramref name="pool"/> for the environment and
    /// records it on the environment. Idempotent: an environment that already holds a live block gets that block back.
    /// </summary>
    /// <exception cref="CidrPoolExhaustedException">No free block of that size is left in the pool.</exception>
    public async Task<CidrAllocation> AllocateAsync(string accountId, string region, string pool, int prefixLength, Guid environmentId, CancellationToken cancellationToken)
    {
        var poolBlock = CidrBlock.Parse(pool);
        if (prefixLength is < LargestVpcPrefix or > SmallestVpcPrefix || prefixLength < poolBlock.PrefixLength)
        {
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, $"A VPC block is /{LargestVpcPrefix} to /{SmallestVpcPrefix} and must fit in the pool {pool}.");
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Its own transaction: one retriable unit of the execution strategy (each attempt on a fresh context).
                await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
                return await SerializedWork.RetriableAsync(db, token => TryAllocateAsync(accountId, region, poolBlock, prefixLength, environmentId, token), cancellationToken);
            }
            catch (DbUpdateException e) when (attempt < MaxAttempts && IsRace(e))
            {
                // Another allocation took the block (or touched the environment) first: read again and pick the next free one.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 + (5 * attempt))), timeProvider, cancellationToken);
            }
        }
    }

    /// <summary>Returns the environment's live block to the pool. Returns false when it held none.</summary>
    public async Task<bool> ReleaseAsync(Guid environmentId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var live = await db.CidrAllocations.Where(a => a.EnvironmentId == environmentId && a.ReleasedAt == null).ToListAsync(cancellationToken);
        foreach (var allocation in live)
        {
            allocation.Release(timeProvider.GetUtcNow());
        }

        await db.SaveChangesAsync(cancellationToken);
        return live.Count > 0;
    }

    private async Task<CidrAllocation> TryAllocateAsync(string accountId, string region, CidrBlock pool, int prefixLength, Guid environmentId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var sqlite = db.Database.IsSqlite();
        if (sqlite)
        {
            await SqliteWriter.WaitAsync(cancellationToken);
        }

        try
        {
            // On SQLite this is BEGIN IMMEDIATE: the write lock is taken before the read, so the check and the insert are one step.
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var environment = await db.Environments.SingleOrDefaultAsync(e => e.Id == environmentId, cancellationToken)
                ?? throw new InvalidOperationException($"Environment {environmentId} does not exist.");
            if (!environment.IsLive)
            {
                throw new InvalidOperationException($"Environment {environmentId} is destroyed; it gets no CIDR block.");
            }

            if (environment.AccountId != accountId || environment.Region != region)
            {
                throw new ArgumentException($"Environment {environmentId} lives in {environment.AccountId}/{environment.Region}, not {accountId}/{region}.", nameof(environmentId));
            }

            var existing = await db.CidrAllocations.SingleOrDefaultAsync(a => a.EnvironmentId == environmentId && a.ReleasedAt == null, cancellationToken);
            if (existing is not null)
            {
                return existing;
            }

            var taken = await db.CidrAllocations
                .Where(a => a.AccountId == accountId && a.Region == region && a.ReleasedAt == null)
                .Select(a => a.Cidr)
                .ToListAsync(cancellationToken);
            var free = CidrBlock.LowestFree(pool, prefixLength, taken.Select(CidrBlock.Parse))
                ?? throw new CidrPoolExhaustedException(accountId, region, pool.ToString(), prefixLength, taken.Count);

            var now = timeProvider.GetUtcNow();
            var allocation = CidrAllocation.Reserve(accountId, region, free.ToString(), environmentId, now);
            db.CidrAllocations.Add(allocation);
            environment.AssignVpcCidr(allocation.Cidr, now);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return allocation;
        }
        finally
        {
            if (sqlite)
            {
                SqliteWriter.Release();
            }
        }
    }

    private static bool IsRace(DbUpdateException e) =>
        e is DbUpdateConcurrencyException
        || e.InnerException is PostgresException { SqlState: ExclusionViolation or UniqueViolation };
}

/// <summary>No free block of the requested size is left in an account and region's pool.</summary>
public sealed class CidrPoolExhaustedException(string accountId, string region, string pool, int prefixLength, int liveBlocks)
    : Exception($"No free /{prefixLength} is left in {pool} for account {accountId} in {region} ({liveBlocks} live blocks). Release destroyed environments' blocks or configure a larger pool.")
{
    public string AccountId { get; } = accountId;

    public string Region { get; } = region;

    public string Pool { get; } = pool;

    public int PrefixLength { get; } = prefixLength;
}
