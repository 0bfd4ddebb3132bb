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
        dashboard.MapGet("/estimates", (HttpContext http, CostDashboardQueries q, CancellationToken ct) =>
            ViewAsync(http, q, (actor, filter) => q.EstimateVsActualAsync(actor, filter, ct), ct)).WithName("GetEstimateVsActual").Produces<IReadOnlyList<EstimateAccuracy>>().ProducesValidationProblem();
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
        var (filter, errors) = CostFilterBinding.Parse(query["from"], query["to"], query["team"], query["tier"], query["account"],
            await queries.TeamsBySlugAsync(cancellationToken), today);
        return filter is null ? (null, TypedResults.ValidationProblem(errors, title: "The cost filter is not valid.")) : (filter, null);
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
