using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Web.Hosting;

namespace Portal.Web.Features.Drift;

/// <summary>
/// <c>page</c> and <c>pageSize</c> of the fleet lists (the drift fleet, campaigns and a campaign's environments), checked as
/// the environment list checks them: page from 1, size from 1 to the list's maximum; a bad value is a 422 per field.
/// </summary>
public readonly record struct FleetPaging(int Page, int PageSize)
{
    public int Skip => (Page - 1) * PageSize;

    public static bool TryParse(int? page, int? pageSize, int defaultSize, int maxSize, out FleetPaging paging, out JsonHttpResult<FieldProblem>? problem)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (page is < 1)
        {
            errors["page"] = ["Page starts at 1."];
        }

        if (pageSize is { } size && (size < 1 || size > maxSize))
        {
            errors["pageSize"] = [$"Page size must be between 1 and {maxSize}."];
        }

        paging = new FleetPaging(page ?? 1, pageSize ?? defaultSize);
        problem = errors.Count > 0 ? FieldProblem.UnprocessableEntity("The query's values are not valid.", errors) : null;
        return problem is null;
    }
}
