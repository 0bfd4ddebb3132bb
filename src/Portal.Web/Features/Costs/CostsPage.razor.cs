using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
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
/// The views are read once per page load, while the browser starts the page's circuit: the prerender starts the read
/// (<see cref="CostsPagePrefetch"/>) and ends the document with the filter bar, and the circuit takes the read by the token the
/// document hands it in persistent component state (<see cref="CostsPageSnapshot"/>), so the read and the circuit's start overlap
/// instead of running one after the other, and nothing is read twice (issue 18).
/// </summary>
public sealed partial class CostsPage : IDisposable
{
    private const string SnapshotKey = "costs-page";

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

    [Inject]
    public required PersistentComponentState PageState { get; init; }

    [Inject]
    public required CostsPagePrefetch Prefetch { get; init; }

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
    private bool _teamsOpen;
    private string? _tier;
    private string? _account;
    private CostFilter? _filter;
    private Dictionary<string, string[]> _errors = [];
    private bool _loading;

    // The views are being read elsewhere: started by the prerender, for the circuit to take (the page shows that it is loading).
    private bool _awaitingViews;
    private bool _hasFacts;
    private bool _ingesting;
    private string? _ingestMessage;

    private MonthlySpend? _monthly;
    private List<MonthRow> _monthRows = [];
    private List<MonthRow> _monthRowsNewestFirst = [];
    private IReadOnlyList<CostColumn<MonthRow>> _monthColumns = [];
    private int _wasteItemCount;
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
    private CostsPageViews? _shown;
    private EstimateAccuracyPage? _charted;

    // Prerendering: what the views read, written into the page for the circuit. The circuit: what the prerender read, used once.
    private PersistingComponentStateSubscription? _persisting;
    private CostsPageSnapshot? _snapshot;
    private CostsPageSnapshot? _restored;

    private bool IsSandbox => Aws.Value.Mode == AwsMode.Sandbox;

    private DateOnly Today => DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime);

    private string Range => _filter is { } f ? $"{Format.Date(f.From)} – {Format.Date(f.To)}" : "";

    private decimal TotalUsd => _shown?.TotalUsd ?? _daily?.Sum(d => d.AmountUsd) ?? 0;

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
        // The circuit shows the prerender's reads before anything awaits, so its first render keeps the tables the document
        // showed (it rendered "No cost data yet" while the user was looked up). The state is the circuit's own, protected, and
        // the document already showed it; it is checked against the user right after and dropped if it is not theirs.
        if (RendererInfo.IsInteractive && PageState.TryTakeFromJson<CostsPageSnapshot>(SnapshotKey, out var restored) && restored is not null)
        {
            _restored = restored;
            ShowRestored(restored);
        }

        _actor = await Actors.ForAsync(await CurrentUser.GetPrincipalAsync(), CancellationToken.None);
        if (!RendererInfo.IsInteractive)
        {
            _persisting = PageState.RegisterOnPersisting(PersistAsync, RenderMode.InteractiveServer);
        }
        else if (_restored is not null && !_restored.IsFor(_actor))
        {
            _restored = null;
            (_filter, _charts, _daily, _hasFacts, _shown, _awaitingViews) = (null, null, null, false, null, false);
        }

        _options = _restored?.Options ?? await Queries.FilterOptionsAsync(_actor, CancellationToken.None);
        _teamChoices = [.. _options.Teams.Select(t => t.Slug)];
        _accounts = _options.Accounts;
    }

    private string FromText => FromQuery ?? Today.AddDays(1 - DefaultDays).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    // What the document showed, for this address only: the filter, the options and the views.
    private void ShowRestored(CostsPageSnapshot restored)
    {
        (_options, _teamChoices, _accounts) = (restored.Options, [.. restored.Options.Teams.Select(t => t.Slug)], restored.Options.Accounts);
        if (restored.Query != QueryKey(FromText) || restored.Filter is not { } filter)
        {
            return;
        }

        (_filter, _from, _to) = (filter, filter.From.ToDateTime(TimeOnly.MinValue), filter.To.ToDateTime(TimeOnly.MinValue));
        (_teams, _tier, _account) = (SplitTeams(TeamQuery), Blank(TierQuery), Blank(AccountQuery));
        _hasFacts = restored.HasFacts;
        _awaitingViews = restored.Prefetch is not null;
        if (restored.Prefetch is { } token && Prefetch.Peek(token, restored.UserId, restored.Query) is { } views)
        {
            // Read already: the circuit's first render shows the views.
            Show(views);
        }
    }

    protected override async Task OnParametersSetAsync()
    {
        if (_actor is null || _options is null)
        {
            return;
        }

        _loading = true;
        var from = FromText;
        var (filter, errors) = CostFilterBinding.Parse(from, ToQuery, TeamQuery, TierQuery, AccountQuery,
            await Queries.TeamsBySlugAsync(SplitTeams(TeamQuery), CancellationToken.None), Today);
        _errors = errors;
        _filter = filter;
        if (filter is not null)
        {
            _from = filter.From.ToDateTime(TimeOnly.MinValue);
            _to = filter.To.ToDateTime(TimeOnly.MinValue);
        }

        (_teams, _tier, _account) = (SplitTeams(TeamQuery), Blank(TierQuery), Blank(AccountQuery));

        // The prerender's views serve the circuit's first parameters only, and only for the same filter; a later filter reads again.
        var query = QueryKey(from);
        var restored = _restored is { } r && r.Query == query ? r : null;
        _restored = null;
        _hasFacts = restored?.HasFacts ?? await Queries.AnyFactsAsync(CancellationToken.None);
        if (!RendererInfo.IsInteractive)
        {
            // The prerender starts the read and ends the document; the circuit takes the read (or, without one, reads itself).
            string? token = null;
            _awaitingViews = filter is not null && _hasFacts;
            if (_awaitingViews)
            {
                var actor = _actor;
                token = Prefetch.Start(actor.UserId, query, () => CostsPageViews.LoadAsync(Queries, actor, filter!, ChartRows, MonthlyTeamsShown, Prefetch.ReadConcurrency));
            }

            _snapshot = new CostsPageSnapshot(_actor.UserId, _actor.SeesAllTeams, [.. _actor.TeamIds.Order()], query, _options, _hasFacts, filter, token).WithinBudget();
            _loading = false;
            return;
        }

        var views = restored?.Prefetch is { } started ? await Prefetch.TakeAsync(started, _actor.UserId, query) : null;
        if (views is null && filter is not null && _hasFacts)
        {
            views = await CostsPageViews.LoadAsync(Queries, _actor, filter, ChartRows, MonthlyTeamsShown, Prefetch.ReadConcurrency);
        }

        if (views is not null)
        {
            Show(views);
        }

        (_awaitingViews, _loading) = (false, false);
    }

    private Task PersistAsync()
    {
        if (_snapshot is { } snapshot)
        {
            PageState.PersistAsJson(SnapshotKey, snapshot);
        }

        return Task.CompletedTask;
    }

    private string QueryKey(string from) => string.Join('\n', from, ToQuery, TeamQuery, TierQuery, AccountQuery);

    private void Show(CostsPageViews views)
    {
        // The circuit's first parameters show the same restored views its initialization already showed: build once.
        if (ReferenceEquals(views, _shown))
        {
            return;
        }

        _shown = views;
        views = views.WithWasteShown();
        _monthly = views.Monthly.FoldTeams(MonthlyTeamsShown);
        _monthRows = [.. _monthly.Months.Select(m =>
        {
            var byTeam = _monthly.Rows.Where(r => r.Month == m).ToDictionary(r => r.Team, r => r.AmountUsd, StringComparer.Ordinal);
            return new MonthRow(m, byTeam, byTeam.Values.Sum());
        })];
        _monthRowsNewestFirst = [.. Enumerable.Reverse(_monthRows)];
        _monthColumns = MonthColumns(_monthly.Teams);
        (_teamShares, _tierShares, _services, _top, _daily) = (views.Teams, views.Tiers, CostFormat.ByServiceName(views.Services), views.Top, views.Daily);

        // The per-environment rows (one per environment: 10,000 in a large organisation) are neither read nor kept here: the
        // page keeps what it charts and the aggregates; the grid reads its other pages from the server (AccuracyGrid).
        _charted = views.Charted;
        _billed = views.Charted.Billed;
        (_templates, _approvers, _waste, _wasteItemCount) = (views.Templates, views.Approvers, views.Waste, views.WasteItemCount);
        _charts = BuildCharts(views.Charted.Items);
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
            CostChartModel.ColouredBars([.. teams.Select(t => t.Key)], "Spend", teams.Select(t => t.AmountUsd), [.. teams.Select(t => TeamColor(t.Key))], 240, compact: true),
            CostChartModel.Donut([.. _tierShares!.Select(t => t.Key)], _tierShares!.Select(t => t.AmountUsd), [.. _tierShares!.Select(t => CostColors.ForTier(t.Key))]),
            CostChartModel.Bars([.. services.Select(s => CostFormat.Service(s.Key))], [("Spend", services.Select(s => s.AmountUsd))], ["#3366cc"], 240, compact: true),
            // Environments by id: two teams may each have a "checkout" (issue #15, defect 1); labelled team/name.
            CostChartModel.ColouredBars([.. top.Select(e => CostFormat.Environment(e.Team, e.Name))], "Spend", top.Select(e => e.AmountUsd), [.. top.Select(e => TeamColor(e.Team))], 300),
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

    public void Dispose() => _persisting?.Dispose();

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
