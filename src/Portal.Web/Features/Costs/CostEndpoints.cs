using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Provisioning.Jobs;
using Portal.Web.Security;

namespace Portal.Web.Features.Costs;

/// <summary>
/// <c>/api/v1/costs</c>: summaries, daily series and CSV export of ingested costs (scoped to the caller's teams unless
/// finance, platform engineer or admin), and <c>POST /ingest</c> to run cost ingestion now (finance, admin).
/// Dates are <c>yyyy-MM-dd</c>, both ends inclusive; the default window is the current month to today.
/// </summary>
public static class CostEndpoints
{
    /// <summary>Longest window a query may ask for: about 13 months, what ingestion keeps.</summary>
    public const int MaxDays = 400;

    public static RouteGroupBuilder MapCostEndpoints(this RouteGroupBuilder api)
    {
        var costs = api.MapGroup("/costs");
        costs.MapGet("/summary", SummaryAsync).RequireAuthorization(PortalPolicies.ApiRead).WithName("GetCostSummary")
            .Produces<CostSummary>().ProducesProblem(StatusCodes.Status400BadRequest);
        costs.MapGet("/daily", DailyAsync).RequireAuthorization(PortalPolicies.ApiRead).WithName("GetDailyCosts")
            .Produces<DailyCosts>().ProducesProblem(StatusCodes.Status400BadRequest);
        costs.MapGet("/export.csv", ExportAsync).RequireAuthorization(PortalPolicies.ApiRead).WithName("ExportCosts")
            .Produces<string>(StatusCodes.Status200OK, "text/csv").ProducesProblem(StatusCodes.Status400BadRequest);
        costs.MapPost("/ingest", IngestAsync).RequireAuthorization(PortalPolicies.ApiWrite, PortalPolicies.Finance).WithName("IngestCosts")
            .Produces<IngestAccepted>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status403Forbidden);
        return api;
    }

    private static async Task<IResult> SummaryAsync(
        ClaimsPrincipal user, LifecycleActors actors, CostQueries queries, TimeProvider time, string? from, string? to, string? groupBy, CancellationToken cancellationToken)
    {
        CostGroupBy? grouping = (groupBy ?? "team").ToLowerInvariant() switch
        {
            "team" => CostGroupBy.Team,
            "tier" => CostGroupBy.Tier,
            "service" => CostGroupBy.Service,
            "environment" => CostGroupBy.Environment,
            "account" => CostGroupBy.Account,
            _ => null,
        };
        if (grouping is null)
        {
            return BadRequest("groupBy must be team, tier, service, environment or account.");
        }

        var (window, problem) = await WindowAsync(queries, time, from, to, null, null, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var actor = await actors.ForAsync(user, cancellationToken);
        return TypedResults.Ok(await queries.SummaryAsync(actor, window!, grouping.Value, cancellationToken));
    }

    private static async Task<IResult> DailyAsync(
        ClaimsPrincipal user, LifecycleActors actors, CostQueries queries, TimeProvider time, string? from, string? to, string? team, string? environmentId,
        CancellationToken cancellationToken)
    {
        var (window, problem) = await WindowAsync(queries, time, from, to, team, environmentId, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var actor = await actors.ForAsync(user, cancellationToken);
        return TypedResults.Ok(await queries.DailyAsync(actor, window!, cancellationToken));
    }

    /// <summary>Without <c>view</c> (or <c>view=facts</c>): the facts themselves; with a dashboard view, that view's table for the filter.</summary>
    private static async Task<IResult> ExportAsync(
        HttpContext http, LifecycleActors actors, CostQueries queries, CostDashboardQueries dashboards, TimeProvider time, string? from, string? to, string? team,
        string? environmentId, string? view, CancellationToken cancellationToken)
    {
        var user = http.User;
        if (!string.IsNullOrEmpty(view) && view != "facts")
        {
            if (!CostDashboardExport.Views.Contains(view))
            {
                return TypedResults.ValidationProblem(
                    new Dictionary<string, string[]> { ["view"] = [$"view must be facts or one of {string.Join(", ", CostDashboardExport.Views)}."] },
                    title: "The cost filter is not valid.");
            }

            var (filter, invalid) = await CostDashboardEndpoints.FilterAsync(http, dashboards, cancellationToken);
            if (invalid is not null)
            {
                return invalid;
            }

            var table = await CostDashboardExport.ExportAsync(dashboards, view, await actors.ForAsync(user, cancellationToken), filter!, cancellationToken);
            return TypedResults.File(table!.ToBytes(), "text/csv", $"costs-{view}-{filter!.From:yyyy-MM-dd}-{filter.To:yyyy-MM-dd}.csv");
        }

        var (window, problem) = await WindowAsync(queries, time, from, to, team, environmentId, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var actor = await actors.ForAsync(user, cancellationToken);
        var csv = await queries.ExportCsvAsync(actor, window!, cancellationToken);
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv", $"costs-{window!.From:yyyy-MM-dd}-{window.To:yyyy-MM-dd}.csv");
    }

    private static async Task<IResult> IngestAsync(CostIngestionTrigger trigger, CancellationToken cancellationToken)
    {
        await trigger.TriggerNowAsync(cancellationToken);
        return TypedResults.Accepted((string?)null, new IngestAccepted("Cost ingestion was started; each account's run is recorded when it ends."));
    }

    private static async Task<(CostWindow? Window, IResult? Problem)> WindowAsync(
        CostQueries queries, TimeProvider time, string? from, string? to, string? team, string? environmentId, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (!TryDate(from, new DateOnly(today.Year, today.Month, 1), out var start) || !TryDate(to, today, out var end))
        {
            return (null, BadRequest("from and to must be dates (yyyy-MM-dd)."));
        }

        if (start > end)
        {
            return (null, BadRequest($"from ({start:yyyy-MM-dd}) is after to ({end:yyyy-MM-dd})."));
        }

        if (end.DayNumber - start.DayNumber + 1 > MaxDays)
        {
            return (null, BadRequest($"The window is at most {MaxDays} days."));
        }

        Guid? environment = null;
        if (!string.IsNullOrWhiteSpace(environmentId))
        {
            if (!Guid.TryParse(environmentId, out var id))
            {
                return (null, BadRequest("environmentId must be an environment's id (a GUID)."));
            }

            environment = id;
        }

        Guid? teamId = null;
        if (!string.IsNullOrWhiteSpace(team))
        {
            teamId = await queries.FindTeamAsync(team, cancellationToken);
            if (teamId is null)
            {
                return (null, BadRequest($"There is no team '{team}'."));
            }
        }

        return (new CostWindow(start, end, teamId, environment), null);
    }

    private static bool TryDate(string? value, DateOnly fallback, out DateOnly date)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            date = fallback;
            return true;
        }

        return DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: detail);
}

/// <summary><c>POST /api/v1/costs/ingest</c>'s answer (202 Accepted).</summary>
public sealed record IngestAccepted(string Message);
