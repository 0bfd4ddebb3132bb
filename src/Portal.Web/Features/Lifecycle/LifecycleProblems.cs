using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Hosting;

namespace Portal.Web.Features.Lifecycle;

/// <summary>
/// One mapping from the lifecycle services' errors to HTTP problem details and to form field errors, shared by the
/// request, approval and environment endpoints and pages: validation → 422 (per field), forbidden → 403,
/// not found (or not visible) → 404, conflict or illegal transition → 409.
/// </summary>
public static class LifecycleProblems
{
    /// <summary>Runs a lifecycle call and turns its known errors into problem details; anything else propagates (a bug, a 500).</summary>
    public static async Task<IResult> RunAsync<T>(Func<Task<T>> call, Func<T, IResult> success)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(success);
        try
        {
            return success(await call());
        }
        catch (Exception e) when (ToProblem(e) is { } problem)
        {
            return problem;
        }
    }

    /// <summary>The problem result for a lifecycle error, or null when the exception is not one.</summary>
    public static IResult? ToProblem(Exception exception) => exception switch
    {
        DomainValidationException v => FieldProblem.UnprocessableEntity("The request's values are not valid.", FieldErrors(v)),
        DecisionForbiddenException f => Problem(StatusCodes.Status403Forbidden, "Forbidden", f.Message),
        LifecycleNotFoundException n => Problem(StatusCodes.Status404NotFound, "Not found", n.Message),
        LifecycleConflictException c => Problem(StatusCodes.Status409Conflict, "Conflict", c.Message),
        InvalidTransitionException t => Problem(StatusCodes.Status409Conflict, "Conflict", t.Message),
        StackNotFoundException s => Problem(StatusCodes.Status409Conflict, "Conflict", StackGone(s)),
        _ => null,
    };

    // A state of AWS is never a 500: a stack CloudFormation no longer knows was deleted outside the portal.
    private static string StackGone(StackNotFoundException exception) =>
        $"The CloudFormation stack no longer exists in AWS ({exception.ErrorMessage}): it was deleted outside the portal.";

    /// <summary>Field errors keyed the way the API spells its fields (camelCase: <c>comment</c>, <c>ttlHours</c>); template parameter names stay as spelled.</summary>
    public static IReadOnlyDictionary<string, string[]> FieldErrors(DomainValidationException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Errors
            .GroupBy(e => FieldName(e.Key), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Value).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>A message for a page (toast or inline) for any lifecycle error; null when the exception is not one.</summary>
    public static string? Message(Exception exception) => exception switch
    {
        DomainValidationException v => string.Join(" ", v.Errors.Values),
        DecisionForbiddenException or LifecycleNotFoundException or LifecycleConflictException or InvalidTransitionException => exception.Message,
        StackNotFoundException s => StackGone(s),
        _ => null,
    };

    private static string FieldName(string key) => key switch
    {
        "EnvironmentName" => "name",
        "TtlDays" or "TtlHours" => "ttlHours",
        "Comment" => "comment",
        "Tier" => "tier",
        "Region" => "region",
        "Team" => "team",
        "Justification" => "justification",
        "Kind" => "kind",
        "Template" or "TemplateSlug" => "template",
        _ => key,
    };

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
