using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Sandbox.CloudFormation;
using Portal.Web.Security;

namespace Portal.Web.Features.Drift;

/// <summary>
/// Sandbox mode only, admins only: change an environment's stack "by hand", outside CloudFormation and the portal, so drift
/// and out-of-band changes can be shown and tested for real. <c>POST /api/v1/sandbox/environments/{id}/resource-change</c>
/// sets a resource's actual properties (<c>{"logicalResourceId": "Bucket", "properties": {"VersioningConfiguration": null}}</c>;
/// null removes one) or deletes it (<c>"deleteResource": true</c>); <c>POST .../stack-delete</c> deletes the stack. Audited.
/// </summary>
public static class SandboxDriftEndpoints
{
    public static RouteGroupBuilder MapSandboxDriftEndpoints(this RouteGroupBuilder api, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetRequiredService<IOptions<AwsOptions>>().Value.Mode != AwsMode.Sandbox)
        {
            return api;
        }

        var group = api.MapGroup("/sandbox/environments").RequireAuthorization(PortalPolicies.ApiWrite, PortalPolicies.Admin);
        group.MapPost("/{id:guid}/resource-change", ChangeResourceAsync).WithName("SandboxChangeResourceByHand");
        group.MapPost("/{id:guid}/stack-delete", DeleteStackAsync).WithName("SandboxDeleteStackByHand");
        return api;
    }

    private static async Task<IResult> ChangeResourceAsync(
        Guid id, ResourceChangeByHand body, HttpContext http, IDbContextFactory<PortalDbContext> contextFactory, ISandboxDrift sandbox,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(body.LogicalResourceId) || body.LogicalResourceId.Length > 255)
        {
            errors["logicalResourceId"] = ["Name the resource (its logical id in the template)."];
        }

        if (body.DeleteResource != true && body.Properties is not { Count: > 0 })
        {
            errors["properties"] = ["Give the properties to change (a JSON object; null removes one), or deleteResource: true."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var environment = await FindAsync(contextFactory, id, cancellationToken);
        if (environment is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"There is no environment {id} with a stack.");
        }

        try
        {
            if (body.DeleteResource == true)
            {
                sandbox.DeleteResourceByHand(environment.AccountId, environment.Region, environment.StackId!, body.LogicalResourceId!);
            }
            else
            {
                sandbox.ChangeResourceByHand(environment.AccountId, environment.Region, environment.StackId!, body.LogicalResourceId!, body.Properties!);
            }
        }
        catch (KeyNotFoundException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["logicalResourceId"] = [e.Message] });
        }

        await AuditAsync(contextFactory, http, environment, "sandbox.resource-changed-by-hand", new { body.LogicalResourceId, Deleted = body.DeleteResource == true, Properties = body.Properties?.Select(p => p.Key) }, time, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> DeleteStackAsync(
        Guid id, HttpContext http, IDbContextFactory<PortalDbContext> contextFactory, ISandboxDrift sandbox, TimeProvider time, CancellationToken cancellationToken)
    {
        var environment = await FindAsync(contextFactory, id, cancellationToken);
        if (environment is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"There is no environment {id} with a stack.");
        }

        try
        {
            sandbox.DeleteStackByHand(environment.AccountId, environment.Region, environment.StackId!);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: e.Message);
        }

        await AuditAsync(contextFactory, http, environment, "sandbox.stack-deleted-by-hand", new { environment.StackName }, time, cancellationToken);
        return TypedResults.Accepted($"/api/v1/environments/{id}");
    }

    private static async Task<PortalEnvironment?> FindAsync(IDbContextFactory<PortalDbContext> contextFactory, Guid id, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.Environments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == id && e.StackId != null, cancellationToken);
    }

    private static async Task AuditAsync(
        IDbContextFactory<PortalDbContext> contextFactory, HttpContext http, PortalEnvironment environment, string action, object detail, TimeProvider time, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        db.Audit(time.GetUtcNow(), new AuditActor(http.User.UserId(), http.User.Identity?.Name ?? "admin"), action, PortalEnvironment.AuditTargetType, environment.Id.ToString(), detail);
        await db.SaveChangesAsync(cancellationToken);
    }
}

/// <summary>A change made by hand to one resource: properties set (null removes one), or the resource deleted.</summary>
public sealed record ResourceChangeByHand(string? LogicalResourceId, JsonObject? Properties, bool? DeleteResource);
