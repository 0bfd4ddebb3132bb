using Portal.Web.Features.Costs;

namespace Portal.Web.Tests.Costs;

/// <summary>
/// <see cref="CostSpan"/> on constructed daily figures: whole months ± edge days add up to exactly the range's days, for every
/// range in a window and whatever "today" is, and never read more rows than the days themselves would.
/// </summary>
public sealed class CostSpanTests
{
    private static readonly DateOnly Today = new(2026, 11, 29);

    [Fact]
    public void MonthToDate_IsOneMonthRow()
    {
        var span = CostSpan.Of(new DateOnly(2026, 11, 1), Today, Today);

        span.Months.ShouldBe([new DateOnly(2026, 11, 1)]);
        span.Added.ShouldBeEmpty();
        span.Subtracted.ShouldBe([new DayRange(new DateOnly(2026, 11, 30), new DateOnly(2026, 11, 30))], "tomorrow has no cost yet, but taking it away keeps the sum exact");
    }

    [Fact]
    public void LastThirtyDays_IsTheMonthToDateAndOneDayBeforeIt()
    {
        var span = CostSpan.Of(Today.AddDays(-29), Today, Today);

        span.Months.ShouldBe([new DateOnly(2026, 11, 1)]);
        span.Added.ShouldBe([new DayRange(new DateOnly(2026, 10, 31), new DateOnly(2026, 10, 31))]);
    }

    [Fact]
    public void AFewDaysInsideAMonth_AreReadAsDays()
    {
        var span = CostSpan.Of(new DateOnly(2026, 10, 12), new DateOnly(2026, 10, 14), Today);

        span.Months.ShouldBeEmpty();
        span.Added.ShouldBe([new DayRange(new DateOnly(2026, 10, 12), new DateOnly(2026, 10, 14))]);
        span.Subtracted.ShouldBeEmpty();
    }

    [Fact]
    public void MostOfAMonth_IsTheMonthLessItsEdges()
    {
        var span = CostSpan.Of(new DateOnly(2026, 10, 3), new DateOnly(2026, 10, 29), Today);

        span.Months.ShouldBe([new DateOnly(2026, 10, 1)]);
        span.Added.ShouldBeEmpty();
        span.Subtracted.ShouldBe([new DayRange(new DateOnly(2026, 10, 1), new DateOnly(2026, 10, 2)), new DayRange(new DateOnly(2026, 10, 30), new DateOnly(2026, 10, 31))]);
    }

    [Fact]
    public void AYear_IsTwelveMonthRowsAndItsEdges()
    {
        var span = CostSpan.Of(new DateOnly(2025, 11, 20), Today, Today);

        span.Months.Count.ShouldBe(12, "December 2025 to November 2026");
        span.Added.ShouldBe([new DayRange(new DateOnly(2025, 11, 20), new DateOnly(2025, 11, 30))]);
    }

    [Fact]
    public void EveryRange_SumsExactlyItsDays_AndReadsNoMoreRowsThanItsDays()
    {
        // Figures on every day, future days included: the split must be exact even if they were billed.
        var random = new Random(20261129);
        var first = new DateOnly(2026, 8, 25);
        var last = new DateOnly(2027, 1, 10);
        var daily = new Dictionary<DateOnly, decimal>();
        for (var day = first.AddDays(-40); day <= last.AddDays(40); day = day.AddDays(1))
        {
            daily[day] = decimal.Round((decimal)random.NextDouble() * 100m, 6);
        }

        var monthly = daily.GroupBy(d => new DateOnly(d.Key.Year, d.Key.Month, 1)).ToDictionary(g => g.Key, g => g.Sum(d => d.Value));
        decimal Sum(DayRange range) => daily.Where(d => d.Key >= range.From && d.Key <= range.To).Sum(d => d.Value);
        var checkedRanges = 0;
        foreach (var today in new[] { new DateOnly(2026, 10, 15), new DateOnly(2026, 10, 31), Today, new DateOnly(2027, 1, 1) })
        {
            for (var from = first; from <= last; from = from.AddDays(2))
            {
                for (var to = from; to <= last; to = to.AddDays(1))
                {
                    var span = CostSpan.Of(from, to, today);

                    var sum = span.Months.Sum(m => monthly[m]) + span.Added.Sum(Sum) - span.Subtracted.Sum(Sum);
                    sum.ShouldBe(Sum(new DayRange(from, to)), $"{from}..{to} (today {today})");
                    var rowsRead = span.Months.Count + span.Added.Sum(r => r.BilledDays(today)) + span.Subtracted.Sum(r => r.BilledDays(today));
                    var monthsTouched = ((to.Year * 12) + to.Month) - ((from.Year * 12) + from.Month) + 1;
                    rowsRead.ShouldBeLessThanOrEqualTo(Math.Max(1, new DayRange(from, to).BilledDays(today)), $"{from}..{to} (today {today})");
                    rowsRead.ShouldBeLessThanOrEqualTo(16 * monthsTouched, $"{from}..{to} (today {today})");
                    checkedRanges++;
                }
            }
        }

        checkedRanges.ShouldBeGreaterThan(10_000);
    }

    [Fact]
    public void MonthEdges_SumExactlyEveryRangesBilledDays_FromMonthRowsAndMonthToDateTotals_AtMostOneDayRowPerEdge()
    {
        // Figures up to each "today" only (days after today bill nothing), and about one day in five without a row: an edge
        // on such a day reads the latest day before it in the month (or 0 when there is none).
        var random = new Random(20261206);
        var first = new DateOnly(2026, 8, 25);
        var last = new DateOnly(2027, 3, 10);
        var billed = new Dictionary<DateOnly, decimal>();
        for (var day = first.AddDays(-40); day <= last.AddDays(40); day = day.AddDays(1))
        {
            if (random.Next(5) > 0)
            {
                billed[day] = decimal.Round((decimal)random.NextDouble() * 100m, 6);
            }
        }

        var checkedRanges = 0;
        foreach (var today in new[] { new DateOnly(2026, 10, 15), new DateOnly(2026, 10, 31), Today, new DateOnly(2027, 2, 28), new DateOnly(2027, 3, 1) })
        {
            var daily = billed.Where(d => d.Key <= today).ToDictionary(d => d.Key, d => d.Value);
            var monthly = daily.GroupBy(d => new DateOnly(d.Key.Year, d.Key.Month, 1)).ToDictionary(g => g.Key, g => g.Sum(d => d.Value));
            decimal MonthToDate(DateOnly day)
            {
                var latest = daily.Keys.Where(d => d <= day && d.Year == day.Year && d.Month == day.Month).DefaultIfEmpty().Max();
                return latest == default ? 0 : daily.Where(d => d.Key <= latest && d.Key.Year == day.Year && d.Key.Month == day.Month).Sum(d => d.Value);
            }

            for (var from = first; from <= last; from = from.AddDays(3))
            {
                for (var to = from; to <= last; to = to.AddDays(2))
                {
                    var edges = CostSpan.Of(from, to, today).MonthEdges;

                    var sum = edges.Sum(e => (e.Through is { } through ? MonthToDate(through) : monthly.GetValueOrDefault(e.Month)) - (e.Before is { } before ? MonthToDate(before) : 0));
                    sum.ShouldBe(daily.Where(d => d.Key >= from && d.Key <= to).Sum(d => d.Value), $"{from}..{to} (today {today})");
                    edges.Select(e => e.Month).ShouldBeUnique();
                    var monthsTouched = ((to.Year * 12) + to.Month) - ((from.Year * 12) + from.Month) + 1;
                    edges.Count.ShouldBeLessThanOrEqualTo(monthsTouched);
                    edges.Count(e => e.Through is not null).ShouldBeLessThanOrEqualTo(1, "only the range's last month can end inside");
                    edges.Count(e => e.Before is not null).ShouldBeLessThanOrEqualTo(1, "only the range's first month can start inside");
                    checkedRanges++;
                }
            }
        }

        checkedRanges.ShouldBeGreaterThan(10_000);
    }
}
