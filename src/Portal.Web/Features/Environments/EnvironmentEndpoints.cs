using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Lifecycle;
using Portal.Web.Hosting;
using Portal.Web.Security;

namespace Portal.Web.Features.Environments;

/// <summary>
/// <c>/api/v1/environments</c>: the environments the caller may see, one environment, its stack events, a long-poll for a
/// status (for CI), and the day-2 actions that need no approval (off-hours schedule, start now, retry of a failed create).
/// Changes that need a request (update, destroy, extend) go through <c>/api/v1/requests</c>.
/// </summary>
public static class EnvironmentEndpoints
{
    public const int DefaultPageSize = 25;
    public const int DefaultEventLimit = 100;
    public const int DefaultWaitSeconds = 60;
    public const int MaxWaitSeconds = 300;

    public static RouteGroupBuilder MapEnvironmentEndpoints(this RouteGroupBuilder api)
    {
        var read = api.MapGroup("/environments").RequireAuthorization(PortalPolicies.ApiRead);
        read.MapGet("/", ListAsync).WithName("ListEnvironments")
            .Produces<EnvironmentListResponse>().ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        read.MapGet("/{id:guid}", GetAsync).WithName("GetEnvironment")
            .Produces<EnvironmentDetail>().ProducesProblem(StatusCodes.Status404NotFound);
        read.MapGet("/{id:guid}/events", EventsAsync).WithName("ListEnvironmentEvents")
            .Produces<StackEventPage>().ProducesProblem(StatusCodes.Status404NotFound);
        read.MapGet("/{id:guid}/wait", WaitAsync).WithName("WaitForEnvironment")
            .Produces<WaitResponse>().ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        var write = api.MapGroup("/environments").RequireAuthorization(PortalPolicies.ApiWrite);
        write.MapPut("/{id:guid}/schedule", ScheduleAsync).WithName("SetEnvironmentSchedule")
            .Produces<EnvironmentDetail>().ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        write.MapPost("/{id:guid}/start", StartAsync).WithName("StartEnvironment")
            .Produces<EnvironmentDetail>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict);
        write.MapPost("/{id:guid}/retry", RetryAsync).WithName("RetryEnvironment")
            .Produces<EnvironmentDetail>(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, LifecycleActors actors, EnvironmentQueries queries, CancellationToken cancellationToken,
        string? team = null, string? tier = null, string? status = null, int? page = null, int? pageSize = null)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        EnvironmentTier? tierFilter = null;
        if (!string.IsNullOrWhiteSpace(tier))
        {
            if (EnvironmentTiers.TryParse(tier, out var parsed))
            {
                tierFilter = parsed;
            }
            else
            {
                errors["tier"] = ["Tier must be dev, staging or prod."];
            }
        }

        EnvironmentStatus? statusFilter = null;
        if (!string.IsNullOrWhiteSpace(status))
        {
            if (TryParseStatus(status, out var parsed))
            {
                statusFilter = parsed;
            }
            else
            {
                errors["status"] = [StatusError];
            }
        }

        if (page is < 1)
        {
            errors["page"] = ["Page starts at 1."];
        }

        if (pageSize is < 1 or > EnvironmentQueries.MaxPageSize)
        {
            errors["pageSize"] = [$"Page size must be between 1 and {EnvironmentQueries.MaxPageSize}."];
        }

        if (errors.Count > 0)
        {
            return FieldProblem.UnprocessableEntity("The query's values are not valid.", errors);
        }

        var size = pageSize ?? DefaultPageSize;
        var number = page ?? 1;
        var actor = await actors.ForAsync(http.User, cancellationToken);
        var result = await queries.ListAsync(actor, new EnvironmentFilter(team, tierFilter, statusFilter), (number - 1) * size, size, cancellationToken);
        return TypedResults.Ok(new EnvironmentListResponse(result.Items, result.Total, number, size));
    }

    private static async Task<IResult> GetAsync(Guid id, HttpContext http, LifecycleActors actors, EnvironmentQueries queries, CancellationToken cancellationToken)
    {
        var actor = await actors.ForAsync(http.User, cancellationToken);
        return await LifecycleProblems.RunAsync(() => queries.GetAsync(actor, id, cancellationToken), TypedResults.Ok);
    }

    private static async Task<IResult> EventsAsync(
        Guid id, HttpContext http, LifecycleActors actors, EnvironmentQueries queries, CancellationToken cancellationToken, Guid? after = null, int? limit = null)
    {
        if (limit is < 1 or > EnvironmentQueries.MaxEventLimit)
        {
            return FieldProblem.UnprocessableEntity("The query's values are not valid.", new Dictionary<string, string[]>
            {
                ["limit"] = [$"Limit must be between 1 and {EnvironmentQueries.MaxEventLimit}."],
            });
        }

        var actor = await actors.ForAsync(http.User, cancellationToken);
        return await LifecycleProblems.RunAsync(() => queries.EventsAsync(actor, id, after, limit ?? DefaultEventLimit, cancellationToken), TypedResults.Ok);
    }

    /// <summary>
    /// Long-poll: 200 <c>reached: true</c> as soon as the environment has the status; 409 problem when it is Failed or
    /// Destroyed instead (it will not get there by itself); 200 <c>reached: false</c> with the current status when the time is
    /// up (default 60 s, at most 300 s) — call again to keep waiting.
    /// </summary>
    private static async Task<IResult> WaitAsync(
        Guid id, HttpContext http, LifecycleActors actors, EnvironmentQueries queries, CancellationToken cancellationToken,
        string? status = null, int? timeoutSeconds = null)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var wanted = EnvironmentStatus.Ready;
        if (status is not null && !TryParseStatus(status, out wanted))
        {
            errors["status"] = [StatusError];
        }

        if (timeoutSeconds is < 0)
        {
            errors["timeoutSeconds"] = [$"Timeout must be between 0 and {MaxWaitSeconds} seconds."];
        }

        if (errors.Count > 0)
        {
            return FieldProblem.UnprocessableEntity("The query's values are not valid.", errors);
        }

        var timeout = TimeSpan.FromSeconds(Math.Min(timeoutSeconds ?? DefaultWaitSeconds, MaxWaitSeconds));
        var actor = await actors.ForAsync(http.User, cancellationToken);
        return await LifecycleProblems.RunAsync(
            () => queries.WaitAsync(actor, id, wanted, timeout, cancellationToken),
            outcome => outcome.Result switch
            {
                WaitResult.Reached => TypedResults.Ok(new WaitResponse(true, outcome.Environment.Status, outcome.Environment)),
                WaitResult.TimedOut => TypedResults.Ok(new WaitResponse(false, outcome.Environment.Status, outcome.Environment)),
                WaitResult.Unreachable => TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: "Conflict",
                    detail: $"{outcome.Environment.Name} is {outcome.Environment.Status} and will not become {wanted} by itself."
                            + (outcome.Environment.FailureReason is { } reason ? $" {reason}" : ""),
                    extensions: new Dictionary<string, object?> { ["environmentStatus"] = outcome.Environment.Status.ToString(), ["wanted"] = wanted.ToString() }),
                _ => throw new InvalidOperationException($"Unknown wait result {outcome.Result}."),
            });
    }

    private static async Task<IResult> ScheduleAsync(
        Guid id, ScheduleBody? body, HttpContext http, LifecycleActors actors, EnvironmentCommands commands, EnvironmentQueries queries, CancellationToken cancellationToken)
    {
        if (body?.OffHours is not { } enabled)
        {
            return FieldProblem.UnprocessableEntity("The request's values are not valid.", new Dictionary<string, string[]>
            {
                ["offHours"] = ["Say whether the environment is stopped off-hours: { \"offHours\": true } or false."],
            });
        }

        var actor = await actors.ForAsync(http.User, cancellationToken);
        return await LifecycleProblems.RunAsync(
            async () =>
            {
                try
                {
                    await commands.SetOffHoursScheduleAsync(actor, id, enabled, cancellationToken);
                }
                catch (DomainValidationException e) when (e.Errors.TryGetValue("offHoursSchedule", out var message))
                {
                    // Name the field as this endpoint's body spells it.
                    throw new DomainValidationException("offHours", message);
                }

                return await queries.GetAsync(actor, id, cancellationToken);
            },
            TypedResults.Ok);
    }

    /// <summary>Starts a stopped environment now (and turns its off-hours schedule off, so it is not stopped again at once): 202, or 409 when it is not stopped.</summary>
    private static async Task<IResult> StartAsync(
        Guid id, HttpContext http, LifecycleActors actors, EnvironmentCommands commands, EnvironmentQueries queries, CancellationToken cancellationToken)
    {
        var actor = await actors.ForAsync(http.User, cancellationToken);
        return await LifecycleProblems.RunAsync(
            async () =>
            {
                await commands.StartAsync(actor, id, cancellationToken);
                return await queries.GetAsync(actor, id, cancellationToken);
            },
            detail => TypedResults.Accepted($"/api/v1/environments/{id}", detail));
    }

    private static async Task<IResult> RetryAsync(
        Guid id, HttpContext http, LifecycleActors actors, EnvironmentCommands commands, EnvironmentQueries queries, CancellationToken cancellationToken)
    {
        var actor = await actors.ForAsync(http.User, cancellationToken);
        return await LifecycleProblems.RunAsync(
            async () =>
            {
                await commands.RetryAsync(actor, id, cancellationToken);
                return await queries.GetAsync(actor, id, cancellationToken);
            },
            detail => TypedResults.Accepted($"/api/v1/environments/{id}", detail));
    }

    private const string StatusError = "Status must be one of Requested, Provisioning, Ready, Updating, Stopping, Stopped, Starting, Failed, Destroying, Destroyed.";

    /// <summary>A status by name, any case; numbers are not names.</summary>
    public static bool TryParseStatus(string? value, out EnvironmentStatus status)
    {
        status = default;
        var text = value?.Trim() ?? "";
        return text.Length > 0 && !char.IsDigit(text[0]) && text[0] != '-' && Enum.TryParse(text, ignoreCase: true, out status) && Enum.IsDefined(status);
    }
}

public sealed record EnvironmentListResponse(IReadOnlyList<EnvironmentSummary> Items, int Total, int Page, int PageSize);

public sealed record WaitResponse(bool Reached, EnvironmentStatus Status, EnvironmentDetail Environment);

public sealed record ScheduleBody(bool? OffHours);
