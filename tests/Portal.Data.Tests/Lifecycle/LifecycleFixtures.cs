using Microsoft.Extensions.Logging.Abstractions;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.TestSupport;

namespace Portal.Data.Tests.Lifecycle;

/// <summary>Builds lifecycle entities in a known state, in memory or in a migrated test database.</summary>
internal static class LifecycleFixtures
{
    public static readonly DateTimeOffset Now = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    public static readonly Guid TeamId = Guid.Parse("0193a000-0000-7000-8000-000000000001");
    public static readonly Guid Requester = Guid.Parse("0193a000-0000-7000-8000-0000000000a1");
    public static readonly Guid EngineerOne = Guid.Parse("0193a000-0000-7000-8000-0000000000b1");
    public static readonly Guid EngineerTwo = Guid.Parse("0193a000-0000-7000-8000-0000000000b2");

    public static Decider PlatformEngineer(Guid id) => new(id, $"pe-{id.ToString()[^2..]}", IsPlatformEngineer: true);

    public static PortalEnvironment Environment(string name = "checkout", EnvironmentTier tier = EnvironmentTier.Dev, Guid? teamId = null) =>
        PortalEnvironment.Create(name, teamId ?? TeamId, "payments", Requester, "web-service", "1.2.0", tier, "123456789012", "eu-west-1", """{"Size":"small"}""", Now.AddDays(7), offHoursSchedule: true, Now);

    public static RequestDetails Details(RequestKind kind = RequestKind.Create, EnvironmentTier tier = EnvironmentTier.Staging, Guid? environmentId = null) =>
        new(kind, Requester, TeamId, environmentId, "checkout", "web-service", "1.2.0", tier, "123456789012", "eu-west-1",
            """{"Size":"small"}""", "Load tests for the new checkout", 7, """[{"logicalId":"Service","monthlyUsd":151.2}]""", 151.20m);

    public static EnvironmentRequest Request(PolicyRuling ruling, RequestKind kind = RequestKind.Create, EnvironmentTier tier = EnvironmentTier.Staging) =>
        EnvironmentRequest.Submit(Details(kind, tier, kind == RequestKind.Create ? null : Guid.NewGuid()), ruling, Now);

    /// <summary>A migrated database holding the team and the users the fixtures refer to.</summary>
    public static async Task<TestDatabase> SeededDatabaseAsync(DatabaseProvider provider)
    {
        var database = await TestDatabase.CreateAsync(provider);
        await new DatabaseMigrator(database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await using var db = database.CreateContext();
        var team = Team.Create("payments", "Payments", "CC-1", 5000m, Now);
        typeof(Team).GetProperty(nameof(Team.Id))!.SetValue(team, TeamId);
        db.Teams.Add(team);
        foreach (var (id, name) in new[] { (Requester, "requester"), (EngineerOne, "pe-b1"), (EngineerTwo, "pe-b2") })
        {
            db.Users.Add(new PortalUser { Id = id, UserName = name, NormalizedUserName = name.ToUpperInvariant(), DisplayName = name, CreatedAt = Now });
        }

        await db.SaveChangesAsync();
        return database;
    }
}
