using Portal.Data.Entities.Costs;

namespace Portal.Provisioning.Costs;

/// <summary>
/// Which budget alerts are due: actual month-to-date spend at or above 50%, 80% and 100% of the budget, and a month-end
/// forecast above it; minus those already raised this month. A budget of zero (none set) raises nothing.
/// </summary>
public static class BudgetAlertRules
{
    public static IReadOnlyList<(BudgetAlertKind Kind, decimal Fraction)> Thresholds { get; } =
        [(BudgetAlertKind.Actual50, 0.5m), (BudgetAlertKind.Actual80, 0.8m), (BudgetAlertKind.Actual100, 1m)];

    public static IReadOnlyList<BudgetAlertKind> Due(decimal budgetUsd, decimal actualUsd, decimal forecastUsd, IReadOnlySet<BudgetAlertKind> alreadyRaised)
    {
        ArgumentNullException.ThrowIfNull(alreadyRaised);
        if (budgetUsd <= 0)
        {
            return [];
        }

        var due = Thresholds.Where(t => actualUsd >= budgetUsd * t.Fraction).Select(t => t.Kind).ToList();
        if (forecastUsd > budgetUsd)
        {
            due.Add(BudgetAlertKind.ForecastOver);
        }

        return [.. due.Where(k => !alreadyRaised.Contains(k))];
    }

    /// <summary>The state a scope is in this month: the highest actual threshold reached, or "forecast over", else ok.</summary>
    public static BudgetState State(decimal budgetUsd, decimal actualUsd, decimal forecastUsd) =>
        budgetUsd <= 0 ? BudgetState.NoBudget
        : actualUsd >= budgetUsd ? BudgetState.Over
        : actualUsd >= budgetUsd * 0.8m ? BudgetState.Actual80
        : forecastUsd > budgetUsd ? BudgetState.ForecastOver
        : actualUsd >= budgetUsd * 0.5m ? BudgetState.Actual50
        : BudgetState.Ok;

    public static string Describe(BudgetAlertKind kind) => kind switch
    {
        BudgetAlertKind.Actual50 => "50% of the budget spent",
        BudgetAlertKind.Actual80 => "80% of the budget spent",
        BudgetAlertKind.Actual100 => "the budget is spent",
        BudgetAlertKind.ForecastOver => "the month-end forecast exceeds the budget",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown alert kind."),
    };
}

/// <summary>A budget's alert state, most severe last.</summary>
public enum BudgetState
{
    NoBudget,
    Ok,
    Actual50,
    ForecastOver,
    Actual80,
    Over,
}
