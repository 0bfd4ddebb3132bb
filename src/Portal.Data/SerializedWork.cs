using Microsoft.EntityFrameworkCore;

namespace Portal.Data;

/// <summary>
/// Runs a read-decide-write step while holding a named lock until it commits, so two requests or two nodes deciding on
/// the same thing (a team's quota, a budget alert for a month) take turns instead of both counting the same rows.
/// PostgreSQL: <c>pg_advisory_xact_lock</c> on a 64-bit hash of the key inside a transaction that the execution strategy
/// retries as a unit (each attempt on a fresh context). SQLite: its single writer — one writer in this process,
/// <c>BEGIN IMMEDIATE</c> across processes — so the read and the write are one step.
/// </summary>
public static class SerializedWork
{
    // One writer per process on SQLite, so concurrent writers queue here instead of spinning on SQLITE_BUSY.
    private static readonly SemaphoreSlim SqliteWriter = new(1, 1);

    /// <summary>Runs <paramref name="work"/> in a transaction that holds the lock named <paramref name="key"/>, and commits.</summary>
    public static async Task<T> RunAsync<T>(
        IDbContextFactory<PortalDbContext> contextFactory, string key, Func<PortalDbContext, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contextFactory);
        ArgumentNullException.ThrowIfNull(work);
        await using var outer = await contextFactory.CreateDbContextAsync(cancellationToken);
        var sqlite = outer.Database.IsSqlite();
        if (sqlite)
        {
            await SqliteWriter.WaitAsync(cancellationToken);
        }

        try
        {
            return await outer.Database.CreateExecutionStrategy().ExecuteAsync(
                (contextFactory, key, work, sqlite),
                static async (_, state, token) =>
                {
                    await using var db = await state.contextFactory.CreateDbContextAsync(token);

                    // On SQLite this is BEGIN IMMEDIATE: the write lock is taken before the first read.
                    await using var transaction = await db.Database.BeginTransactionAsync(token);
                    if (!state.sqlite)
                    {
                        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({state.key}, 0))", token);
                    }

                    var result = await state.work(db, token);
                    await transaction.CommitAsync(token);
                    return result;
                },
                null,
                cancellationToken);
        }
        finally
        {
            if (sqlite)
            {
                SqliteWriter.Release();
            }
        }
    }

    /// <summary>Runs a step that opens its own transaction as one retriable unit of the context's execution strategy.</summary>
    public static Task<T> RetriableAsync<T>(PortalDbContext db, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(work);
        return db.Database.CreateExecutionStrategy().ExecuteAsync(work, static (_, w, token) => w(token), null, cancellationToken);
    }
}
