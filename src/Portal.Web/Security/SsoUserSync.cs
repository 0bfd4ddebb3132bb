using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;

namespace Portal.Web.Security;

/// <summary>
/// Turns a single-sign-on identity into a portal user: found by email or created (just in time), display name kept
/// current, and the roles and teams named in <c>Auth:GroupMappings</c> granted or removed to match the groups. Roles and
/// teams no mapping names stay as an admin set them. Every change is audited. The principal carries the same claims as a
/// password sign-in, so pages and the API see no difference.
/// </summary>
public sealed partial class SsoUserSync(
    PortalDbContext db,
    UserManager<PortalUser> users,
    IUserClaimsPrincipalFactory<PortalUser> principals,
    IOptionsMonitor<AuthOptions> options,
    TimeProvider timeProvider,
    ILogger<SsoUserSync> logger)
{
    public async Task<(ClaimsPrincipal? Principal, string? Error)> SignInAsync(SsoIdentity identity, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var email = identity.Email.Trim();
        var user = await users.FindByEmailAsync(email) ?? await CreateAsync(identity, email, now, cancellationToken);
        if (user is null)
        {
            return (null, "The single-sign-on user could not be created (is the email address valid?).");
        }

        if (user.LockoutEnd is { } lockedUntil && lockedUntil > now)
        {
            return (null, "The user is locked out.");
        }

        try
        {
            await SyncAsync(user, identity, now, cancellationToken);
        }
        catch (DbUpdateException)
        {
            // A parallel request of the same sign-in (a page and its assets) made the same change first.
            db.ChangeTracker.Clear();
            user = await users.FindByEmailAsync(email) ?? user;
        }

        var principal = await principals.CreateAsync(user);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(PortalAuthentication.MethodClaim, identity.Method));
        return (principal, null);
    }

    private async Task<PortalUser?> CreateAsync(SsoIdentity identity, string email, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var user = new PortalUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = identity.DisplayName, CreatedAt = now };
        IdentityResult created;
        try
        {
            created = await users.CreateAsync(user);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            created = IdentityResult.Failed();
        }

        if (!created.Succeeded)
        {
            // Two first requests at once: the other one created the user.
            return await users.FindByEmailAsync(email);
        }

        db.Audit(now, new AuditActor(user.Id, email), "user.created", "user", email, new { displayName = user.DisplayName, via = identity.Method });
        await db.SaveChangesAsync(cancellationToken);
        LogCreated(logger, user.Id, identity.Method);
        return user;
    }

    private async Task SyncAsync(PortalUser user, SsoIdentity identity, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Group names match case-insensitively, whatever dictionary the configuration binder built.
        var mappings = new Dictionary<string, string>(options.CurrentValue.GroupMappings, StringComparer.OrdinalIgnoreCase);
        var grants = mappings.Values.SelectMany(v => GroupGrant.ParseList(v ?? "", out _) ?? []).ToList();
        var wanted = identity.Groups
            .SelectMany(g => mappings.TryGetValue(g, out var value) ? GroupGrant.ParseList(value ?? "", out _) ?? [] : [])
            .ToHashSet();

        var managedRoles = grants.Where(g => g.Kind == GroupGrant.Role).Select(g => g.Value).ToHashSet();
        var managedTeams = grants.Where(g => g.Kind == GroupGrant.Team).Select(g => g.Value).ToHashSet(StringComparer.Ordinal);
        var wantedRoles = wanted.Where(g => g.Kind == GroupGrant.Role).Select(g => g.Value).ToHashSet();
        var wantedTeams = wanted.Where(g => g.Kind == GroupGrant.Team).Select(g => g.Value).ToHashSet(StringComparer.Ordinal);

        var currentRoles = await db.UserRoles.Where(ur => ur.UserId == user.Id).Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!).ToListAsync(cancellationToken);
        var memberships = await db.TeamMemberships.Where(m => m.UserId == user.Id).Include(m => m.Team).ToListAsync(cancellationToken);
        var currentTeams = memberships.Select(m => m.Team!.Slug).ToList();

        var addRoles = wantedRoles.Except(currentRoles).ToList();
        var removeRoles = currentRoles.Where(r => managedRoles.Contains(r) && !wantedRoles.Contains(r)).ToList();
        var addTeams = wantedTeams.Except(currentTeams).ToList();
        var removeMemberships = memberships.Where(m => managedTeams.Contains(m.Team!.Slug) && !wantedTeams.Contains(m.Team.Slug)).ToList();
        var renamed = identity.DisplayName != user.DisplayName && identity.DisplayName != user.Email;
        if (addRoles.Count + removeRoles.Count + addTeams.Count + removeMemberships.Count == 0 && !renamed)
        {
            return;
        }

        if (addRoles.Count > 0 || removeRoles.Count > 0 || renamed)
        {
            var beforeName = user.DisplayName;
            user.DisplayName = renamed ? identity.DisplayName : user.DisplayName;
            await users.RemoveFromRolesAsync(user, removeRoles);
            await users.AddToRolesAsync(user, addRoles);
            if (renamed)
            {
                await users.UpdateAsync(user);
                db.Audit(now, new AuditActor(user.Id, user.Email ?? ""), "user.renamed", "user", user.Email ?? "", new { before = beforeName, after = user.DisplayName, via = identity.Method });
            }
        }

        var teams = await db.Teams.Where(t => addTeams.Contains(t.Slug)).ToListAsync(cancellationToken);
        foreach (var missing in addTeams.Except(teams.Select(t => t.Slug)))
        {
            LogUnknownTeam(logger, missing);
        }

        foreach (var team in teams)
        {
            db.TeamMemberships.Add(new TeamMembership { TeamId = team.Id, UserId = user.Id, JoinedAt = now });
        }

        db.TeamMemberships.RemoveRange(removeMemberships);
        var afterRoles = currentRoles.Except(removeRoles).Concat(addRoles).Order().ToList();
        var afterTeams = currentTeams.Except(removeMemberships.Select(m => m.Team!.Slug)).Concat(teams.Select(t => t.Slug)).Order().ToList();
        if (!afterRoles.SequenceEqual(currentRoles.Order()) || !afterTeams.SequenceEqual(currentTeams.Order()))
        {
            db.Audit(now, new AuditActor(user.Id, user.Email ?? ""), "user.access-synced", "user", user.Email ?? "", new
            {
                via = identity.Method,
                groups = identity.Groups.Order(),
                before = new { roles = currentRoles.Order(), teams = currentTeams.Order() },
                after = new { roles = afterRoles, teams = afterTeams },
            });
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created user {UserId} on first single sign-on ({Method})")]
    private static partial void LogCreated(ILogger logger, Guid userId, string method);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auth:GroupMappings grants team '{Team}', which does not exist; create it in Admin → Teams")]
    private static partial void LogUnknownTeam(ILogger logger, string team);
}

/// <summary>
/// Sign-ins of the last minute by email: a page and its assets, or a burst of API calls, present the same identity many
/// times, and only a change (other groups or name, or a minute passing) needs the database. Bounded in size.
/// </summary>
public sealed class SsoSignIns : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    private readonly MemoryCache _recent = new(new MemoryCacheOptions { SizeLimit = 10_000 });

    public ClaimsPrincipal? Find(SsoIdentity identity) =>
        _recent.TryGetValue(Key(identity), out (SsoIdentity Identity, ClaimsPrincipal Principal) entry) && Same(entry.Identity, identity)
            ? entry.Principal.Clone()
            : null;

    public void Remember(SsoIdentity identity, ClaimsPrincipal principal) =>
        _recent.Set(Key(identity), (identity, principal.Clone()), new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Lifetime });

    public void Dispose() => _recent.Dispose();

    private static string Key(SsoIdentity identity) => identity.Method + ":" + identity.Email.Trim().ToUpperInvariant();

    private static bool Same(SsoIdentity a, SsoIdentity b) =>
        a.DisplayName == b.DisplayName && a.Groups.Order(StringComparer.Ordinal).SequenceEqual(b.Groups.Order(StringComparer.Ordinal), StringComparer.Ordinal);
}
