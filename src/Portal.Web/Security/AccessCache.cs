using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;

namespace Portal.Web.Security;

/// <summary>
/// Who a caller is, per node: a personal access token's facts by its hash, and a user's name, lockout, roles and teams by id.
/// A warm request authenticates and builds its actor with no SQL. Entries live <see cref="AccessCacheOptions.Ttl"/> at most;
/// a change is forgotten at once on this node (<see cref="AccessChangeInterceptor"/>) and, on PostgreSQL, on every node
/// within milliseconds of its commit (triggers NOTIFY <c>portal_access</c>, <see cref="AccessChangeListener"/> LISTENs).
/// While that listener is not connected, entries are trusted for <see cref="AccessCacheOptions.UnconfirmedTtl"/> only.
/// </summary>
public sealed class AccessCache(IDbContextFactory<PortalDbContext> contextFactory, TimeProvider timeProvider, IOptions<AccessCacheOptions> options)
{
    private readonly ConcurrentDictionary<string, CachedToken> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, CachedUser> _users = new();
    private long _generation;

    /// <summary>Whether invalidations from other nodes reach this one (always true on SQLite: one node).</summary>
    public bool ConfirmedByOtherNodes { get; set; } = true;

    /// <summary>The token with this hash (null when no token has it), from the cache when fresh.</summary>
    public async Task<CachedToken?> TokenAsync(string hash, CancellationToken cancellationToken)
    {
        if (_tokens.TryGetValue(hash, out var cached) && Fresh(cached.LoadedAt))
        {
            return cached;
        }

        var generation = Interlocked.Read(ref _generation);
        var now = timeProvider.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var token = await db.PersonalAccessTokens.AsNoTracking().Where(t => t.TokenHash == hash)
            .Select(t => new CachedToken(t.Id, t.UserId, t.Scopes, t.ExpiresAt, t.RevokedAt, now))
            .SingleOrDefaultAsync(cancellationToken);
        if (token is not null && Interlocked.Read(ref _generation) == generation)
        {
            _tokens[hash] = token;
        }

        return token;
    }

    /// <summary>The user with their roles and teams (null when the user no longer exists), from the cache when fresh.</summary>
    public async Task<CachedUser?> UserAsync(Guid userId, CancellationToken cancellationToken)
    {
        if (_users.TryGetValue(userId, out var cached) && Fresh(cached.LoadedAt))
        {
            return cached;
        }

        var generation = Interlocked.Read(ref _generation);
        var now = timeProvider.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.Database.OpenConnectionAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.UserName, u.Email, u.DisplayName, u.LockoutEnd })
            .SingleOrDefaultAsync(cancellationToken);
        if (user is null)
        {
            return null;
        }

        var roles = await db.UserRoles.Where(ur => ur.UserId == userId)
            .Join(db.Roles, ur => ur.RoleId, r => r.Id, (_, r) => r.Name!)
            .ToListAsync(cancellationToken);
        var teams = await db.TeamMemberships.Where(m => m.UserId == userId)
            .Select(m => new CachedTeam(m.TeamId, m.Team!.Slug, m.Team.Name))
            .ToListAsync(cancellationToken);
        var loaded = new CachedUser(
            userId, user.UserName ?? user.Email ?? "", user.Email ?? "", user.DisplayName, user.LockoutEnd,
            [.. roles.Order(StringComparer.Ordinal)], [.. teams.OrderBy(t => t.Slug, StringComparer.Ordinal)], now);
        if (Interlocked.Read(ref _generation) == generation)
        {
            _users[userId] = loaded;
        }

        return loaded;
    }

    /// <summary>Forgets what is cached about the user (their tokens included).</summary>
    public void Invalidate(Guid userId)
    {
        Interlocked.Increment(ref _generation);
        _users.TryRemove(userId, out _);
        foreach (var (hash, token) in _tokens)
        {
            if (token.UserId == userId)
            {
                _tokens.TryRemove(hash, out _);
            }
        }
    }

    /// <summary>Forgets everything (a team or role renamed, or invalidations may have been missed).</summary>
    public void InvalidateAll()
    {
        Interlocked.Increment(ref _generation);
        _users.Clear();
        _tokens.Clear();
    }

    private bool Fresh(DateTimeOffset loadedAt)
    {
        var age = timeProvider.GetUtcNow() - loadedAt;
        return age >= TimeSpan.Zero && age < (ConfirmedByOtherNodes ? options.Value.Ttl : options.Value.UnconfirmedTtl);
    }
}

/// <summary>A personal access token as authentication needs it (never the secret or its hash).</summary>
public sealed record CachedToken(Guid Id, Guid UserId, TokenScopes Scopes, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset LoadedAt);

/// <summary>A user as authentication, <c>/api/v1/me</c> and the lifecycle's actor need them; roles and teams sorted.</summary>
public sealed record CachedUser(
    Guid Id, string UserName, string Email, string DisplayName, DateTimeOffset? LockoutEnd, IReadOnlyList<string> Roles, IReadOnlyList<CachedTeam> Teams, DateTimeOffset LoadedAt);

public sealed record CachedTeam(Guid Id, string Slug, string Name);

/// <summary>How long a node trusts what it cached about callers (<c>Auth:Cache</c>).</summary>
public sealed class AccessCacheOptions
{
    public const string SectionName = "Auth:Cache";

    /// <summary>At most this old while invalidations reach the node (a safety net: a change is normally forgotten at once).</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan Ttl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>At most this old while the PostgreSQL listener is reconnecting (other nodes' changes may be missed meanwhile).</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan UnconfirmedTtl { get; set; } = TimeSpan.FromSeconds(3);
}
