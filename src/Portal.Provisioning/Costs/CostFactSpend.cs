using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Costs;

/// <summary>A team's month-to-date spend from ingested cost facts (unblended, as AWS Budgets counts by default).</summary>
public sealed class CostFactSpend(IDbContextFactory<PortalDbContext> contextFactory) : IMonthToDateSpend
{
    public async Task<decimal> GetMonthToDateAsync(Guid teamId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var monthStart = new DateOnly(today.Year, today.Month, 1);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var amounts = db.CostFacts.Where(f => f.TeamId == teamId && f.Date >= monthStart && f.Date <= today).Select(f => f.UnblendedUsd);
        return decimal.Round(await CostSums.SumAsync(db, amounts, cancellationToken), 2);
    }
}

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
