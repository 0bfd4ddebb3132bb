using Portal.Web.Features.Environments;
using Portal.Web.Features.Requests;

namespace Portal.Web.Features.Live;

/// <summary>
/// Decides, for the requests list and the approval queue, whether a changed request row is swapped in place, ignored or means a
/// reload of the page shown — reload only when membership or order of the page can change. In doubt (orders the database's
/// collation decides, ties), it reloads.
/// </summary>
public static class RequestsLiveList
{
    public static LiveRowAction Decide(
        IReadOnlyList<RequestSummary> shown, bool firstPage, int pageSize, Func<RequestSummary, bool> matches, RequestSort sortBy, bool descending,
        Guid id, RequestSummary? row)
    {
        ArgumentNullException.ThrowIfNull(shown);
        ArgumentNullException.ThrowIfNull(matches);
        var index = IndexOf(shown, id);
        var match = row is not null && matches(row);
        if (index >= 0)
        {
            return match && SameSortKey(sortBy, shown[index], row!) ? LiveRowAction.Replace : LiveRowAction.Reload;
        }

        if (!match)
        {
            return LiveRowAction.Ignore;
        }

        if (shown.Count == 0)
        {
            return firstPage ? LiveRowAction.Reload : LiveRowAction.Ignore;
        }

        if (sortBy != RequestSort.Created)
        {
            return LiveRowAction.Reload;
        }

        // By creation (ids are time-ordered): does the row fall inside the page's range?
        var afterFirst = firstPage || Compare(row!, shown[0], descending) is null or > 0;
        var beforeLast = shown.Count < pageSize || Compare(row!, shown[^1], descending) is null or < 0;
        return afterFirst && beforeLast ? LiveRowAction.Reload : LiveRowAction.Ignore;
    }

    public static int IndexOf(IReadOnlyList<RequestSummary> shown, Guid id)
    {
        ArgumentNullException.ThrowIfNull(shown);
        for (var i = 0; i < shown.Count; i++)
        {
            if (shown[i].Id == id)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool SameSortKey(RequestSort sortBy, RequestSummary before, RequestSummary now) => sortBy switch
    {
        RequestSort.Created => true, // the id does not change
        RequestSort.Environment => before.EnvironmentName == now.EnvironmentName,
        RequestSort.Status => before.Status == now.Status,
        RequestSort.Tier => before.Tier == now.Tier,
        _ => false,
    };

    // Negative: a lists before b; null: only the database can say (same creation time).
    private static int? Compare(RequestSummary a, RequestSummary b, bool descending)
    {
        var order = a.CreatedAt.CompareTo(b.CreatedAt);
        return order == 0 ? null : descending ? -order : order;
    }
}
