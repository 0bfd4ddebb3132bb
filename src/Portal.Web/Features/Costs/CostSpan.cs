namespace Portal.Web.Features.Costs;

/// <summary>
/// A range of days as the month and day rollups read it (ADR 0009): whole <see cref="Months"/>, plus the <see cref="Added"/>
/// days, minus the <see cref="Subtracted"/> days. Each month the range touches is read whichever way reads fewer billed rows:
/// its days in the range, or the month's row less its days outside the range. Days after <c>today</c> bill nothing, so a
/// month to date is one month row. The result is exact either way; only the cost of reading it differs.
/// </summary>
public sealed record CostSpan(IReadOnlyList<DateOnly> Months, IReadOnlyList<DayRange> Added, IReadOnlyList<DayRange> Subtracted)
{
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

        return new CostSpan(months, Merge(added), subtracted);
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
