using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// A team's budget position: its monthly budget, minus month-to-date spend, minus its running environments' estimates
/// prorated over the rest of the month. Month-to-date spend comes from <see cref="IMonthToDateSpend"/> (cost ingestion).
/// </summary>
public sealed class TeamBudgetLedger(IDbContextFactory<PortalDbContext> contextFactory, IMonthToDateSpend spend) : IBudgetLedger
{
    public async Task<TeamBudget> GetBudgetAsync(Guid teamId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var budget = await db.Teams.Where(t => t.Id == teamId).Select(t => t.MonthlyBudgetUsd).SingleAsync(cancellationToken);

        // Summed in memory: SQLite cannot SUM a decimal column.
        var estimates = await db.Environments
            .Where(e => e.TeamId == teamId && e.Status != EnvironmentStatus.Destroyed && e.Status != EnvironmentStatus.Stopped)
            .Select(e => e.MonthlyEstimateUsd).ToListAsync(cancellationToken);
        var utc = now.UtcDateTime;
        var daysInMonth = DateTime.DaysInMonth(utc.Year, utc.Month);
        var monthEnd = new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);
        var remainingFraction = (decimal)((monthEnd - now).TotalDays / daysInMonth);
        var prorated = decimal.Round(estimates.Sum() * remainingFraction, 2);
        var monthToDate = await spend.GetMonthToDateAsync(teamId, now, cancellationToken);
        return new TeamBudget(budget, monthToDate, prorated);
    }
}

/// <summary>A team's actual spend this month so far (cost ingestion provides it; until it runs, nothing is known).</summary>
public interface IMonthToDateSpend
{
    Task<decimal> GetMonthToDateAsync(Guid teamId, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>Before cost ingestion exists (issue #6), no actual spend is known: month-to-date is zero.</summary>
public sealed class NoSpendRecorded : IMonthToDateSpend
{
    public Task<decimal> GetMonthToDateAsync(Guid teamId, DateTimeOffset now, CancellationToken cancellationToken) => Task.FromResult(0m);
}
