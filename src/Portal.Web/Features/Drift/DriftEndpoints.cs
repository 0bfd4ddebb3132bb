using Portal.Provisioning.Drift;
using Portal.Web.Features.Lifecycle;
using Portal.Web.Hosting;
using Portal.Web.Security;

namespace Portal.Web.Features.Drift;

/// <summary>
/// Drift and out-of-band changes: an environment's drift (<c>GET .../drift</c>), a detection now (<c>POST .../drift</c>, the
/// team or a platform engineer; 202, started by the drift job within the per-account cap), accepting a change made outside
/// the portal (<c>POST .../accept-change</c>, platform engineers), and the fleet view (<c>GET /api/v1/drift?page=&amp;pageSize=</c>,
/// platform engineers and admins; the figures and groups cover the whole fleet, the environments are one page).
/// </summary>
public static class DriftEndpoints
{
    public static RouteGroupBuilder MapDriftEndpoints(this RouteGroupBuilder api)
    {
        var read = api.MapGroup("/environments").RequireAuthorization(PortalPolicies.ApiRead);
        read.MapGet("/{id:guid}/drift", GetAsync).WithName("GetEnvironmentDrift")
            .Produces<EnvironmentDriftView>().ProducesProblem(StatusCodes.Status404NotFound);

        var write = api.MapGroup("/environments").RequireAuthorization(PortalPolicies.ApiWrite);
        write.MapPost("/{id:guid}/drift", DetectAsync).WithName("DetectEnvironmentDrift")
            .Produces<EnvironmentDriftView>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status404NotFound);

        var approve = api.MapGroup("/environments").RequireAuthorization(PortalPolicies.ApiApprove, PortalPolicies.Approver);
        approve.MapPost("/{id:guid}/accept-change", AcceptAsync).WithName("AcceptOutOfBandChange")
            .Produces<EnvironmentDriftView>().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/drift", FleetAsync).RequireAuthorization(PortalPolicies.ApiRead, PortalPolicies.PlatformEngineer).WithName("GetDriftFleet")
            .Produces<DriftFleet>().Produces<FieldProblem>(StatusCodes.Status422UnprocessableEntity, "application/problem+json");
        return api;
    }

    private static async Task<IResult> GetAsync(Guid id, HttpContext http, LifecycleActors actors, DriftDetector drift, CancellationToken cancellationToken)
    {
        var actor = await actors.ForAsync(http.User, cancellationToken);
        return await LifecycleProblems.RunAsync(() => drift.GetAsync(actor, id, cancellationToken), view => TypedResults.Ok(view));
    }

    private static async Task<IResult> DetectAsync(
        Guid id, HttpContext http, LifecycleActors actors, DriftDetector drift, DriftDetectionTrigger trigger, CancellationToken cancellationToken)
    {
        var actor = await actors.ForAsync(http.User, cancellationToken);
        return await LifecycleProblems.RunAsync(
            async () =>
            {
                var view = await drift.RequestAsync(actor, id, cancellationToken);
                trigger.TriggerNow();
                return view;
            },
            view => TypedResults.Accepted($"/api/v1/environments/{id}/drift", view));
    }

    private static async Task<IResult> AcceptAsync(Guid id, HttpContext http, LifecycleActors actors, DriftDetector drift, CancellationToken cancellationToken)
    {
        var actor = await actors.ForAsync(http.User, cancellationToken);
        return await LifecycleProblems.RunAsync(
            async () =>
            {
                await drift.AcceptOutOfBandChangeAsync(actor, id, cancellationToken);
                return await drift.GetAsync(actor, id, cancellationToken);
            },
            view => TypedResults.Ok(view));
    }

    private static async Task<IResult> FleetAsync(DriftFleetQueries fleet, CancellationToken cancellationToken, int? page = null, int? pageSize = null) =>
        FleetPaging.TryParse(page, pageSize, DriftFleetQueries.DefaultPageSize, DriftFleetQueries.MaxPageSize, out var paging, out var problem)
            ? TypedResults.Ok(await fleet.GetAsync(paging, cancellationToken))
            : problem!;
}
