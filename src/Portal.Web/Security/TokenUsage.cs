using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Web.Security;

/// <summary>
/// Records a token's last use at most once a minute per node, as one UPDATE of that column alone (which no cache and no
/// change notification watches), so a warm call writes nothing.
/// </summary>
public sealed class TokenUsage(IDbContextFactory<PortalDbContext> contextFactory)
{
    public static readonly TimeSpan Resolution = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _recorded = new();

    public async Task RecordAsync(Guid tokenId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_recorded.TryGetValue(tokenId, out var last) && now - last < Resolution && now >= last)
        {
            return;
        }

        _recorded[tokenId] = now;
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        await db.PersonalAccessTokens.Where(t => t.Id == tokenId).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), cancellationToken);
    }
}
