using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Web.Security;

namespace Portal.Web.Features.Costs;

/// <summary>
/// <c>/api/v1/costs/dashboard/*</c>: the finance dashboards' views as JSON, one endpoint per view, all taking the shared filter
/// (<c>from</c>, <c>to</c>, <c>team</c> slugs comma-separated, <c>tier</c>, <c>account</c>; see <see cref="CostFilterBinding"/>).
/// Developers get only their teams' figures. Each view's table is also <c>GET /api/v1/costs/export.csv?view=...</c>.
/// </summary>
public static class CostDashboardEndpoints
{
    public static RouteGroupBuilder MapCostDashboardEndpoints(this RouteGroupBuilder api)
    {
        var dashboard = api.MapGroup("/costs/dashboard").RequireAuthorization(PortalPolicies.ApiRead);
        dashboard.MapGet("/monthly", (HttpContext http, CostDashboardQueries q, CancellationToken ct) =>
            ViewAsync(http, q, (actor, filter) => q.MonthlyByTeamAsync(actor, filter, ct), ct)).WithName("GetCostsByMonthAndTeam").Produces<MonthlySpend>().ProducesValidationProblem();
        dashboard.MapGet("/teams", (HttpContext http, CostDashboardQueries q, CancellationToken ct) =>
            ViewAsync(http, q, (actor, filter) => q.ByTeamAsync(actor, filter, ct), ct)).WithName("GetCostsByTeam").Produces<IReadOnlyList<SpendShare>>().ProducesValidationProblem();
        dashboard.MapGet("/tiers", (HttpContext http, CostDashboardQueries q, CancellationToken ct) =>
            ViewAsync(http, q, (actor, filter) => q.ByTierAsync(actor, filter, ct), ct)).WithName("GetCostsByTier").Produces<IReadOnlyList<SpendShare>>().ProducesValidationProblem();
        dashboard.MapGet("/services", (HttpContext http, CostDashboardQueries q, CancellationToken ct) =>
            ViewAsync(http, q, (actor, filter) => q.ByServiceAsync(actor, filter, ct), ct)).WithName("GetCostsByService").Produces<IReadOnlyList<SpendShare>>().ProducesValidationProblem();
        dashboard.MapGet("/top-environments", (HttpContext http, CostDashboardQueries q, int? count, CancellationToken ct) =>
            ViewAsync(http, q, (actor, filter) => q.TopEnvironmentsAsync(actor, filter, count ?? CostDashboardExport.TopCount, ct), ct))
            .WithName("GetTopEnvironmentsByCost").Produces<IReadOnlyList<EnvironmentSpend>>().ProducesValidationProblem();
        dashboard.MapGet("/daily", (HttpContext http, CostDashboardQueries q, CancellationToken ct) =>
            ViewAsync(http, q, (actor, filter) => q.DailyTrendAsync(actor, filter, ct), ct)).WithName("GetDailyCostTrend").Produces<IReadOnlyList<DailySpend>>().ProducesValidationProblem();
        dashboard.MapGet("/estimates", EstimatesAsync).WithName("GetEstimateVsActual").Produces<EstimateAccuracyPage>().ProducesValidationProblem();
        dashboard.MapGet("/templates", (HttpContext http, CostDashboardQueries q, CancellationToken ct) =>
            ViewAsync(http, q, (actor, filter) => q.EstimateVsActualByTemplateAsync(actor, filter, ct), ct)).WithName("GetEstimateVsActualByTemplate").Produces<IReadOnlyList<TemplateAccuracy>>().ProducesValidationProblem();
        dashboard.MapGet("/approvers", (HttpContext http, CostDashboardQueries q, CancellationToken ct) =>
            ViewAsync(http, q, (actor, filter) => q.ApprovedVsRealisedAsync(actor, filter, ct), ct)).WithName("GetApprovedVsRealised").Produces<IReadOnlyList<ApproverSpend>>().ProducesValidationProblem();
        dashboard.MapGet("/waste", (HttpContext http, CostDashboardQueries q, CancellationToken ct) =>
            ViewAsync(http, q, (actor, filter) => q.WasteAsync(actor, filter, ct), ct)).WithName("GetCostWaste").Produces<WasteReport>().ProducesValidationProblem();
        return api;
    }

    /// <summary>The request's filter, or a 400 validation problem naming the bad query fields.</summary>
    public static async Task<(CostFilter? Filter, ValidationProblem? Problem)> FilterAsync(HttpContext http, CostDashboardQueries queries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(queries);
        var query = http.Request.Query;
        var today = DateOnly.FromDateTime(http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        var wanted = query["team"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var (filter, errors) = CostFilterBinding.Parse(query["from"], query["to"], query["team"], query["tier"], query["account"],
            await queries.TeamsBySlugAsync(wanted, cancellationToken), today);
        return filter is null ? (null, TypedResults.ValidationProblem(errors, title: "The cost filter is not valid.")) : (filter, null);
    }

    /// <summary>
    /// One page of estimate against actual per environment: <c>page</c> (from 1), <c>pageSize</c> (1–500, default 50),
    /// <c>sort</c> (actual, estimate, variance, accuracy, environment, name, template, tier, status, days; default actual) and
    /// <c>order</c> (asc, desc; default desc). Every row is in <c>export.csv?view=estimates</c>.
    /// </summary>
    private static async Task<IResult> EstimatesAsync(HttpContext http, CostDashboardQueries queries, CancellationToken cancellationToken)
    {
        var query = http.Request.Query;
        var errors = new Dictionary<string, string[]>();
        var page = Number(query["page"], 1, 1, int.MaxValue / EstimatePageSizeLimit, "page", "page must be a whole number from 1.", errors);
        var pageSize = Number(query["pageSize"], DefaultEstimatePageSize, 1, CostDashboardQueries.MaxEstimatePageSize, "pageSize",
            $"pageSize must be a whole number from 1 to {CostDashboardQueries.MaxEstimatePageSize}.", errors);
        var sort = EstimateSort.Actual;
        if (query["sort"] is { Count: > 0 } sortValue && !(Enum.TryParse(sortValue.ToString(), ignoreCase: true, out sort) && Enum.IsDefined(sort) && !int.TryParse(sortValue.ToString(), out _)))
        {
            errors["sort"] = [$"sort must be one of {string.Join(", ", Enum.GetNames<EstimateSort>().Select(n => n.ToLowerInvariant()))}."];
        }

        var order = query["order"].ToString();
        if (order is not ("" or "asc" or "desc"))
        {
            errors["order"] = ["order must be asc or desc."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The page is not valid.");
        }

        return await ViewAsync(http, queries, (actor, filter) => queries.EstimateVsActualPageAsync(actor, filter, sort, order != "asc", page, pageSize, cancellationToken), cancellationToken);
    }

    private const int DefaultEstimatePageSize = 50;

    private const int EstimatePageSizeLimit = 1000;

    private static int Number(Microsoft.Extensions.Primitives.StringValues value, int fallback, int min, int max, string field, string message, Dictionary<string, string[]> errors)
    {
        if (value.Count == 0 || string.IsNullOrEmpty(value.ToString()))
        {
            return fallback;
        }

        if (int.TryParse(value.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        errors[field] = [message];
        return fallback;
    }

    private static async Task<IResult> ViewAsync<T>(HttpContext http, CostDashboardQueries queries, Func<Provisioning.Lifecycle.LifecycleActor, CostFilter, Task<T>> view, CancellationToken cancellationToken)
    {
        var (filter, problem) = await FilterAsync(http, queries, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var actor = await http.RequestServices.GetRequiredService<LifecycleActors>().ForAsync(http.User, cancellationToken);
        return TypedResults.Ok(await view(actor, filter!));
    }
}
