using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Web.Security;

namespace Portal.Web.Features.Admin;

/// <summary>Admin management of users: global roles and team memberships.</summary>
public sealed class MemberService(IDbContextFactory<PortalDbContext> contextFactory, IServiceScopeFactory scopes, TimeProvider timeProvider)
{
    public async Task<IReadOnlyList<MemberRow>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        var users = await db.Users.AsNoTracking().OrderBy(u => u.Email).Select(u => new { u.Id, u.Email, u.DisplayName, u.LockoutEnd }).ToListAsync(cancellationToken);
        var roles = await db.UserRoles.Join(db.Roles, ur => ur.RoleId, r => r.Id, (ur, r) => new { ur.UserId, r.Name }).ToListAsync(cancellationToken);
        var teams = await db.TeamMemberships.Select(m => new { m.UserId, m.Team!.Slug }).ToListAsync(cancellationToken);
        return [.. users.Select(u => new MemberRow(
            u.Id, u.Email ?? "", u.DisplayName,
            [.. roles.Where(r => r.UserId == u.Id).Select(r => r.Name!).Order()],
            [.. teams.Where(t => t.UserId == u.Id).Select(t => t.Slug).Order()],
            u.LockoutEnd is { } end && end > now))];
    }

    public async Task<FormResult> CreateAsync(ClaimsPrincipal admin, NewMemberForm form, CancellationToken cancellationToken)
    {
        TeamService.RequireAdmin(admin);
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var errors = new Dictionary<string, string>();
        if (string.IsNullOrWhiteSpace(form.Email) || !form.Email.Contains('@', StringComparison.Ordinal))
        {
            errors[nameof(form.Email)] = "Enter an email address.";
        }
        else if (await users.FindByEmailAsync(form.Email.Trim()) is not null)
        {
            errors[nameof(form.Email)] = "A user with this email already exists.";
        }

        if (string.IsNullOrWhiteSpace(form.DisplayName))
        {
            errors[nameof(form.DisplayName)] = "Display name is required.";
        }

        if ((form.Password ?? "").Length < 8)
        {
            errors[nameof(form.Password)] = "Password must be at least 8 characters.";
        }

        if (errors.Count > 0)
        {
            return FormResult.Invalid(errors);
        }

        var now = timeProvider.GetUtcNow();
        var email = form.Email.Trim();
        var user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = form.DisplayName.Trim(), CreatedAt = now };
        var created = await users.CreateAsync(user, form.Password!);
        if (!created.Succeeded)
        {
            return FormResult.Invalid(new() { [nameof(form.Password)] = string.Join(" ", created.Errors.Select(e => e.Description)) });
        }

        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        db.Audit(now, admin.ToActor(), "user.created", "user", email, new { displayName = user.DisplayName });
        await db.SaveChangesAsync(cancellationToken);
        return await SaveAccessAsync(admin, user.Id, form.Roles, form.Teams, cancellationToken);
    }

    /// <summary>Sets a user's roles and teams to exactly the given sets.</summary>
    public async Task<FormResult> SaveAccessAsync(ClaimsPrincipal admin, Guid userId, IEnumerable<string> roles, IEnumerable<string> teamSlugs, CancellationToken cancellationToken)
    {
        TeamService.RequireAdmin(admin);
        var wantedRoles = roles.Select(PortalRoles.Normalize).OfType<string>().ToHashSet();
        if (admin.UserId() == userId && !wantedRoles.Contains(PortalRoles.Admin))
        {
            return FormResult.Invalid(new() { ["Roles"] = "You cannot remove your own Admin role." });
        }

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null)
        {
            return FormResult.Invalid(new() { ["User"] = "The user no longer exists." });
        }

        var currentRoles = (await users.GetRolesAsync(user)).ToHashSet();
        await users.RemoveFromRolesAsync(user, currentRoles.Except(wantedRoles));
        await users.AddToRolesAsync(user, wantedRoles.Except(currentRoles));

        var wantedTeams = teamSlugs.ToHashSet(StringComparer.Ordinal);
        var teams = await db.Teams.Where(t => wantedTeams.Contains(t.Slug)).ToListAsync(cancellationToken);
        if (teams.Count != wantedTeams.Count)
        {
            return FormResult.Invalid(new() { ["Teams"] = "One of the chosen teams no longer exists." });
        }

        var memberships = await db.TeamMemberships.Where(m => m.UserId == userId).Include(m => m.Team).ToListAsync(cancellationToken);
        db.TeamMemberships.RemoveRange(memberships.Where(m => !wantedTeams.Contains(m.Team!.Slug)));
        var now = timeProvider.GetUtcNow();
        foreach (var team in teams.Where(t => memberships.All(m => m.TeamId != t.Id)))
        {
            db.TeamMemberships.Add(new TeamMembership { TeamId = team.Id, UserId = userId, JoinedAt = now });
        }

        db.Audit(now, admin.ToActor(), "user.access-changed", "user", user.Email ?? userId.ToString(), new
        {
            before = new { roles = currentRoles.Order(), teams = memberships.Select(m => m.Team!.Slug).Order() },
            after = new { roles = wantedRoles.Order(), teams = wantedTeams.Order() },
        });
        await db.SaveChangesAsync(cancellationToken);
        return FormResult.Ok;
    }
}

public sealed record MemberRow(Guid UserId, string Email, string DisplayName, IReadOnlyList<string> Roles, IReadOnlyList<string> Teams, bool LockedOut);

public sealed class NewMemberForm
{
    public string Email { get; set; } = "";

    public string DisplayName { get; set; } = "";

    public string? Password { get; set; }

    public IEnumerable<string> Roles { get; set; } = [PortalRoles.Developer];

    public IEnumerable<string> Teams { get; set; } = [];
}
