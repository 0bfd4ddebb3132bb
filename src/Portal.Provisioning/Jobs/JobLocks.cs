using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using Portal.Data;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// Named mutexes across the nodes of one portal: "one provisioning step per environment at a time", "one stack watcher",
/// "one reconciler run". On PostgreSQL a session-level advisory lock on a connection held while the work runs, so a node
/// that dies (SIGKILL included) releases its locks at once, as its session ends; Hangfire's own distributed locks expire
/// only after a timeout instead. On SQLite (one node) an in-process semaphore.
/// </summary>
public sealed class JobLocks(IOptions<DatabaseOptions> database)
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _local = new(StringComparer.Ordinal);

    /// <summary>Takes the lock <paramref name="name"/>, waiting up to <paramref name="wait"/>; null when another holder kept it.</summary>
    public async Task<Held?> TryAcquireAsync(string name, TimeSpan wait, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        return database.Value.Provider == DatabaseProvider.Postgres
            ? await AcquirePostgresAsync(name, wait, cancellationToken)
            : await AcquireLocalAsync(name, wait, cancellationToken);
    }

    /// <summary>The 64-bit advisory lock key of a name (stable across nodes and versions).</summary>
    internal static long KeyFor(string name) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("portal.jobs:" + name)), 0);

    private async Task<Held?> AcquireLocalAsync(string name, TimeSpan wait, CancellationToken cancellationToken)
    {
        var gate = _local.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        return await gate.WaitAsync(wait, cancellationToken) ? new Held(() => { gate.Release(); return ValueTask.CompletedTask; }, _ => Task.FromResult(true)) : null;
    }

    private async Task<Held?> AcquirePostgresAsync(string name, TimeSpan wait, CancellationToken cancellationToken)
    {
        var key = KeyFor(name);
        var connection = new NpgsqlConnection(database.Value.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            var deadline = DateTimeOffset.UtcNow + wait;
            while (true)
            {
                await using (var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection))
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = key });
                    if ((bool)(await command.ExecuteScalarAsync(cancellationToken))!)
                    {
                        return new Held(() => ReleasePostgresAsync(connection, key), ct => IsSessionAliveAsync(connection, ct));
                    }
                }

                if (DateTimeOffset.UtcNow + RetryDelay > deadline)
                {
                    await connection.DisposeAsync();
                    return null;
                }

                await Task.Delay(RetryDelay, cancellationToken);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static async Task<bool> IsSessionAliveAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            return false;
        }
    }

    private static async ValueTask ReleasePostgresAsync(NpgsqlConnection connection, long key)
    {
        try
        {
            // Unlocked explicitly: a pooled connection keeps its session (and so its advisory locks) when closed.
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = key });
            await command.ExecuteScalarAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The session is gone, and its locks with it; make sure the pool does not hand the broken connection out again.
            NpgsqlConnection.ClearPool(connection);
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    /// <summary>A held lock; disposing releases it.</summary>
    public sealed class Held(Func<ValueTask> release, Func<CancellationToken, Task<bool>> isAlive) : IAsyncDisposable
    {
        private int _released;

        /// <summary>
        /// Whether the lock is still held: false once released or once its session is gone (PostgreSQL restarted, the connection
        /// killed), when the lock is gone with it and a long-lived holder must stop and take it again.
        /// </summary>
        public async Task<bool> IsAliveAsync(CancellationToken cancellationToken) => Volatile.Read(ref _released) == 0 && await isAlive(cancellationToken);

        public ValueTask DisposeAsync() => Interlocked.Exchange(ref _released, 1) == 0 ? release() : ValueTask.CompletedTask;
    }
}
