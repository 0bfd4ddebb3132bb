using System.Globalization;
using System.Security.Claims;
using Portal.Data.Entities;
using Portal.Web.Security;

namespace Portal.Web.Features.Costs.Budgets;

/// <summary>
/// <c>GET /api/v1/budgets</c> (this month's budget, actual, forecast and alert state per visible team, plus the organisation
/// line for finance, platform engineers and admins), <c>PUT /api/v1/budgets/{team}</c> (finance, admin; <c>{team}</c> is a
/// team slug or <c>_organisation</c>), <c>GET /api/v1/costs/anomalies</c> and
/// <c>POST /api/v1/costs/anomalies/{id}/acknowledge</c> (finance, admin or a member of the anomaly's team).
/// </summary>
public static class BudgetEndpoints
{
    /// <summary>Default anomaly window: the last 90 days.</summary>
    public const int DefaultAnomalyDays = 90;

    public static RouteGroupBuilder MapBudgetEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/budgets", ReadAsync).RequireAuthorization(PortalPolicies.ApiRead).WithName("GetBudgets")
            .Produces<BudgetOverview>();
        api.MapPut("/budgets/{team}", SetAsync).RequireAuthorization(PortalPolicies.ApiWrite, PortalPolicies.Finance).WithName("SetBudget")
            .Produces<BudgetLine>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/costs/anomalies", AnomaliesAsync).RequireAuthorization(PortalPolicies.ApiRead).WithName("ListCostAnomalies")
            .Produces<AnomalyList>().ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapPost("/costs/anomalies/{id:guid}/acknowledge", AcknowledgeAsync).RequireAuthorization(PortalPolicies.ApiWrite).WithName("AcknowledgeCostAnomaly")
            .Produces<AnomalyItem>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static async Task<IResult> ReadAsync(ClaimsPrincipal user, LifecycleActors actors, BudgetService budgets, CancellationToken cancellationToken) =>
        TypedResults.Ok(await budgets.ReadAsync(await actors.ForAsync(user, cancellationToken), cancellationToken));

    private static async Task<IResult> SetAsync(
        string team, BudgetUpdate? body, ClaimsPrincipal user, LifecycleActors actors, BudgetService budgets, CancellationToken cancellationToken)
    {
        if (body?.MonthlyUsd is not { } amount)
        {
            return Invalid("monthlyUsd", "monthlyUsd is required: the monthly budget in USD (0 or more).");
        }

        return await RunAsync(async () => TypedResults.Ok(await budgets.SetAsync(await actors.ForAsync(user, cancellationToken), team, amount, cancellationToken)));
    }

    private static async Task<IResult> AnomaliesAsync(
        ClaimsPrincipal user, LifecycleActors actors, BudgetService budgets, CostQueries costs, TimeProvider time,
        string? from, string? to, string? team, string? acknowledged, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (!TryDate(from, today.AddDays(-DefaultAnomalyDays), out var start) || !TryDate(to, today, out var end))
        {
            return BadRequest("from and to must be dates (yyyy-MM-dd).");
        }

        if (start > end)
        {
            return BadRequest($"from ({start:yyyy-MM-dd}) is after to ({end:yyyy-MM-dd}).");
        }

        if (end.DayNumber - start.DayNumber + 1 > CostEndpoints.MaxDays)
        {
            return BadRequest($"The window is at most {CostEndpoints.MaxDays} days.");
        }

        bool? acknowledgedFilter = acknowledged?.Trim().ToLowerInvariant() switch
        {
            null or "" => null,
            "true" => true,
            "false" => false,
            _ => default(bool?),
        };
        if (acknowledgedFilter is null && !string.IsNullOrWhiteSpace(acknowledged))
        {
            return BadRequest("acknowledged must be true or false.");
        }

        Guid? teamId = null;
        if (!string.IsNullOrWhiteSpace(team))
        {
            teamId = await costs.FindTeamAsync(team, cancellationToken);
            if (teamId is null)
            {
                return BadRequest($"There is no team '{team}'.");
            }
        }

        var actor = await actors.ForAsync(user, cancellationToken);
        return TypedResults.Ok(new AnomalyList(await budgets.AnomaliesAsync(actor, new AnomalyFilter(start, end, teamId, acknowledgedFilter), cancellationToken)));
    }

    private static async Task<IResult> AcknowledgeAsync(
        Guid id, AnomalyAcknowledge? body, ClaimsPrincipal user, LifecycleActors actors, BudgetService budgets, CancellationToken cancellationToken)
    {
        var financeOrAdmin = user.IsInRole(PortalRoles.Finance) || user.IsInRole(PortalRoles.Admin);
        return await RunAsync(async () =>
            TypedResults.Ok(await budgets.AcknowledgeAsync(await actors.ForAsync(user, cancellationToken), financeOrAdmin, id, body?.Note, cancellationToken)));
    }

    private static async Task<IResult> RunAsync(Func<Task<IResult>> call)
    {
        try
        {
            return await call();
        }
        catch (DomainValidationException e)
        {
            return TypedResults.ValidationProblem(
                e.Errors.ToDictionary(x => x.Key, x => new[] { x.Value }), detail: string.Join(" ", e.Errors.Values), title: "The request's values are not valid.");
        }
        catch (CostNotFoundException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: e.Message);
        }
        catch (CostForbiddenException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: e.Message);
        }
        catch (CostConflictException e)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: e.Message);
        }
    }

    private static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message, title: "The request's values are not valid.");

    private static bool TryDate(string? value, DateOnly fallback, out DateOnly date)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            date = fallback;
            return true;
        }

        return DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    private static IResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: detail);
}

/// <summary><c>GET /api/v1/costs/anomalies</c>: newest day first (at most 1,000).</summary>
public sealed record AnomalyList(IReadOnlyList<AnomalyItem> Anomalies);
