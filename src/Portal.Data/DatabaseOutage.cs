using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Portal.Data;

/// <summary>
/// Tells an exception that means "the database cannot be reached right now" (retry later) from one that is a bug or bad
/// data: a refused or dropped connection, a server shutting down or starting, a timeout, a busy or unopenable SQLite file.
/// Looks through EF Core's and the ADO.NET providers' wrappers.
/// </summary>
public static class DatabaseOutage
{
    /// <summary>Whether <paramref name="exception"/> (or one it wraps) is the database being unreachable.</summary>
    public static bool IsOutage(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Any(IsOutage);
            }

            if (IsOutageItself(e))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsOutageItself(Exception e) => e switch
    {
        // Class 08 (connection exception), 57P01-57P03 (admin or crash shutdown, cannot connect now), 53300 (too many connections).
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState is "57P01" or "57P02" or "57P03" or "53300",

        // Npgsql's own transient failures: the socket refused, reset or timed out, the pool exhausted waiting for a connection.
        // (A bare TimeoutException or SocketException is not enough: an AWS call timing out is not the database.)
        NpgsqlException n => n.IsTransient,

        // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_CANTOPEN: the file is held by another writer or is not reachable.
        SqliteException s => s.SqliteErrorCode is 5 or 6 or 10 or 14,
        _ => false,
    };
}

/// <summary>
/// The pace and the log of one background loop that reads the database: its normal interval while calls succeed; after a
/// failure, a delay that doubles up to <see cref="MaxDelay"/>; one warning when a run of failures starts and one line
/// when it ends — not a stack trace per attempt.
/// </summary>
public sealed partial class DatabaseBackoff(string loop, TimeSpan interval, TimeProvider timeProvider, ILogger logger)
{
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    private DateTimeOffset? _failingSince;
    private int _failures;
    private TimeSpan _delay;

    /// <summary>Whether the last attempt failed (the loop is backing off).</summary>
    public bool IsFailing => _failingSince is not null;

    /// <summary>Records a successful attempt; returns the delay before the next one (the normal interval).</summary>
    public TimeSpan Succeeded()
    {
        if (_failingSince is { } since)
        {
            LogRecovered(loop, Math.Round((timeProvider.GetUtcNow() - since).TotalSeconds, 1), _failures);
            _failingSince = null;
            _failures = 0;
        }

        return _delay = interval;
    }

    /// <summary>Records a failed attempt; returns the delay before the next one (doubling, at most <see cref="MaxDelay"/>).</summary>
    public TimeSpan Failed(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (_failingSince is null)
        {
            _failingSince = timeProvider.GetUtcNow();
            _delay = interval;
            if (DatabaseOutage.IsOutage(exception))
            {
                // The outage is the news, not where it surfaced: the message alone.
                LogOutage(loop, Describe(exception), MaxDelay.TotalSeconds);
            }
            else
            {
                LogFailing(exception, loop, MaxDelay.TotalSeconds);
            }
        }
        else
        {
            LogStillFailing(loop, Describe(exception));
        }

        _failures++;
        _delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, Math.Max(_delay.Ticks, TimeSpan.TicksPerSecond) * 2));
        return _delay;
    }

    private static string Describe(Exception exception)
    {
        var innermost = exception;
        while (innermost.InnerException is { } inner)
        {
            innermost = inner;
        }

        return ReferenceEquals(innermost, exception) ? $"{exception.GetType().Name}: {exception.Message}" : $"{exception.GetType().Name}: {exception.Message} ({innermost.GetType().Name}: {innermost.Message})";
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Loop}: the database is unavailable ({Reason}); retrying with backoff up to {MaxSeconds} s")]
    private partial void LogOutage(string loop, string reason, double maxSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Loop} failed; retrying with backoff up to {MaxSeconds} s")]
    private partial void LogFailing(Exception exception, string loop, double maxSeconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Loop} still failing: {Reason}")]
    private partial void LogStillFailing(string loop, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Loop} resumed: the database answered again after {Seconds} s ({Failures} failed attempts)")]
    private partial void LogRecovered(string loop, double seconds, int failures);
}
