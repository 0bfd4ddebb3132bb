namespace Portal.Data.Entities;

/// <summary>What a personal access token may do.</summary>
[Flags]
public enum TokenScopes
{
    None = 0,
    Read = 1,
    Write = 2,
    Approve = 4,
}

/// <summary>A personal access token for the API. Only the SHA-256 hash of the secret is stored.</summary>
public sealed class PersonalAccessToken
{
    public Guid Id { get; private set; }

    public Guid UserId { get; private set; }

    public PortalUser? User { get; private set; }

    public string Name { get; private set; } = "";

    /// <summary>The first characters of the token, shown so users can tell tokens apart; not secret.</summary>
    public string Prefix { get; private set; } = "";

    public string TokenHash { get; private set; } = "";

    public TokenScopes Scopes { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset? ExpiresAt { get; private set; }

    public DateTimeOffset? LastUsedAt { get; private set; }

    public DateTimeOffset? RevokedAt { get; private set; }

    private PersonalAccessToken()
    {
    }

    public static PersonalAccessToken Issue(Guid userId, string name, string prefix, string tokenHash, TokenScopes scopes, DateTimeOffset now, DateTimeOffset? expiresAt)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 100)
        {
            throw new DomainValidationException(nameof(Name), "Name is required and must be at most 100 characters.");
        }

        if (scopes == TokenScopes.None)
        {
            throw new DomainValidationException(nameof(Scopes), "Choose at least one scope.");
        }

        if (expiresAt is { } e && e <= now)
        {
            throw new DomainValidationException(nameof(ExpiresAt), "Expiry must be in the future.");
        }

        return new PersonalAccessToken
        {
            Id = Guid.CreateVersion7(now),
            UserId = userId,
            Name = name.Trim(),
            Prefix = prefix,
            TokenHash = tokenHash,
            Scopes = scopes,
            CreatedAt = now,
            ExpiresAt = expiresAt,
        };
    }

    public bool IsActive(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);

    public void Revoke(DateTimeOffset now) => RevokedAt ??= now;

    /// <summary>Records use at most once a minute so a busy token does not write on every request.</summary>
    public bool MarkUsed(DateTimeOffset now)
    {
        if (LastUsedAt is { } last && now - last < TimeSpan.FromMinutes(1))
        {
            return false;
        }

        LastUsedAt = now;
        return true;
    }
}
