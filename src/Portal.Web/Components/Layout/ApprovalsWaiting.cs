using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Web.Components.Layout;

/// <summary>
/// How many requests wait for a decision this platform engineer may give: pending, not their own, and not already
/// approved by them (a two-person prod approval still waits for the second engineer). Shown on the Approvals nav item.
/// </summary>
public sealed class ApprovalsWaiting(IDbContextFactory<PortalDbContext> contextFactory)
{
    /// <summary>The requests waiting for the engineer's decision (the live badge keeps this set from the changes it hears).</summary>
    public async Task<List<Guid>> IdsAsync(Guid engineerId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.EnvironmentRequests.AsNoTracking()
            .Where(r => r.Status == RequestStatus.PendingApproval && r.RequesterId != engineerId)
            .Where(r => !db.RequestDecisions.Any(d => d.RequestId == r.Id && d.DeciderId == engineerId))
            .Select(r => r.Id)
            .ToListAsync(cancellationToken);
    }

    public async Task<int> CountAsync(Guid engineerId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.EnvironmentRequests.AsNoTracking()
            .Where(r => r.Status == RequestStatus.PendingApproval && r.RequesterId != engineerId)
            .Where(r => !db.RequestDecisions.Any(d => d.RequestId == r.Id && d.DeciderId == engineerId))
            .CountAsync(cancellationToken);
    }
}
