namespace Portal.Data.Entities.Costs;

/// <summary>
/// The organisation's total monthly budget (recurring every month), a single row (<see cref="SingletonId"/>). Until finance
/// sets one there is no row, no organisation alerts, and the budgets page shows the sum of the team budgets instead.
/// </summary>
public sealed class OrganisationBudget
{
    public const int SingletonId = 1;

    /// <summary>Largest budget accepted (fits numeric(18,2) with room to spare).</summary>
    public const decimal MaxMonthlyUsd = 1_000_000_000m;

    public int Id { get; private set; } = SingletonId;

    public decimal MonthlyBudgetUsd { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    private OrganisationBudget()
    {
    }

    public static OrganisationBudget Create(decimal monthlyUsd, DateTimeOffset now)
    {
        var budget = new OrganisationBudget();
        budget.Set(monthlyUsd, now);
        return budget;
    }

    public void Set(decimal monthlyUsd, DateTimeOffset now)
    {
        if (ValidateAmount(monthlyUsd) is { } error)
        {
            throw new DomainValidationException("monthlyUsd", error);
        }

        MonthlyBudgetUsd = monthlyUsd;
        UpdatedAt = now;
    }

    /// <summary>The rule for any monthly budget (team or organisation): 0 to 1,000,000,000 USD in whole cents; null when valid.</summary>
    public static string? ValidateAmount(decimal monthlyUsd) =>
        monthlyUsd < 0 ? "A monthly budget must be zero or more."
        : monthlyUsd > MaxMonthlyUsd ? "A monthly budget must be at most 1,000,000,000 USD."
        : decimal.Round(monthlyUsd, 2) != monthlyUsd ? "A monthly budget has at most two decimals (cents)."
        : null;
}
