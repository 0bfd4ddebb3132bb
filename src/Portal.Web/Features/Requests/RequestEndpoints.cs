using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Lifecycle;
using Portal.Web.Security;

namespace Portal.Web.Features.Requests;

/// <summary>
/// <c>/api/v1/requests</c>: submit (create, update, destroy, extend), list and read requests, and decide on them.
/// Errors go through <see cref="LifecycleProblems"/>: 422 per field, 403, 404 (also for another team's request), 409.
/// </summary>
public static class RequestEndpoints
{
    public static RouteGroupBuilder MapRequestEndpoints(this RouteGroupBuilder api)
    {
        var requests = api.MapGroup("/requests");
        requests.MapPost("/", SubmitAsync).RequireAuthorization(PortalPolicies.ApiWrite).WithName("SubmitRequest")
            .Produces<RequestOutcomeResponse>(StatusCodes.Status201Created).ProducesLifecycleProblems();
        requests.MapGet("/", ListAsync).RequireAuthorization(PortalPolicies.ApiRead).WithName("ListRequests")
            .Produces<RequestList>().ProducesProblem(StatusCodes.Status400BadRequest);
        requests.MapGet("/{id:guid}", GetAsync).RequireAuthorization(PortalPolicies.ApiRead).WithName("GetRequest")
            .Produces<RequestView>().ProducesProblem(StatusCodes.Status404NotFound);
        requests.MapPost("/{id:guid}/approve", ApproveAsync).RequireAuthorization(PortalPolicies.ApiApprove, PortalPolicies.Approver).WithName("ApproveRequest")
            .Produces<RequestOutcomeResponse>().ProducesLifecycleProblems();
        requests.MapPost("/{id:guid}/reject", RejectAsync).RequireAuthorization(PortalPolicies.ApiApprove, PortalPolicies.Approver).WithName("RejectRequest")
            .Produces<RequestOutcomeResponse>().ProducesLifecycleProblems();
        requests.MapPost("/{id:guid}/cancel", CancelAsync).RequireAuthorization(PortalPolicies.ApiWrite).WithName("CancelRequest")
            .Produces<RequestOutcomeResponse>().ProducesLifecycleProblems();
        return api;
    }

    private static async Task<IResult> SubmitAsync(
        SubmitRequest request, ClaimsPrincipal user, LifecycleActors actors, RequestWorkflow workflow, CancellationToken cancellationToken)
    {
        // The body is the lifecycle's own contract (kind, template, tier, region, team, name, parameters, ttlHours, justification, environmentId).
        var actor = await actors.ForAsync(user, cancellationToken);
        return await LifecycleProblems.RunAsync(
            () => workflow.SubmitAsync(actor, request, cancellationToken),
            outcome => TypedResults.Created($"/api/v1/requests/{outcome.Id}", RequestOutcomeResponse.From(outcome)));
    }

    private static async Task<IResult> ListAsync(
        ClaimsPrincipal user,
        LifecycleActors actors,
        RequestQueries queries,
        string? status,
        string? team,
        string? kind,
        int? page,
        int? pageSize,
        CancellationToken cancellationToken)
    {
        RequestStatus? statusFilter = null;
        if (!string.IsNullOrWhiteSpace(status))
        {
            if (!Enum.TryParse<RequestStatus>(status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                return BadRequest($"status must be one of {string.Join(", ", Enum.GetNames<RequestStatus>())}.");
            }

            statusFilter = parsed;
        }

        RequestKind? kindFilter = null;
        if (!string.IsNullOrWhiteSpace(kind))
        {
            if (!RequestQueries.TryParseKind(kind, out var parsed))
            {
                return BadRequest("kind must be create, update, destroy or extend.");
            }

            kindFilter = parsed;
        }

        if (page is < 1 || pageSize is < 1 or > RequestQueries.MaxPageSize)
        {
            return BadRequest($"page counts from 1; pageSize is 1 to {RequestQueries.MaxPageSize}.");
        }

        var actor = await actors.ForAsync(user, cancellationToken);
        var result = await queries.ListAsync(actor, new RequestFilter(statusFilter, team, kindFilter, null, page ?? 1, pageSize ?? 20), cancellationToken);
        return TypedResults.Ok(result);
    }

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, LifecycleActors actors, RequestQueries queries, CancellationToken cancellationToken)
    {
        var actor = await actors.ForAsync(user, cancellationToken);
        return await LifecycleProblems.RunAsync(() => queries.GetAsync(actor, id, cancellationToken), view => TypedResults.Ok(view));
    }

    private static async Task<IResult> ApproveAsync(
        Guid id, DecisionBody? body, ClaimsPrincipal user, LifecycleActors actors, RequestWorkflow workflow, CancellationToken cancellationToken)
    {
        var actor = await actors.ForAsync(user, cancellationToken);
        return await LifecycleProblems.RunAsync(
            () => workflow.ApproveAsync(actor, id, body?.Comment, cancellationToken),
            outcome => TypedResults.Ok(RequestOutcomeResponse.From(outcome)));
    }

    private static async Task<IResult> RejectAsync(
        Guid id, DecisionBody? body, ClaimsPrincipal user, LifecycleActors actors, RequestWorkflow workflow, CancellationToken cancellationToken)
    {
        var actor = await actors.ForAsync(user, cancellationToken);
        return await LifecycleProblems.RunAsync(
            () => workflow.RejectAsync(actor, id, body?.Comment, cancellationToken),
            outcome => TypedResults.Ok(RequestOutcomeResponse.From(outcome)));
    }

    private static async Task<IResult> CancelAsync(Guid id, ClaimsPrincipal user, LifecycleActors actors, RequestWorkflow workflow, CancellationToken cancellationToken)
    {
        var actor = await actors.ForAsync(user, cancellationToken);
        return await LifecycleProblems.RunAsync(
            () => workflow.CancelAsync(actor, id, cancellationToken),
            outcome => TypedResults.Ok(RequestOutcomeResponse.From(outcome)));
    }

    // The handlers return IResult (LifecycleProblems picks the status), so OpenAPI learns the outcomes from here.
    private static RouteHandlerBuilder ProducesLifecycleProblems(this RouteHandlerBuilder builder) => builder
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .Produces<Hosting.FieldProblem>(StatusCodes.Status422UnprocessableEntity, "application/problem+json");

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: detail);
}

public sealed record DecisionBody(string? Comment);

/// <summary>Where a request stands after a submit or decision: its status, the policy's decision and why, its environment.</summary>
public sealed record RequestOutcomeResponse(
    Guid Id, string Kind, RequestStatus Status, DecisionSummary Decision, Guid? EnvironmentId, int Approvals, int ApprovalsRequired)
{
    public static RequestOutcomeResponse From(RequestOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return new(outcome.Id, RequestQueries.KindName(outcome.Kind), outcome.Status, new DecisionSummary(outcome.Outcome, outcome.Reason),
            outcome.EnvironmentId, outcome.Approvals, outcome.ApprovalsRequired);
    }
}
