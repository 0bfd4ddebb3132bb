using Microsoft.AspNetCore.Components;
using Portal.Data.Entities;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Catalog;
using Portal.Web.Security;
using Radzen;

namespace Portal.Web.Features.Costs.Budgets;

/// <summary>
/// <c>/costs/budgets</c>: budget vs actual vs forecast per team (chart and table, forecast basis on hover and expand), the
/// organisation line, editing budgets (finance, admin), cost anomalies with acknowledgement, CSV export of the table.
/// Developers see their teams; finance, platform engineers and admins every team.
/// </summary>
public sealed partial class BudgetsPage
{
    private BudgetOverview? _overview;
    private IReadOnlyList<AnomalyItem>? _anomalies;
    private LifecycleActor? _actor;
    private bool _financeOrAdmin;
    private bool _showAcknowledged;

    [Inject]
    public required BudgetService Budgets { get; init; }

    [Inject]
    public required LifecycleActors Actors { get; init; }

    [Inject]
    public required CurrentUser CurrentUser { get; init; }

    [Inject]
    public required DialogService Dialogs { get; init; }

    [Inject]
    public required NotificationService Notifications { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    private IEnumerable<BudgetLine> Rows => _overview is { } o ? (o.Organisation is { } org ? [org, .. o.Teams] : o.Teams) : [];

    private string CsvHref => "data:text/csv;charset=utf-8," + Uri.EscapeDataString(BudgetService.ToCsv(_overview!));

    protected override async Task OnInitializedAsync()
    {
        var user = await CurrentUser.GetPrincipalAsync();
        _actor = await Actors.ForAsync(user, CancellationToken.None);
        _financeOrAdmin = user.IsInRole(PortalRoles.Finance) || user.IsInRole(PortalRoles.Admin);
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        _overview = await Budgets.ReadAsync(_actor!, CancellationToken.None);
        await LoadAnomaliesAsync();
    }

    private async Task LoadAnomaliesAsync()
    {
        var today = DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);
        _anomalies = await Budgets.AnomaliesAsync(_actor!, new AnomalyFilter(today.AddDays(-BudgetEndpoints.DefaultAnomalyDays), today, null, _showAcknowledged ? null : false), CancellationToken.None);
    }

    private bool CanAcknowledge(AnomalyItem anomaly) => _financeOrAdmin || _actor!.IsMemberOf(anomaly.TeamId);

    private async Task EditAsync(BudgetLine line)
    {
        var saved = await Dialogs.OpenAsync<BudgetDialog>($"Monthly budget: {line.Name}", new Dictionary<string, object?>
        {
            ["Key"] = line.Team,
            ["Current"] = line.BudgetSet == false ? 0m : line.BudgetUsd,
            ["Actor"] = _actor,
        });
        if (saved is true)
        {
            Notifications.Notify(NotificationSeverity.Success, "Budget saved.", $"{line.Name}: the new budget applies to this month and every month after.");
            await LoadAsync();
        }
    }

    private async Task AcknowledgeAsync(AnomalyItem anomaly)
    {
        var summary = $"{(anomaly.EnvironmentName ?? "team " + anomaly.Team)} spent {Money.Format(anomaly.AmountUsd)} on {anomaly.Date:yyyy-MM-dd} (usually {Money.Format(anomaly.MeanUsd)} ± {Money.Format(anomaly.StdDevUsd)}).";
        var saved = await Dialogs.OpenAsync<AcknowledgeDialog>("Acknowledge cost anomaly", new Dictionary<string, object?>
        {
            ["AnomalyId"] = anomaly.Id,
            ["Summary"] = summary,
            ["FinanceOrAdmin"] = _financeOrAdmin,
            ["Actor"] = _actor,
        });
        if (saved is true)
        {
            Notifications.Notify(NotificationSeverity.Success, "Anomaly acknowledged.");
            await LoadAnomaliesAsync();
        }
    }

    private static string BasisText(BudgetLine line) =>
        $"{Money.Format(line.Basis.MonthToDateUsd)} actual + {Money.Format(line.Basis.RemainingEstimatesUsd)} estimated for the {line.Basis.RemainingDays:0.##} days left "
        + $"({line.Basis.Environments.Count} running environment{(line.Basis.Environments.Count == 1 ? "" : "s")}). Expand the row for the list.";

    private static string StateText(string state) => Enum.Parse<BudgetState>(state) switch
    {
        BudgetState.NoBudget => "no budget",
        BudgetState.Ok => "ok",
        BudgetState.Actual50 => "50% spent",
        BudgetState.ForecastOver => "forecast over budget",
        BudgetState.Actual80 => "80% spent",
        BudgetState.Over => "over budget",
        _ => state,
    };

    private static BadgeStyle StateStyle(string state) => Enum.Parse<BudgetState>(state) switch
    {
        BudgetState.NoBudget => BadgeStyle.Light,
        BudgetState.Ok => BadgeStyle.Success,
        BudgetState.Actual50 => BadgeStyle.Info,
        BudgetState.ForecastOver or BudgetState.Actual80 => BadgeStyle.Warning,
        BudgetState.Over => BadgeStyle.Danger,
        _ => BadgeStyle.Base,
    };
}
