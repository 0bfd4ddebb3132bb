using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Data.Entities;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Components.Shared;
using Portal.Web.Security;

namespace Portal.Web.Features.Costs.Budgets;

/// <summary>
/// <c>/costs/budgets</c>: budget vs actual vs forecast per team (chart and table, forecast basis on hover and expand), the
/// organisation line, editing budgets (finance, admin), cost anomalies with acknowledgement, CSV export of the table.
/// Developers see their teams; finance, platform engineers and admins every team.
/// </summary>
public sealed partial class BudgetsPage
{
    private BudgetOverview? _overview;
    private CostChartModel? _chart;
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
    public required IDialogService Dialogs { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required UserTimeZone Zone { get; init; }

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
        var teams = _overview.Teams;
        _chart = teams.Count == 0 ? null : CostChartModel.Bars(
            [.. teams.Select(t => t.Team)],
            [("Budget", teams.Select(t => t.BudgetUsd)), ("Actual (month to date)", teams.Select(t => t.MonthToDateUsd)), ("Forecast (month end)", teams.Select(t => t.ForecastUsd))],
            ["#90a4ae", "#1e88e5", "#fb8c00"], 320);
        await LoadAnomaliesAsync();
    }

    private async Task LoadAnomaliesAsync()
    {
        var today = DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);
        _anomalies = await Budgets.AnomaliesAsync(_actor!, new AnomalyFilter(today.AddDays(-BudgetEndpoints.DefaultAnomalyDays), today, null, _showAcknowledged ? null : false), CancellationToken.None);
    }

    private async Task ShowAcknowledgedAsync(bool show)
    {
        _showAcknowledged = show;
        await LoadAnomaliesAsync();
    }

    private bool CanAcknowledge(AnomalyItem anomaly) => _financeOrAdmin || _actor!.IsMemberOf(anomaly.TeamId);

    private async Task EditAsync(BudgetLine line)
    {
        var parameters = new DialogParameters<BudgetDialog>
        {
            { d => d.Key, line.Team },
            { d => d.Current, line.BudgetSet == false ? 0m : line.BudgetUsd },
            { d => d.Actor, _actor! },
        };
        var dialog = await Dialogs.ShowAsync<BudgetDialog>($"Monthly budget: {line.Name}", parameters, new DialogOptions { MaxWidth = MaxWidth.ExtraSmall, FullWidth = true });
        if (await dialog.Result is { Canceled: false, Data: true })
        {
            Snackbar.Add($"Budget saved. {line.Name}: the new budget applies to this month and every month after.", Severity.Success);
            await LoadAsync();
        }
    }

    private async Task AcknowledgeAsync(AnomalyItem anomaly)
    {
        var summary = $"{(anomaly.EnvironmentName is { } name ? CostFormat.Environment(anomaly.Team, name) : "team " + anomaly.Team)} spent {Format.Money(anomaly.AmountUsd)} on {Format.Date(anomaly.Date)} (usually {Format.Money(anomaly.MeanUsd)} ± {Format.Money(anomaly.StdDevUsd)}).";
        var parameters = new DialogParameters<AcknowledgeDialog>
        {
            { d => d.AnomalyId, anomaly.Id },
            { d => d.Summary, summary },
            { d => d.FinanceOrAdmin, _financeOrAdmin },
            { d => d.Actor, _actor! },
        };
        var dialog = await Dialogs.ShowAsync<AcknowledgeDialog>("Acknowledge cost anomaly", parameters, new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true });
        if (await dialog.Result is { Canceled: false, Data: true })
        {
            Snackbar.Add("Anomaly acknowledged.", Severity.Success);
            await LoadAnomaliesAsync();
        }
    }

    private static string BasisText(BudgetLine line) =>
        $"{Format.Money(line.Basis.MonthToDateUsd)} actual + {Format.Money(line.Basis.RemainingEstimatesUsd)} estimated for the {line.Basis.RemainingDays.ToString("0.##", CultureInfo.InvariantCulture)} days left "
        + $"({Format.Count(line.Basis.Environments.Count, "running environment")}). Expand the row for the list.";

    /// <summary>
    /// Both figures of a line in words (issue #15: "Used 10.8%" beside "Forecast over budget" explained neither):
    /// "Used 10.8% of $5,000.00 so far; forecast $6,120.00 by month end, 22% over."
    /// </summary>
    internal static string Explain(BudgetLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var forecast = Format.Money(line.ForecastUsd);
        if (line.BudgetUsd <= 0 || line.PercentUsed is not { } used)
        {
            return $"No budget set; {Format.Money(line.MonthToDateUsd)} spent so far, forecast {forecast} by month end.";
        }

        var gap = (line.ForecastUsd - line.BudgetUsd) / line.BudgetUsd * 100m;
        var verdict = gap switch
        {
            > 0 => $"{Whole(gap)}% over",
            < 0 => $"{Whole(-gap)}% under",
            _ => "exactly on budget",
        };
        return $"Used {used.ToString("0.0", CultureInfo.InvariantCulture)}% of {Format.Money(line.BudgetUsd)} so far; forecast {forecast} by month end, {verdict}.";

        // Over or under by less than half a percent still says which (never "0% over").
        static string Whole(decimal percent) => percent < 0.5m ? "<1" : decimal.Round(percent, 0, MidpointRounding.AwayFromZero).ToString("0", CultureInfo.InvariantCulture);
    }

    private static string StateText(string state) => Enum.Parse<BudgetState>(state) switch
    {
        BudgetState.NoBudget => "no budget",
        BudgetState.Ok => "ok",
        BudgetState.Actual50 => "50%+ spent",
        BudgetState.ForecastOver => "forecast over budget",
        BudgetState.Actual80 => "80%+ spent",
        BudgetState.Over => "over budget",
        _ => state,
    };

    private static Color StateColor(string state) => Enum.Parse<BudgetState>(state) switch
    {
        BudgetState.NoBudget => Color.Default,
        BudgetState.Ok => Color.Success,
        BudgetState.Actual50 => Color.Info,
        BudgetState.ForecastOver or BudgetState.Actual80 => Color.Warning,
        BudgetState.Over => Color.Error,
        _ => Color.Default,
    };
}
