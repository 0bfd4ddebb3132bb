using Portal.Provisioning.Lifecycle;

namespace Portal.Web.Features.Costs;

/// <summary>
/// What the dashboards page reads for one filter: every view's result, as the page shows it (the estimate grid's first page is
/// the charted page: the ten costliest, which the grid shows first; its other pages are read when asked for).
/// </summary>
internal sealed record CostsPageViews(
    MonthlySpend Monthly,
    IReadOnlyList<SpendShare> Teams,
    IReadOnlyList<SpendShare> Tiers,
    IReadOnlyList<SpendShare> Services,
    IReadOnlyList<EnvironmentSpend> Top,
    IReadOnlyList<DailySpend> Daily,
    EstimateAccuracyPage Charted,
    IReadOnlyList<TemplateAccuracy> Templates,
    IReadOnlyList<ApproverSpend> Approvers,
    WasteReport Waste,
    int WasteItemCount = 0)
{
    /// <summary>
    /// The waste items the page shows: the costliest (the view returns them by spend, descending); a large organisation has
    /// thousands (527 KB as JSON at 10,000 environments), which the CSV export lists in full (issue 18).
    /// </summary>
    public const int WasteItemsShown = 50;

    /// <summary>The range's spend rounded once (<see cref="DailyTrend"/>); null: the rounded days' sum.</summary>
    public decimal? TotalUsd { get; init; }

    /// <summary>At most <see cref="WasteItemsShown"/> waste items, and how many there were.</summary>
    public CostsPageViews WithWasteShown() => Waste.Items.Count <= WasteItemsShown
        ? this with { WasteItemCount = Math.Max(WasteItemCount, Waste.Items.Count) }
        : this with { Waste = Waste with { Items = [.. Waste.Items.Take(WasteItemsShown)] }, WasteItemCount = Waste.Items.Count };

    /// <summary>
    /// Every view, each query on its own context, at most <paramref name="concurrency"/> at a time, the costliest first (the page
    /// waits for the slowest lane, not the sum of the views; a lower bound leaves the database's cores to others on a shared
    /// host: the browser and the circuit starting beside the read, issue 18).
    /// </summary>
    public static async Task<CostsPageViews> LoadAsync(CostDashboardQueries queries, LifecycleActor actor, CostFilter filter, int chartRows, int monthlyTeamsShown,
        int concurrency = Views)
    {
        var ct = CancellationToken.None;
        using var lanes = new SemaphoreSlim(Math.Clamp(concurrency, 1, Views));
        async Task<T> Lane<T>(Func<Task<T>> read)
        {
            await lanes.WaitAsync(ct);
            try
            {
                return await read();
            }
            finally
            {
                lanes.Release();
            }
        }

        // Costliest first, as measured at 10,000 environments (the README's performance section): approvers, waste, the
        // estimates, templates, the top environments, then the aggregates read from the rollups.
        var approvers = Lane(() => queries.ApprovedVsRealisedAsync(actor, filter, ct));
        var waste = Lane(() => queries.WasteAsync(actor, filter, ct));
        // The environments the chart shows and the count of billed ones; templates and approvers aggregated in the database.
        var estimates = Lane(() => queries.EstimateVsActualPageAsync(actor, filter, EstimateSort.Actual, descending: true, 1, chartRows, ct));
        var templates = Lane(() => queries.EstimateVsActualByTemplateAsync(actor, filter, ct));
        var top = Lane(() => queries.TopEnvironmentsAsync(actor, filter, CostDashboardExport.TopCount, ct));
        var monthly = Lane(() => queries.MonthlyByTeamAsync(actor, filter, ct));
        var daily = Lane(() => queries.DailyTrendWithTotalAsync(actor, filter, ct));
        var teams = Lane(() => queries.ByTeamAsync(actor, filter, ct));
        var services = Lane(() => queries.ByServiceAsync(actor, filter, ct));
        var tiers = Lane(() => queries.ByTierAsync(actor, filter, ct));
        await Task.WhenAll(monthly, teams, tiers, services, top, daily, estimates, templates, approvers, waste);
        return new CostsPageViews((await monthly).FoldTeams(monthlyTeamsShown), await teams, await tiers, await services, await top, (await daily).Days, await estimates,
            await templates, await approvers, await waste) { TotalUsd = (await daily).TotalUsd }.WithWasteShown();
    }

    /// <summary>The views the page reads: at most this many statements at once.</summary>
    public const int Views = 10;
}

/// <summary>
/// What the prerendered page read, written into the document as persistent component state so the circuit starts where the
/// document left off: the filter options, whether there are facts, the filter, and the token of the views' read the prerender
/// started (<see cref="CostsPagePrefetch"/>). It is the circuit's own state (protected by ASP.NET Core, read once, at the circuit's
/// start) and it is used only for the user, roles and teams it was read for and the same filter (<see cref="Query"/>: the query
/// values); the read itself is kept on the server, for that user and filter, and taken once.
/// </summary>
internal sealed record CostsPageSnapshot(
    Guid UserId,
    bool SeesAllTeams,
    IReadOnlyList<Guid> TeamIds,
    string Query,
    CostFilterOptions Options,
    bool HasFacts,
    CostFilter? Filter = null,
    string? Prefetch = null)
{
    /// <summary>
    /// The most the snapshot's JSON may weigh: the browser sends the state back to the circuit in one hub message (at most
    /// <see cref="HubMessageBytes"/>), protected and base64-encoded (about 1.4× the JSON).
    /// </summary>
    public const int BudgetBytes = 48 * 1024;

    /// <summary>The circuit hub's largest message (ASP.NET Core's default is 32 KB), set where the server's services are.</summary>
    public const int HubMessageBytes = 128 * 1024;

    /// <summary>
    /// Within <see cref="BudgetBytes"/>: as it is; else nothing (null: the circuit reads everything, its options included; an
    /// organisation with thousands of teams). Never too large for the circuit to start.
    /// </summary>
    public CostsPageSnapshot? WithinBudget() =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(this, System.Text.Json.JsonSerializerOptions.Web).Length <= BudgetBytes ? this : null;

    public bool IsFor(LifecycleActor actor) =>
        actor.UserId == UserId && actor.SeesAllTeams == SeesAllTeams && actor.TeamIds.Order().SequenceEqual(TeamIds);
}
