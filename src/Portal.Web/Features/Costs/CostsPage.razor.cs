using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Jobs;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Components.Shared;
using Portal.Web.Security;

namespace Portal.Web.Features.Costs;

/// <summary>
/// The finance dashboards: one filter bar (kept in the query string, so a view can be bookmarked) drives every chart and table;
/// each table exports to CSV through <c>/api/v1/costs/export.csv?view=</c> with the same filter.
/// </summary>
public sealed partial class CostsPage
{
    private const int ChartRows = 10;
    private const int DefaultDays = 30;

    // Teams the 13-month chart and table name; the rest are summed as "other teams" (the CSV export keeps every team).
    private const int MonthlyTeamsShown = 8;

    private static readonly string[] Tiers = ["dev", "staging", "prod"];

    private static readonly string[] WasteColors = ["#c62828", "#ef6c00", "#6d4c41", CostColors.Unallocated];

    [Inject]
    public required CostDashboardQueries Queries { get; init; }

    [Inject]
    public required LifecycleActors Actors { get; init; }

    [Inject]
    public required CurrentUser CurrentUser { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    [Inject]
    public required IOptions<AwsOptions> Aws { get; init; }

    [Inject]
    public required CostIngestionTrigger Ingestion { get; init; }

    [SupplyParameterFromQuery(Name = "from")]
    public string? FromQuery { get; set; }

    [SupplyParameterFromQuery(Name = "to")]
    public string? ToQuery { get; set; }

    [SupplyParameterFromQuery(Name = "team")]
    public string? TeamQuery { get; set; }

    [SupplyParameterFromQuery(Name = "tier")]
    public string? TierQuery { get; set; }

    [SupplyParameterFromQuery(Name = "account")]
    public string? AccountQuery { get; set; }

    private LifecycleActor? _actor;
    private CostFilterOptions? _options;
    private IReadOnlyList<string> _teamChoices = [];
    private IReadOnlyList<string> _accounts = [];
    private DateTime? _from;
    private DateTime? _to;
    private IReadOnlyCollection<string> _teams = [];
    private string? _tier;
    private string? _account;
    private CostFilter? _filter;
    private Dictionary<string, string[]> _errors = [];
    private bool _loading;
    private bool _hasFacts;
    private bool _ingesting;
    private string? _ingestMessage;

    private MonthlySpend? _monthly;
    private List<MonthRow> _monthRows = [];
    private IReadOnlyList<SpendShare>? _teamShares;
    private IReadOnlyList<SpendShare>? _tierShares;
    private IReadOnlyList<SpendShare>? _services;
    private IReadOnlyList<EnvironmentSpend>? _top;
    private IReadOnlyList<DailySpend>? _daily;
    private IReadOnlyList<TemplateAccuracy>? _templates;
    private IReadOnlyList<ApproverSpend>? _approvers;
    private WasteReport? _waste;
    private int _billed;
    private Charts? _charts;

    private bool IsSandbox => Aws.Value.Mode == AwsMode.Sandbox;

    private DateOnly Today => DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime);

    private string Range => _filter is { } f ? $"{Format.Date(f.From)} – {Format.Date(f.To)}" : "";

    private decimal TotalUsd => _daily?.Sum(d => d.AmountUsd) ?? 0;

    private decimal AveragePerDay => _daily is { Count: > 0 } days ? decimal.Round(TotalUsd / days.Count, 2) : 0;

    /// <summary>Whose spend the page shows: the filtered teams when a team filter is set (issue #15: it said "All teams").</summary>
    private string ScopeText
    {
        get
        {
            var teams = _filter is { TeamIds.Count: > 0 } ? SplitTeams(TeamQuery) : [];
            if (teams.Count > 0)
            {
                return $"{(teams.Count == 1 ? "Team" : "Teams")} {string.Join(", ", teams)} only{(_actor?.SeesAllTeams == true ? "; unallocated spend left out" : "")}.";
            }

            return _actor?.SeesAllTeams == true ? "All teams, unallocated spend included." : "Your teams only.";
        }
    }

    protected override async Task OnInitializedAsync()
    {
        _actor = await Actors.ForAsync(await CurrentUser.GetPrincipalAsync(), CancellationToken.None);
        _options = await Queries.FilterOptionsAsync(_actor, CancellationToken.None);
        _teamChoices = [.. _options.Teams.Select(t => t.Slug)];
        _accounts = _options.Accounts;
    }

    protected override async Task OnParametersSetAsync()
    {
        if (_actor is null || _options is null)
        {
            return;
        }

        _loading = true;
        var from = FromQuery ?? Today.AddDays(1 - DefaultDays).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var (filter, errors) = CostFilterBinding.Parse(from, ToQuery, TeamQuery, TierQuery, AccountQuery, await Queries.TeamsBySlugAsync(CancellationToken.None), Today);
        _errors = errors;
        _filter = filter;
        if (filter is not null)
        {
            _from = filter.From.ToDateTime(TimeOnly.MinValue);
            _to = filter.To.ToDateTime(TimeOnly.MinValue);
        }

        (_teams, _tier, _account) = (SplitTeams(TeamQuery), Blank(TierQuery), Blank(AccountQuery));

        // Prerendering would run every view once for markup the circuit replaces at once: it shows the spinner instead.
        if (!RendererInfo.IsInteractive)
        {
            return;
        }

        _hasFacts = await Queries.AnyFactsAsync(CancellationToken.None);
        if (filter is not null && _hasFacts)
        {
            await LoadAsync(_actor, filter);
        }

        _loading = false;
    }

    // Every view at once: each query has its own context, so the page waits for the slowest view, not the sum of them.
    private async Task LoadAsync(LifecycleActor actor, CostFilter filter)
    {
        var ct = CancellationToken.None;
        var monthly = Queries.MonthlyByTeamAsync(actor, filter, ct);
        var teams = Queries.ByTeamAsync(actor, filter, ct);
        var tiers = Queries.ByTierAsync(actor, filter, ct);
        var services = Queries.ByServiceAsync(actor, filter, ct);
        var top = Queries.TopEnvironmentsAsync(actor, filter, CostDashboardExport.TopCount, ct);
        var daily = Queries.DailyTrendAsync(actor, filter, ct);
        // The environments the chart shows and the count of billed ones; templates and approvers aggregated in the database.
        var estimates = Queries.EstimateVsActualPageAsync(actor, filter, EstimateSort.Actual, descending: true, 1, ChartRows, ct);
        var templates = Queries.EstimateVsActualByTemplateAsync(actor, filter, ct);
        var approvers = Queries.ApprovedVsRealisedAsync(actor, filter, ct);
        var waste = Queries.WasteAsync(actor, filter, ct);
        await Task.WhenAll(monthly, teams, tiers, services, top, daily, estimates, templates, approvers, waste);

        _monthly = (await monthly).FoldTeams(MonthlyTeamsShown);
        _monthRows = [.. _monthly.Months.Select(m =>
        {
            var byTeam = _monthly.Rows.Where(r => r.Month == m).ToDictionary(r => r.Team, r => r.AmountUsd, StringComparer.Ordinal);
            return new MonthRow(m, byTeam, byTeam.Values.Sum());
        })];
        (_teamShares, _tierShares, _services, _top, _daily) = (await teams, await tiers, await services, await top, await daily);

        // The per-environment rows (one per environment: 10,000 in a large organisation) are neither read nor kept here: the
        // page keeps what it charts and the aggregates; the grid reads its page from the server (AccuracyGrid).
        var charted = await estimates;
        _billed = charted.Billed;
        _templates = await templates;
        (_approvers, _waste) = (await approvers, await waste);
        _charts = BuildCharts(charted.Items);
    }

    private Charts BuildCharts(IReadOnlyList<EstimateAccuracy> estimates)
    {
        var teams = NonZero(_teamShares, t => t.AmountUsd).ToList();
        var services = NonZero(_services, s => s.AmountUsd).Take(ChartRows).ToList();
        var top = NonZero(_top, t => t.AmountUsd).ToList();
        var waste = NonZero(_waste!.ByKind, k => k.AmountUsd).ToList();
        const string Estimate = "#b0bec5";
        return new Charts(
            CostChartModel.Bars([.. _monthRows.Select(r => CostFormat.Month(r.Month))],
                [.. _monthly!.Teams.Select(team => (team, _monthRows.Select(r => r.ByTeam.GetValueOrDefault(team))))],
                [.. _monthly.Teams.Select(TeamColor)], 340, stacked: true),
            CostChartModel.Bars([.. teams.Select(t => t.Key)], [("Spend", teams.Select(t => t.AmountUsd))], ["#1f77b4"], 240),
            CostChartModel.Donut([.. _tierShares!.Select(t => t.Key)], _tierShares!.Select(t => t.AmountUsd), [.. _tierShares!.Select(t => CostColors.ForTier(t.Key))]),
            CostChartModel.Bars([.. services.Select(s => CostFormat.Service(s.Key))], [("Spend", services.Select(s => s.AmountUsd))], ["#3366cc"], 240),
            // Environments by id: two teams may each have a "checkout" (issue #15, defect 1); labelled team/name.
            CostChartModel.Bars([.. top.Select(e => CostFormat.Environment(e.Team, e.Name))], [("Spend", top.Select(e => e.AmountUsd))], ["#1f77b4"], 300),
            CostChartModel.Area([.. (_daily ?? []).Select(d => CostFormat.Day(d.Date))], "Spend per day", (_daily ?? []).Select(d => d.AmountUsd), "#1f77b4"),
            CostChartModel.Bars([.. estimates.Select(e => CostFormat.Environment(e.Team, e.Name))],
                [("Estimate", estimates.Select(e => e.EstimateUsd)), ("Actual", estimates.Select(e => e.ActualUsd))], [Estimate, "#1f77b4"], 300),
            CostChartModel.Bars([.. _templates!.Select(t => t.Template)],
                [("Estimate", _templates!.Select(t => t.EstimateUsd)), ("Actual", _templates!.Select(t => t.ActualUsd))], [Estimate, "#1f77b4"], 260),
            CostChartModel.Bars([.. _approvers!.Select(a => a.Approver)],
                [("Approved estimate", _approvers!.Select(a => a.ApprovedUsd)), ("Realised", _approvers!.Select(a => a.ActualUsd))], [Estimate, "#8e24aa"], 260),
            CostChartModel.Bars([.. waste.Select(k => CostFormat.Waste(k.Key))], [("Waste", waste.Select(k => k.AmountUsd))], [WasteColors[0]], 240));
    }

    private void Apply() => Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(FilterQuery(
        _from is { } f ? DateOnly.FromDateTime(f) : null, _to is { } t ? DateOnly.FromDateTime(t) : null,
        _teams.Count == 0 ? null : string.Join(',', _teams.Order(StringComparer.Ordinal)), _tier, _account)));

    private void Reset() => Navigation.NavigateTo("costs");

    private async Task IngestAsync()
    {
        _ingesting = true;
        _ingestMessage = "Ingestion started; this page fills in when every account's run has finished (up to two minutes).";
        StateHasChanged();
        var since = Clock.GetUtcNow().AddSeconds(-1);
        await Ingestion.TriggerNowAsync(CancellationToken.None);
        for (var i = 0; i < 120 && !await Queries.IngestionEndedSinceAsync(since, CancellationToken.None); i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        _ingesting = false;
        await OnParametersSetAsync();
    }

    private static Dictionary<string, object?> FilterQuery(DateOnly? from, DateOnly? to, string? team, string? tier, string? account) => new()
    {
        ["from"] = from?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["to"] = to?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["team"] = Blank(team),
        ["tier"] = Blank(tier),
        ["account"] = Blank(account),
    };

    /// <summary>The view's CSV with exactly the filter the page shows.</summary>
    private string ExportHref(string view)
    {
        var f = _filter!;
        var query = FilterQuery(f.From, f.To, TeamQuery, TierQuery, AccountQuery)
            .Where(p => p.Value is not null)
            .Select(p => $"{p.Key}={Uri.EscapeDataString((string)p.Value!)}");
        return $"api/v1/costs/export.csv?view={view}&{string.Join('&', query)}";
    }

    private string TeamColor(string team) =>
        team == MonthlySpend.OtherTeams ? CostColors.OtherTeams : CostColors.ForTeam(team, _options?.AllTeamSlugs ?? []);

    /// <summary>Bars worth drawing: a zero bar is only a label on the axis (the table still lists it).</summary>
    private static IEnumerable<T> NonZero<T>(IEnumerable<T>? rows, Func<T, decimal> amount) => (rows ?? []).Where(r => amount(r) != 0);

    private static List<string> SplitTeams(string? value) =>
        [.. (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private sealed record MonthRow(string Month, Dictionary<string, decimal> ByTeam, decimal Total);

    /// <summary>Every chart of the page, built once per load.</summary>
    private sealed record Charts(
        CostChartModel Monthly, CostChartModel Teams, CostChartModel Tiers, CostChartModel Services, CostChartModel Top, CostChartModel Daily,
        CostChartModel Estimates, CostChartModel Templates, CostChartModel Approvers, CostChartModel Waste);
}
