using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Jobs;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Catalog;
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

    private static readonly string[] Tiers = ["dev", "staging", "prod"];

    private static readonly string[] WasteColors = ["#c62828", "#ef6c00", "#6d4c41", CostColors.Unallocated];

    private static readonly CultureInfo Usd = CultureInfo.GetCultureInfo("en-US");

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
    private string? _team;
    private string? _tier;
    private string? _account;
    private CostFilter? _filter;
    private Dictionary<string, string[]> _errors = [];
    private bool _loading;
    private bool _hasFacts;
    private bool _ingesting;
    private string? _ingestMessage;

    // Teams the 13-month chart and table name; the rest are summed as "other teams" (the CSV export keeps every team).
    private const int MonthlyTeamsShown = 8;

    private MonthlySpend? _monthly;
    private List<MonthRow> _monthRows = [];
    private IReadOnlyList<SpendShare>? _teams;
    private IReadOnlyList<SpendShare>? _tiers;
    private IReadOnlyList<SpendShare>? _services;
    private IReadOnlyList<EnvironmentSpend>? _top;
    private IReadOnlyList<DailySpend>? _daily;
    private IReadOnlyList<EstimateAccuracy>? _estimates;
    private IReadOnlyList<TemplateAccuracy>? _templates;
    private IReadOnlyList<ApproverSpend>? _approvers;
    private WasteReport? _waste;

    private bool IsSandbox => Aws.Value.Mode == AwsMode.Sandbox;

    private DateOnly Today => DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime);

    private string Range => _filter is { } f ? $"{f.From:yyyy-MM-dd} – {f.To:yyyy-MM-dd}" : "";

    private decimal TotalUsd => _daily?.Sum(d => d.AmountUsd) ?? 0;

    private decimal AveragePerDay => _daily is { Count: > 0 } days ? decimal.Round(TotalUsd / days.Count, 2) : 0;

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

        (_team, _tier, _account) = (Blank(TeamQuery), Blank(TierQuery), Blank(AccountQuery));

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
        var estimates = Queries.EstimateVsActualAsync(actor, filter, ct);
        var approvers = ApproversAsync();
        var waste = Queries.WasteAsync(actor, filter, ct);
        await Task.WhenAll(monthly, teams, tiers, services, top, daily, estimates, approvers, waste);

        // Approvers are credited from the estimate rows the page already reads, not from a second read of them.
        async Task<IReadOnlyList<ApproverSpend>> ApproversAsync() => await Queries.ApprovedVsRealisedAsync(actor, filter, await estimates, ct);

        _monthly = (await monthly).FoldTeams(MonthlyTeamsShown);
        _monthRows = [.. _monthly.Months.Select(m =>
        {
            var byTeam = _monthly.Rows.Where(r => r.Month == m).ToDictionary(r => r.Team, r => r.AmountUsd, StringComparer.Ordinal);
            return new MonthRow(m, byTeam, byTeam.Values.Sum());
        })];
        (_teams, _tiers, _services, _top, _daily) = (await teams, await tiers, await services, await top, await daily);
        _estimates = await estimates;
        _templates = CostDashboardQueries.ByTemplate(_estimates);
        (_approvers, _waste) = (await approvers, await waste);
    }

    private void Apply() => Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(FilterQuery(
        _from is { } f ? DateOnly.FromDateTime(f) : null, _to is { } t ? DateOnly.FromDateTime(t) : null, _team, _tier, _account)));

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

    private List<ChartPoint> MonthSeries(string team) =>
        [.. _monthRows.Select(r => new ChartPoint(r.Month, r.ByTeam.GetValueOrDefault(team)))];

    private static string BarHeight(int rows) => $"height: {Math.Max(140, 46 + (rows * 34))}px";

    private static string AxisMoney(object value) => value switch
    {
        decimal d => Compact((double)d),
        double d => Compact(d),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static string Compact(double usd) =>
        Math.Abs(usd) >= 1_000_000 ? (usd / 1_000_000).ToString("$0.#M", Usd)
        : Math.Abs(usd) >= 1_000 ? (usd / 1_000).ToString("$0.#k", Usd)
        : usd.ToString(Math.Abs(usd) >= 10 || usd == 0 ? "$0" : "$0.##", Usd);

    private static string LabelMoney(object value) => value switch
    {
        decimal d => Money.Format(d),
        double d => Money.Format((decimal)d),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static string MonthLabel(object value) =>
        value is string s && DateOnly.TryParseExact(s + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d.ToString("MMM yy", Usd) : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    private static string DayLabel(object value) => value switch
    {
        DateOnly d => d.ToString("MMM d", Usd),
        DateTime d => d.ToString("MMM d", Usd),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>AWS's service names as people say them, so the axis needs no truncation.</summary>
    private static string ShortLabel(object value)
    {
        var text = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        if (ServiceNames.TryGetValue(text, out var known))
        {
            return known;
        }

        text = text.Replace("Amazon ", "", StringComparison.Ordinal).Replace("AWS ", "", StringComparison.Ordinal);
        return text.Length > 18 ? text[..17] + "…" : text;
    }

    private static readonly Dictionary<string, string> ServiceNames = new(StringComparer.Ordinal)
    {
        ["Amazon Simple Storage Service"] = "S3",
        ["Amazon Relational Database Service"] = "RDS",
        ["Amazon Elastic Compute Cloud - Compute"] = "EC2 compute",
        ["EC2 - Other"] = "EC2 other",
        ["Amazon Elastic Container Service"] = "ECS",
        ["Amazon Elastic Load Balancing"] = "Load balancing",
        ["Elastic Load Balancing"] = "Load balancing",
        ["AWS Key Management Service"] = "KMS",
        ["Amazon Virtual Private Cloud"] = "VPC",
        ["AmazonCloudWatch"] = "CloudWatch",
        ["Amazon CloudFront"] = "CloudFront",
        ["Amazon ElastiCache"] = "ElastiCache",
        ["AWS Secrets Manager"] = "Secrets Manager",
        ["AWS ApplicationAutoScaling"] = "Auto Scaling",
        ["Amazon DynamoDB"] = "DynamoDB",
        ["AWS Lambda"] = "Lambda",
    };

    private static string WasteLabel(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) switch
    {
        WasteKinds.Destroyed => "Destroyed, billing",
        WasteKinds.Expired => "Expired",
        WasteKinds.Stopped => "Stopped",
        WasteKinds.Unallocated => "Unallocated",
        var other => other ?? "",
    };

    /// <summary>Bars worth drawing: a zero bar is only a label on the axis (the table still lists it).</summary>
    private static IEnumerable<T> NonZero<T>(IEnumerable<T>? rows, Func<T, decimal> amount) => (rows ?? []).Where(r => amount(r) != 0);

    private static string Percent(decimal? value) => value is { } p ? p.ToString("0.0", CultureInfo.InvariantCulture) + " %" : "—";

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private sealed record ChartPoint(string Label, decimal Value);

    private sealed record MonthRow(string Month, Dictionary<string, decimal> ByTeam, decimal Total);
}
