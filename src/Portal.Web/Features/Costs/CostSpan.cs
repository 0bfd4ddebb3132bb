namespace Portal.Web.Features.Costs;

/// <summary>
/// A range of days as the month and day rollups read it (ADR 0009): whole <see cref="Months"/>, plus the <see cref="Added"/>
/// days, minus the <see cref="Subtracted"/> days. Each month the range touches is read whichever way reads fewer billed rows:
/// its days in the range, or the month's row less its days outside the range. Days after <c>today</c> bill nothing, so a
/// month to date is one month row. The result is exact either way; only the cost of reading it differs.
/// </summary>
public sealed record CostSpan(IReadOnlyList<DateOnly> Months, IReadOnlyList<DayRange> Added, IReadOnlyList<DayRange> Subtracted)
{
    /// <summary>
    /// The range as the per-environment rollups read it (issue 18): per month with billed days in the range, the month row or
    /// the month-to-date total at the range's last day in it, less the month-to-date total the day before its first day in it
    /// — at most one row per environment per month edge whatever the dates.
    /// </summary>
    public IReadOnlyList<MonthEdges> MonthEdges { get; init; } = [];

    /// <summary>Splits <paramref name="from"/>..<paramref name="to"/> (inclusive) into months and edge days.</summary>
    public static CostSpan Of(DateOnly from, DateOnly to, DateOnly today)
    {
        var (months, added, subtracted) = (new List<DateOnly>(), new List<DayRange>(), new List<DayRange>());
        for (var month = new DateOnly(from.Year, from.Month, 1); month <= to; month = month.AddMonths(1))
        {
            var last = month.AddMonths(1).AddDays(-1);
            var inside = new DayRange(Max(from, month), Min(to, last));
            var before = new DayRange(month, inside.From.AddDays(-1));
            var after = new DayRange(inside.To.AddDays(1), last);
            if (1 + before.BilledDays(today) + after.BilledDays(today) < inside.BilledDays(today))
            {
                months.Add(month);
                subtracted.AddRange(new[] { before, after }.Where(r => !r.IsEmpty));
            }
            else
            {
                added.Add(inside);
            }
        }

        return new CostSpan(months, Merge(added), subtracted) { MonthEdges = EdgesOf(from, to, today) };
    }

    private static List<MonthEdges> EdgesOf(DateOnly from, DateOnly to, DateOnly today)
    {
        var edges = new List<MonthEdges>();
        var last = Min(to, today); // days after today bill nothing
        for (var month = new DateOnly(from.Year, from.Month, 1); month <= last; month = month.AddMonths(1))
        {
            var end = month.AddMonths(1).AddDays(-1);
            var (first, through) = (Max(from, month), Min(last, end));
            if (through < first)
            {
                continue;
            }

            // Through the month's last billed day (its end, or today) the month row is the month to date.
            edges.Add(new MonthEdges(month, through == Min(end, today) ? null : through, first == month ? null : first.AddDays(-1)));
        }

        return edges;
    }

    // Adjacent ranges (the end of one month, the start of the next) read as one.
    private static List<DayRange> Merge(List<DayRange> ranges)
    {
        var merged = new List<DayRange>();
        foreach (var range in ranges)
        {
            if (merged.Count > 0 && merged[^1].To.AddDays(1) == range.From)
            {
                merged[^1] = merged[^1] with { To = range.To };
            }
            else
            {
                merged.Add(range);
            }
        }

        return merged;
    }

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;
}

/// <summary>Days <see cref="From"/> to <see cref="To"/>, both inclusive; empty when <see cref="To"/> is before <see cref="From"/>.</summary>
public sealed record DayRange(DateOnly From, DateOnly To)
{
    public bool IsEmpty => To < From;

    /// <summary>Days of the range up to <paramref name="today"/>: the days that can have cost.</summary>
    public int BilledDays(DateOnly today)
    {
        var last = To < today ? To : today;
        return Math.Max(0, last.DayNumber - From.DayNumber + 1);
    }
}

/// <summary>
/// One month of a range read from month-to-date totals: the month's row (when <see cref="Through"/> is null) or the
/// month-to-date total at <see cref="Through"/>, less the month-to-date total at <see cref="Before"/> when the range starts
/// after the 1st. An environment without a row on an edge day has the total of its latest day before it in the month (or 0).
/// </summary>
public sealed record MonthEdges(DateOnly Month, DateOnly? Through, DateOnly? Before);
