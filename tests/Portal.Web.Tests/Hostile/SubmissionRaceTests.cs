using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Hostile;

/// <summary>
/// A developer's extension saved at the very moment the job layer writes the same environment (a watcher, an expiry check):
/// forced here by writing the environment's row, as a job would, between the submission's read and its save. The submission
/// is read and decided again (up to 3 times) rather than refused; when the row keeps moving it is refused with a 409 problem
/// that names the environment, and nothing of it is saved. Over real HTTP on PostgreSQL.
/// </summary>
public sealed class SubmissionRaceTests : IAsyncLifetime
{
    private readonly EnvironmentWriter _writer = new();
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync()
    {
        _portal = await PortalWebFactory.StartAsync(
            DatabaseProvider.Postgres,
            kestrel: true, // provisioning reaches the sandbox over loopback
            services: s => s.ConfigureDbContext<PortalDbContext>((_, o) => o.AddInterceptors(_writer), ServiceLifetime.Singleton));
        _writer.ConnectionString = _portal.Database.ConnectionString;
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task AnExtension_WhoseEnvironmentIsWrittenWhileItIsSaved_IsDecidedAgain_AndApprovedOnce()
    {
        var environmentId = await ReadySiteAsync("raced-once");
        using var dev = await _portal.CreateTokenClientAsync("dev@example.com");
        _writer.Arm(environmentId, times: 1);

        using var response = await dev.PostAsJsonAsync("/api/v1/requests", new { kind = "extend", environmentId, ttlHours = 48, justification = "more time" });

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        _writer.Writes.ShouldBe(1, "the environment was written once between the submission's read and its save");
        JsonDocument.Parse(body).RootElement.GetProperty("status").GetString().ShouldBe("Completed", body);
        await using var db = await _portal.DbAsync();
        (await db.EnvironmentRequests.CountAsync(r => r.EnvironmentId == environmentId && r.Kind == RequestKind.ExtendTtl)).ShouldBe(1);
        var environment = await db.Environments.AsNoTracking().SingleAsync(e => e.Id == environmentId);
        environment.ExpiresAt.ShouldNotBeNull();
        environment.ExpiresAt!.Value.ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddHours(47), "the extension moved the expiry");
        (await db.AuditEvents.CountAsync(a => a.Action == "environment.extended" && a.TargetId == environmentId.ToString())).ShouldBe(1);
    }

    [Fact]
    public async Task AnExtension_WhoseEnvironmentKeepsMoving_Is409NamingTheEnvironment_AndNothingOfItIsSaved()
    {
        var environmentId = await ReadySiteAsync("raced-always");
        using var dev = await _portal.CreateTokenClientAsync("dev@example.com");
        _writer.Arm(environmentId, times: int.MaxValue);

        using var response = await dev.PostAsJsonAsync("/api/v1/requests", new { kind = "extend", environmentId, ttlHours = 48, justification = "more time" });

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Conflict, body);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        body.ShouldContain(environmentId.ToString());
        _writer.Writes.ShouldBe(3, "read and decided three times, each time met by a newer environment");
        _writer.Disarm();
        await using var db = await _portal.DbAsync();
        (await db.EnvironmentRequests.CountAsync(r => r.EnvironmentId == environmentId && r.Kind == RequestKind.ExtendTtl)).ShouldBe(0);
        (await db.AuditEvents.CountAsync(a => a.Action == "environment.extended" && a.TargetId == environmentId.ToString())).ShouldBe(0);
    }

    private async Task<Guid> ReadySiteAsync(string name)
    {
        var environmentId = await _portal.CreateDevSiteAsync("dev@example.com", "payments", name);
        await _portal.WaitForAsync(environmentId, EnvironmentStatus.Ready);
        return environmentId;
    }

    /// <summary>
    /// When armed, writes the environment's row on its own connection (its version moves, as a job's write moves it) each time
    /// the portal is about to save a new extension request for it, up to the armed number of times.
    /// </summary>
    private sealed class EnvironmentWriter : SaveChangesInterceptor
    {
        private Guid _environmentId;
        private int _left;
        private int _writes;

        public string ConnectionString { get; set; } = "";

        public int Writes => Volatile.Read(ref _writes);

        public void Arm(Guid environmentId, int times) => (_environmentId, _left, _writes) = (environmentId, times, 0);

        public void Disarm() => Interlocked.Exchange(ref _left, 0);

        public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(
            DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            var extension = eventData.Context?.ChangeTracker.Entries<EnvironmentRequest>()
                .Any(e => e.State == EntityState.Added && e.Entity.Kind == RequestKind.ExtendTtl && e.Entity.EnvironmentId == _environmentId) == true;
            if (extension && Interlocked.Decrement(ref _left) >= 0)
            {
                await using var connection = new NpgsqlConnection(ConnectionString);
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand("""UPDATE "Environments" SET "Version" = "Version" + 1 WHERE "Id" = $1""", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = _environmentId });
                (await command.ExecuteNonQueryAsync(cancellationToken)).ShouldBe(1);
                Interlocked.Increment(ref _writes);
            }

            return result;
        }
    }
}
