using System.Security.Claims;
using Portal.Provisioning.Campaigns;
using Portal.Provisioning.Catalog;
using Portal.Web.Features.Drift;
using Portal.Web.Features.Lifecycle;
using Portal.Web.Security;

namespace Portal.Web.Features.Campaigns;

/// <summary>
/// <c>/api/v1/campaigns</c> (platform engineers and admins): create a campaign (its preview is prepared in the background),
/// read it with its fleet-wide preview and progress, start, pause, resume, cancel. The list is paged (<c>page</c>,
/// <c>pageSize</c>, as the environment list), and so are a campaign's environments (the totals cover all of them). And the stored versions of a template,
/// <c>/api/v1/templates/{slug}/versions</c>. Errors: 422 per field, 404, 409 for a move the campaign's state forbids.
/// </summary>
public static class CampaignEndpoints
{
    public static RouteGroupBuilder MapCampaignEndpoints(this RouteGroupBuilder api)
    {
        var campaigns = api.MapGroup("/campaigns");
        campaigns.MapGet("/", ListAsync).RequireAuthorization(PortalPolicies.ApiRead, PortalPolicies.PlatformEngineer).WithName("ListCampaigns")
            .Produces<CampaignListResponse>().Produces<Hosting.FieldProblem>(StatusCodes.Status422UnprocessableEntity, "application/problem+json");
        campaigns.MapPost("/", CreateAsync).RequireAuthorization(PortalPolicies.ApiWrite, PortalPolicies.PlatformEngineer).WithName("CreateCampaign")
            .Produces<CampaignDetail>(StatusCodes.Status201Created).ProducesLifecycleProblems();
        campaigns.MapGet("/{id:guid}", GetAsync).RequireAuthorization(PortalPolicies.ApiRead, PortalPolicies.PlatformEngineer).WithName("GetCampaign")
            .Produces<CampaignDetail>().ProducesProblem(StatusCodes.Status404NotFound).Produces<Hosting.FieldProblem>(StatusCodes.Status422UnprocessableEntity, "application/problem+json");
        foreach (var action in new[] { "start", "pause", "resume", "cancel" })
        {
            campaigns.MapPost($"/{{id:guid}}/{action}", (Guid id, ClaimsPrincipal user, CampaignRunner runner, CampaignQueries queries, CancellationToken ct) =>
                    ChangeAsync(action, id, user, runner, queries, ct))
                .RequireAuthorization(PortalPolicies.ApiWrite, PortalPolicies.PlatformEngineer)
                .WithName($"{char.ToUpperInvariant(action[0])}{action[1..]}Campaign")
                .Produces<CampaignDetail>().ProducesLifecycleProblems();
        }

        api.MapGet("/templates/{slug}/versions", VersionsAsync).RequireAuthorization(PortalPolicies.ApiRead).WithName("ListTemplateVersions")
            .Produces<IReadOnlyList<StoredTemplateVersion>>();
        return api;
    }

    /// <summary>The caller as a campaign's actor.</summary>
    public static CampaignActor Actor(ClaimsPrincipal user) =>
        new(user.UserId() ?? throw new InvalidOperationException("The caller is not signed in."), user.Email());

    private static async Task<IResult> ListAsync(CampaignQueries queries, CancellationToken cancellationToken, int? page = null, int? pageSize = null)
    {
        if (!FleetPaging.TryParse(page, pageSize, CampaignQueries.DefaultPageSize, CampaignQueries.MaxPageSize, out var paging, out var problem))
        {
            return problem!;
        }

        var list = await queries.ListAsync(paging.Skip, paging.PageSize, cancellationToken);
        return TypedResults.Ok(new CampaignListResponse(list.Items, list.Total, paging.Page, paging.PageSize));
    }

    private static async Task<IResult> CreateAsync(NewCampaign request, ClaimsPrincipal user, CampaignPlanner planner, CampaignQueries queries, CancellationToken cancellationToken) =>
        await LifecycleProblems.RunAsync(
            async () => (await queries.GetAsync(await planner.CreateAsync(Actor(user), request, cancellationToken), cancellationToken))!,
            detail => TypedResults.Created($"/api/v1/campaigns/{detail.Id}", detail));

    private static async Task<IResult> GetAsync(Guid id, CampaignQueries queries, CancellationToken cancellationToken, int? page = null, int? pageSize = null)
    {
        if (!FleetPaging.TryParse(page, pageSize, CampaignQueries.DefaultTargetPageSize, CampaignQueries.MaxTargetPageSize, out var paging, out var problem))
        {
            return problem!;
        }

        return await queries.GetAsync(id, cancellationToken, paging.Skip, paging.PageSize) is { } detail ? TypedResults.Ok(detail) : NotFound(id);
    }

    private static async Task<IResult> ChangeAsync(string action, Guid id, ClaimsPrincipal user, CampaignRunner runner, CampaignQueries queries, CancellationToken cancellationToken)
    {
        var actor = Actor(user);
        return await LifecycleProblems.RunAsync(
            async () =>
            {
                await (action switch
                {
                    "start" => runner.StartAsync(actor, id, cancellationToken),
                    "pause" => runner.PauseAsync(actor, id, cancellationToken),
                    "resume" => runner.ResumeAsync(actor, id, cancellationToken),
                    _ => runner.CancelAsync(actor, id, cancellationToken),
                });
                return (await queries.GetAsync(id, cancellationToken))!;
            },
            detail => TypedResults.Ok(detail));
    }

    private static async Task<IResult> VersionsAsync(string slug, TemplateVersionArchive archive, CancellationToken cancellationToken) =>
        TypedResults.Ok(await archive.VersionsAsync(slug, cancellationToken));

    private static RouteHandlerBuilder ProducesLifecycleProblems(this RouteHandlerBuilder builder) => builder
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .Produces<Hosting.FieldProblem>(StatusCodes.Status422UnprocessableEntity, "application/problem+json");

    private static IResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"There is no campaign {id}.");
}
