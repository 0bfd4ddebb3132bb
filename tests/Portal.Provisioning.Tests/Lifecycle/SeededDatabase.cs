using Microsoft.Extensions.Logging.Abstractions;
using Portal.Data;
using Portal.Data.Entities;
using Portal.TestSupport;

namespace Portal.Provisioning.Tests.Lifecycle;

/// <summary>A fresh, migrated test database with one team ("payments") and one user ("owner") under the given ids.</summary>
internal static class SeededDatabase
{
    public static async Task<TestDatabase> CreateAsync(DatabaseProvider provider, Guid teamId, Guid ownerId, DateTimeOffset at)
    {
        var database = await TestDatabase.CreateAsync(provider);
        await new DatabaseMigrator(database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await using var db = database.CreateContext();
        var team = Team.Create("payments", "Payments", "CC-1", 5000m, at);
        typeof(Team).GetProperty(nameof(Team.Id))!.SetValue(team, teamId);
        db.Teams.Add(team);
        db.Users.Add(new PortalUser { Id = ownerId, UserName = "owner", NormalizedUserName = "OWNER", DisplayName = "Owner", CreatedAt = at });
        await db.SaveChangesAsync();
        return database;
    }
}
