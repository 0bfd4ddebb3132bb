using Portal.Data.Entities.Lifecycle;

namespace Portal.Web.Features.Environments;

/// <summary>What a live list does with a changed row.</summary>
public enum LiveRowAction
{
    /// <summary>The change does not touch the page shown.</summary>
    Ignore,

    /// <summary>The row is on the page and stays where it is: swap it in place (no query).</summary>
    Replace,

    /// <summary>The change can move rows on the page shown (joins, leaves or moves): read the page again.</summary>
    Reload,
}

/// <summary>
/// Decides, for the environments list, whether a changed row is swapped in place, ignored or means a reload of the page —
/// reload only when membership or order on the shown page can change. In doubt (sort keys compared differently by the
/// database's collation, ties), it reloads.
/// </summary>
public static class EnvironmentsLiveList
{
    public static LiveRowAction Decide(
        IReadOnlyList<EnvironmentSummary> shown, bool firstPage, int pageSize, EnvironmentFilter filter, EnvironmentOrder order, Guid id, EnvironmentSummary? row)
    {
        ArgumentNullException.ThrowIfNull(shown);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(order);
        if (id == Guid.Empty)
        {
            return LiveRowAction.Reload;
        }

        var index = IndexOf(shown, id);
        var matches = row is not null && Matches(filter, row);
        if (index >= 0)
        {
            return matches && SameSortKey(order, shown[index], row!) ? LiveRowAction.Replace : LiveRowAction.Reload;
        }

        if (!matches)
        {
            return LiveRowAction.Ignore;
        }

        // Not shown but would be listed: does it fall inside the page's range?
        if (shown.Count == 0)
        {
            return firstPage ? LiveRowAction.Reload : LiveRowAction.Ignore;
        }

        var afterFirst = firstPage || Compare(order, row!, shown[0]) is null or > 0;
        var beforeLast = shown.Count < pageSize || Compare(order, row!, shown[^1]) is null or < 0;
        return afterFirst && beforeLast ? LiveRowAction.Reload : LiveRowAction.Ignore;
    }

    public static int IndexOf(IReadOnlyList<EnvironmentSummary> shown, Guid id)
    {
        for (var i = 0; i < shown.Count; i++)
        {
            if (shown[i].Id == id)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The list query's filter, in memory (team visibility is the caller's).</summary>
    public static bool Matches(EnvironmentFilter filter, EnvironmentSummary row)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(row);
        if (!string.IsNullOrWhiteSpace(filter.Search) && !row.Name.Contains(filter.Search.Trim().ToLowerInvariant(), StringComparison.Ordinal))
        {
            return false;
        }

        if (!string.IsNullOrWhiteSpace(filter.Team) && !string.Equals(row.Team, filter.Team.Trim().ToLowerInvariant(), StringComparison.Ordinal))
        {
            return false;
        }

        if (filter.Tier is { } tier && row.Tier != tier.Slug())
        {
            return false;
        }

        return filter.Status is { } status ? row.Status == status : !filter.HideDestroyed || row.Status != EnvironmentStatus.Destroyed;
    }

    private static bool SameSortKey(EnvironmentOrder order, EnvironmentSummary before, EnvironmentSummary now) => order.By switch
    {
        EnvironmentSortBy.Created => before.CreatedAt == now.CreatedAt,
        EnvironmentSortBy.Name => before.Name == now.Name && before.CreatedAt == now.CreatedAt,
        EnvironmentSortBy.Team => before.Team == now.Team && before.CreatedAt == now.CreatedAt,
        EnvironmentSortBy.Tier => before.Tier == now.Tier && before.CreatedAt == now.CreatedAt,
        EnvironmentSortBy.Status => before.Status == now.Status && before.CreatedAt == now.CreatedAt,
        EnvironmentSortBy.Template => before.Template == now.Template && before.CreatedAt == now.CreatedAt,
        EnvironmentSortBy.Estimate => before.MonthlyEstimateUsd == now.MonthlyEstimateUsd && before.CreatedAt == now.CreatedAt,
        EnvironmentSortBy.Expires => before.ExpiresAt == now.ExpiresAt && before.CreatedAt == now.CreatedAt,
        _ => false,
    };

    /// <summary>
    /// Where <paramref name="a"/> lists relative to <paramref name="b"/> (negative: before); null when only the database can
    /// say (strings under its collation, ties broken by id).
    /// </summary>
    private static int? Compare(EnvironmentOrder order, EnvironmentSummary a, EnvironmentSummary b)
    {
        int? primary = order.By switch
        {
            EnvironmentSortBy.Created => a.CreatedAt.CompareTo(b.CreatedAt),
            EnvironmentSortBy.Estimate => a.MonthlyEstimateUsd.CompareTo(b.MonthlyEstimateUsd),
            EnvironmentSortBy.Expires => (a.ExpiresAt, b.ExpiresAt) switch
            {
                (null, null) => 0,
                (null, _) => order.Descending ? -1 : 1, // never-expiring rows list last either way round (flipped below)
                (_, null) => order.Descending ? 1 : -1,
                var (x, y) => x.Value.CompareTo(y.Value),
            },
            EnvironmentSortBy.Name or EnvironmentSortBy.Team or EnvironmentSortBy.Tier or EnvironmentSortBy.Status or EnvironmentSortBy.Template => null,
            _ => null,
        };
        if (primary is not { } p)
        {
            return null;
        }

        if (order.Descending)
        {
            p = -p;
        }

        if (p != 0)
        {
            return p;
        }

        // Ties: newest first, then by id (the database's uuid order): only a different creation time is certain.
        var created = -a.CreatedAt.CompareTo(b.CreatedAt);
        return created != 0 ? created : null;
    }
}
