namespace Portal.Data.Entities.Costs;

/// <summary>
/// A budget alert raised for a scope (a team or the organisation) in a month: unique on (scope, month, kind), so each
/// threshold alerts once per month however often (and on however many nodes) the evaluation runs.
/// </summary>
public sealed class BudgetAlert
{
    /// <summary>Scope of the organisation's total budget.</summary>
    public const string OrganisationScope = "organisation";

    public Guid Id { get; private set; }

    /// <summary><c>team:{teamId}</c> or <see cref="OrganisationScope"/>.</summary>
    public string Scope { get; private set; } = "";

    /// <summary>The team, for a team's alert.</summary>
    public Guid? TeamId { get; private set; }

    /// <summary>The month's first day.</summary>
    public DateOnly Month { get; private set; }

    public BudgetAlertKind Kind { get; private set; }

    public decimal BudgetUsd { get; private set; }

    public decimal ActualUsd { get; private set; }

    public decimal ForecastUsd { get; private set; }

    public DateTimeOffset RaisedAt { get; private set; }

    private BudgetAlert()
    {
    }

    public static string TeamScope(Guid teamId) => $"team:{teamId}";

    public static BudgetAlert Raise(string scope, Guid? teamId, DateOnly month, BudgetAlertKind kind, decimal budgetUsd, decimal actualUsd, decimal forecastUsd, DateTimeOffset now) =>
        new()
        {
            Id = Guid.CreateVersion7(now),
            Scope = scope,
            TeamId = teamId,
            Month = new DateOnly(month.Year, month.Month, 1),
            Kind = kind,
            BudgetUsd = budgetUsd,
            ActualUsd = actualUsd,
            ForecastUsd = forecastUsd,
            RaisedAt = now,
        };
}

/// <summary>What a budget alert says: actual month-to-date spend reached 50%, 80% or 100% of the budget, or the forecast exceeds it.</summary>
public enum BudgetAlertKind
{
    Actual50,
    Actual80,
    Actual100,
    ForecastOver,
}
