using Portal.Provisioning.Drift;

namespace Portal.Provisioning.Tests.Drift;

public sealed class DriftScheduleTests
{
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TenThousandEnvironmentsCreatedTogether_AreSpreadEvenlyOverTheWeek_NotDueAtOnce()
    {
        // Created within one minute, as a bulk import or a campaign would: version-7 ids share their timestamp prefix.
        var ids = Enumerable.Range(0, 10_000).Select(i => Guid.CreateVersion7(Start.AddMilliseconds(i % 60_000))).ToList();
        var due = ids.Select(id => DriftSchedule.NextDue(id, Start, Week)).ToList();

        due.ShouldAllBe(d => d > Start && d <= Start + Week);
        var perDay = due.GroupBy(d => (int)((d - Start).TotalDays)).ToDictionary(g => g.Key, g => g.Count());
        perDay.Keys.Order().ShouldBe([0, 1, 2, 3, 4, 5, 6]);
        perDay.Values.ShouldAllBe(n => n > 1_300 && n < 1_560, $"about 1,429 a day: {string.Join(", ", perDay.OrderBy(p => p.Key).Select(p => p.Value))}");

        // The busiest hour of the week holds a handful more than the average (10,000 / 168 ≈ 60), never a burst.
        var perHour = due.GroupBy(d => (int)((d - Start).TotalHours)).Select(g => g.Count()).ToList();
        perHour.Max().ShouldBeLessThan(120);
    }

    [Fact]
    public void NextDue_IsTheEnvironmentsOwnSlot_OncePerInterval_StrictlyAfterTheLastCheck()
    {
        var id = Guid.CreateVersion7(Start);
        var first = DriftSchedule.NextDue(id, Start, Week);
        var second = DriftSchedule.NextDue(id, first, Week);
        var third = DriftSchedule.NextDue(id, second, Week);

        (second - first).ShouldBe(Week);
        (third - second).ShouldBe(Week);
        DriftSchedule.NextDue(id, first - TimeSpan.FromTicks(1), Week).ShouldBe(first);
        DriftSchedule.NextDue(id, first.AddDays(3), Week).ShouldBe(second, "a check made late still keeps the slot");
        DriftSchedule.Slot(id, Week).ShouldBe(DriftSchedule.Slot(id, Week));
        Should.Throw<ArgumentOutOfRangeException>(() => DriftSchedule.NextDue(id, Start, TimeSpan.Zero));
    }
}
