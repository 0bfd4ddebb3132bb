using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Provisioning.Costs;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// A team's budget position: its monthly budget, minus month-to-date spend, minus its running environments' estimates
/// prorated over the rest of the month — exactly the figures of <see cref="CostForecasts"/>, so auto-approval and the
/// budgets page agree on what remains.
/// </summary>
public sealed class TeamBudgetLedger(IDbContextFactory<PortalDbContext> contextFactory, CostForecasts forecasts) : IBudgetLedger
{
    public async Task<TeamBudget> GetBudgetAsync(Guid teamId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        decimal budget;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            budget = await db.Teams.Where(t => t.Id == teamId).Select(t => t.MonthlyBudgetUsd).SingleAsync(cancellationToken);
        }

        var forecast = await forecasts.ForTeamAsync(teamId, now, cancellationToken);
        return new TeamBudget(budget, forecast.MonthToDateUsd, forecast.RemainingEstimatesUsd);
    }
}
