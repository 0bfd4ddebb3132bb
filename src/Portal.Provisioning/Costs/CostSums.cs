using Microsoft.EntityFrameworkCore;
using Portal.Data;

namespace Portal.Provisioning.Costs;

/// <summary>Sums money in the database where it can (PostgreSQL), in memory where it cannot (SQLite has no decimal SUM).</summary>
public static class CostSums
{
    public static async Task<decimal> SumAsync(PortalDbContext db, IQueryable<decimal> amounts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Database.IsNpgsql()
            ? await amounts.SumAsync(cancellationToken)
            : (await amounts.ToListAsync(cancellationToken)).Sum();
    }
}
