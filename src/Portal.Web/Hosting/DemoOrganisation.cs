using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;

namespace Portal.Web.Hosting;

/// <summary>
/// The demo organisation of the embedded default: two teams and one user per role. Seeded in Development, or anywhere
/// <c>Portal:Demo:Enabled</c> is true; idempotent, so every start may run it.
/// </summary>
public sealed class DemoOrganisation(
    IServiceScopeFactory scopes,
    IOptions<PortalOptions> options,
    IHostEnvironment environment,
    TimeProvider timeProvider,
    ILogger<DemoOrganisation> logger)
{
    public static readonly IReadOnlyList<DemoUser> Users =
    [
        new("dev@example.com", "Dana Developer", PortalRoles.Developer, "payments"),
        new("dev2@example.com", "Sam Searcher", PortalRoles.Developer, "search"),
        new("platform@example.com", "Pat Platform", PortalRoles.PlatformEngineer, null),
        new("platform2@example.com", "Pia Platform", PortalRoles.PlatformEngineer, null),
        new("finance@example.com", "Fin Ance", PortalRoles.Finance, null),
        new("admin@example.com", "Ada Admin", PortalRoles.Admin, null),
    ];

    public bool IsEnabled => options.Value.Demo.Enabled ?? environment.IsDevelopment();

    public string Password => options.Value.Demo.Password;

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var userManager = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var now = timeProvider.GetUtcNow();

        await EnsureRolesAsync(scope.ServiceProvider, cancellationToken);
        var teams = new Dictionary<string, Team>();
        foreach (var (slug, name, costCenter, budget) in new[] { ("payments", "Payments", "CC-1001", 5000m), ("search", "Search", "CC-2002", 3000m) })
        {
            var team = await db.Teams.SingleOrDefaultAsync(t => t.Slug == slug, cancellationToken);
            if (team is null)
            {
                team = Team.Create(slug, name, costCenter, budget, now);
                db.Teams.Add(team);
                db.Audit(now, AuditActor.System, "team.created", "team", slug, new { name, costCenter, monthlyBudgetUsd = budget, demo = true });
                await db.SaveChangesAsync(cancellationToken);
            }

            teams[slug] = team;
        }

        foreach (var demoUser in Users)
        {
            if (await userManager.FindByEmailAsync(demoUser.Email) is not null)
            {
                continue;
            }

            var user = new PortalUser { UserName = demoUser.Email, Email = demoUser.Email, EmailConfirmed = true, DisplayName = demoUser.DisplayName, CreatedAt = now };
            Check(await userManager.CreateAsync(user, Password), demoUser.Email);
            Check(await userManager.AddToRoleAsync(user, demoUser.Role), demoUser.Email);
            if (demoUser.Team is { } slug)
            {
                db.TeamMemberships.Add(new TeamMembership { TeamId = teams[slug].Id, UserId = user.Id, JoinedAt = now });
            }

            db.Audit(now, AuditActor.System, "user.created", "user", demoUser.Email, new { roles = new[] { demoUser.Role }, teams = demoUser.Team is null ? [] : new[] { demoUser.Team }, demo = true });
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Seeded demo user {Email} ({Role})", demoUser.Email, demoUser.Role);
        }
    }

    /// <summary>The four global roles exist in every environment, demo or not.</summary>
    public static async Task EnsureRolesAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var roleManager = services.GetRequiredService<RoleManager<PortalRole>>();
        foreach (var role in PortalRoles.All)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!await roleManager.RoleExistsAsync(role))
            {
                Check(await roleManager.CreateAsync(new PortalRole(role)), role);
            }
        }
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Seeding {what} failed: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }
}

public sealed record DemoUser(string Email, string DisplayName, string Role, string? Team);
