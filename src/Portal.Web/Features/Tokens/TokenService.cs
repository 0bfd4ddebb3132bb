using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Web.Security;

namespace Portal.Web.Features.Tokens;

/// <summary>Issues, lists and revokes personal access tokens. Users manage only their own.</summary>
public sealed class TokenService(IDbContextFactory<PortalDbContext> contextFactory, TimeProvider timeProvider)
{
    public async Task<IssuedToken> IssueAsync(Guid userId, AuditActor actor, string name, TokenScopes scopes, int? expiresInDays, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var secret = TokenFormat.NewSecret();
        var token = PersonalAccessToken.Issue(userId, name, TokenFormat.DisplayPrefix(secret), TokenFormat.Hash(secret), scopes, now,
            expiresInDays is { } days ? now.AddDays(days) : null);

        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        db.PersonalAccessTokens.Add(token);
        db.Audit(now, actor, "token.created", "token", token.Id.ToString(),
            new { token.Name, token.Prefix, scopes = TokenFormat.ScopeNames(scopes), token.ExpiresAt, userId });
        await db.SaveChangesAsync(cancellationToken);
        return new IssuedToken(token.Id, token.Name, secret, token.ExpiresAt);
    }

    public async Task<IReadOnlyList<TokenSummary>> ListAsync(Guid userId, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var tokens = await db.PersonalAccessTokens.AsNoTracking().Where(t => t.UserId == userId).ToListAsync(cancellationToken);
        return [.. tokens.OrderByDescending(t => t.CreatedAt).Select(t => new TokenSummary(
            t.Id, t.Name, t.Prefix, [.. TokenFormat.ScopeNames(t.Scopes)], t.CreatedAt, t.ExpiresAt, t.LastUsedAt,
            t.RevokedAt is not null ? "Revoked" : t.IsActive(now) ? "Active" : "Expired"))];
    }

    /// <summary>Revokes one of the user's own tokens; false when the user has no such token.</summary>
    public async Task<bool> RevokeAsync(Guid userId, Guid tokenId, AuditActor actor, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var token = await db.PersonalAccessTokens.SingleOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId, cancellationToken);
        if (token is null)
        {
            return false;
        }

        token.Revoke(now);
        db.Audit(now, actor, "token.revoked", "token", token.Id.ToString(), new { token.Name, token.Prefix });
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}

public sealed record IssuedToken(Guid Id, string Name, string Secret, DateTimeOffset? ExpiresAt);

public sealed record TokenSummary(Guid Id, string Name, string Prefix, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt, string Status);
