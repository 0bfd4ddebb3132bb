using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Data;

namespace Portal.Web.Tests.Hosting;

/// <summary>What counts as "the database is unavailable" (503, retry later) and what stays a failure (500, a bug or bad data).</summary>
public sealed class DatabaseOutageClassificationTests
{
    [Fact]
    public async Task ARefusedConnection_IsAnOutage()
    {
        // Port 1 on loopback: nothing listens, the connection is refused (a stopped server).
        await using var connection = new NpgsqlConnection("Host=127.0.0.1;Port=1;Username=portal;Database=portal;Timeout=5");
        var refused = await Should.ThrowAsync<NpgsqlException>(() => connection.OpenAsync());

        DatabaseOutage.IsOutage(refused).ShouldBeTrue();
        DatabaseOutage.IsOutage(new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", refused)).ShouldBeTrue();
    }

    [Theory]
    [InlineData("57P01", true)] // admin_shutdown: the server is stopping
    [InlineData("57P03", true)] // cannot_connect_now: the server is starting
    [InlineData("08006", true)] // connection_failure
    [InlineData("53300", true)] // too_many_connections
    [InlineData("23505", false)] // unique_violation: a conflict, not an outage
    [InlineData("42P01", false)] // undefined_table: a bug (or migrations not run)
    public void ServerErrors_AreOutagesOnlyForConnectionAndShutdownStates(string sqlState, bool outage)
    {
        var error = new PostgresException("server says no", "FATAL", "FATAL", sqlState);

        DatabaseOutage.IsOutage(error).ShouldBe(outage);
        DatabaseOutage.IsOutage(new DbUpdateException("saving failed", error)).ShouldBe(outage);
    }

    [Theory]
    [InlineData(5, true)] // SQLITE_BUSY
    [InlineData(14, true)] // SQLITE_CANTOPEN
    [InlineData(19, false)] // SQLITE_CONSTRAINT
    public void SqliteErrors_AreOutagesOnlyWhenTheFileIsBusyOrUnreachable(int code, bool outage) =>
        DatabaseOutage.IsOutage(new SqliteException("sqlite says no", code)).ShouldBe(outage);

    [Fact]
    public void ATimeoutElsewhere_IsNotADatabaseOutage() =>
        DatabaseOutage.IsOutage(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout", new TimeoutException())).ShouldBeFalse();
}
