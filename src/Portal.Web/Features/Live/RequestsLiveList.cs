using Portal.Web.Features.Requests;

namespace Portal.Web.Features.Live;

/// <summary>What the requests list or the approval queue does with a changed request row.</summary>
public enum RequestRowAction
{
    /// <summary>The change does not touch the page shown.</summary>
    Ignore,

    /// <summary>The row is on the page and stays where it is: swap it in place (no query).</summary>
    Replace,

    /// <summary>The row joins the page at <see cref="RequestRowDecision.Index"/> (no query): the last row moves on if the page was full.</summary>
    Insert,

    /// <summary>The row leaves the page from <see cref="RequestRowDecision.Index"/> (no query): the page shows one row fewer until its next load.</summary>
    Remove,

    /// <summary>Only the database can say where the row goes (another sort, ties): read the page again.</summary>
    Reload,
}

/// <summary>A decision of <see cref="RequestsLiveList.Decide"/>: the action and, for Replace, Insert and Remove, the row's index.</summary>
public readonly record struct RequestRowDecision(RequestRowAction Action, int Index = -1);

/// <summary>
/// Decides, for the requests list and the approval queue, what a changed request row does to the page shown: swapped in place,
/// inserted (a new row in a page ordered by creation), removed (it no longer matches), ignored, or — only where order needs the
/// database (orders its collation decides, ties in creation time) — a reload. <see cref="Apply{T}"/> does it to the shown rows.
/// </summary>
public static class RequestsLiveList
{
    public static RequestRowDecision Decide(
        IReadOnlyList<RequestSummary> shown, bool firstPage, int pageSize, Func<RequestSummary, bool> matches, RequestSort sortBy, bool descending,
        Guid id, RequestSummary? row)
    {
        ArgumentNullException.ThrowIfNull(shown);
        ArgumentNullException.ThrowIfNull(matches);
        var index = IndexOf(shown, id);
        var match = row is not null && matches(row);
        if (index >= 0)
        {
            return !match ? new(RequestRowAction.Remove, index)
                : SameSortKey(sortBy, shown[index], row!) ? new(RequestRowAction.Replace, index)
                : new(RequestRowAction.Reload);
        }

        if (!match)
        {
            return new(RequestRowAction.Ignore);
        }

        if (shown.Count == 0)
        {
            return firstPage ? new(RequestRowAction.Insert, 0) : new(RequestRowAction.Ignore);
        }

        if (sortBy != RequestSort.Created)
        {
            return new(RequestRowAction.Reload);
        }

        // By creation (ids are time-ordered): where does the row fall? A tie in creation time is the database's to order.
        var at = 0;
        foreach (var other in shown)
        {
            switch (Compare(row!, other, descending))
            {
                case null:
                    return new(RequestRowAction.Reload);
                case > 0:
                    at++;
                    break;
                default:
                    break;
            }
        }

        // Before the first row of a later page: it belongs to an earlier page (this one shifts by one; the next load shows it).
        // After the last row of a full page: it belongs to a later page.
        return (at == 0 && !firstPage) || (at == shown.Count && shown.Count >= pageSize)
            ? new(RequestRowAction.Ignore)
            : new(RequestRowAction.Insert, at);
    }

    /// <summary>
    /// Does <paramref name="decision"/> to the shown rows (<paramref name="row"/> is the changed row as the page shows it) and
    /// returns how the list's total changes (+1 inserted, −1 removed, else 0). Reload and Ignore leave the rows as they are.
    /// </summary>
    public static int Apply<T>(List<T> shown, RequestRowDecision decision, int pageSize, T row)
    {
        ArgumentNullException.ThrowIfNull(shown);
        switch (decision.Action)
        {
            case RequestRowAction.Replace:
                shown[decision.Index] = row;
                return 0;
            case RequestRowAction.Insert:
                shown.Insert(decision.Index, row);
                if (shown.Count > pageSize)
                {
                    shown.RemoveAt(shown.Count - 1);
                }

                return 1;
            case RequestRowAction.Remove:
                shown.RemoveAt(decision.Index);
                return -1;
            case RequestRowAction.Ignore:
            case RequestRowAction.Reload:
            default:
                return 0;
        }
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
