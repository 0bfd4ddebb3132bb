using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CostExplorer;

namespace Portal.Sandbox.Tests;

/// <summary>Measured alone: these tests read the process's allocation counter, which parallel tests would disturb.</summary>
[CollectionDefinition(nameof(MeasuredAlone), DisableParallelization = true)]
public sealed class MeasuredAlone;

/// <summary>
/// Cost Explorer's limits, so one call cannot exhaust the portal's memory: a start older than the history AWS keeps is a quick
/// ValidationException (the work and the allocation bounded, not the wall time), an end past next month too, a forecast
/// reaches at most 18 months, and a page costs the work of that page, not of the whole window.
/// </summary>
[Collection(nameof(MeasuredAlone))]
public sealed class CostExplorerLimitsTests : IAsyncLifetime
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(SandboxServer.Start.UtcDateTime);
    private SandboxServer _server = null!;

    public async Task InitializeAsync() => _server = await SandboxServer.StartAsync(settings: new Dictionary<string, string?> { ["Sandbox:CostExplorerPageSize"] = "2" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task AllOfTime_IsA400ValidationException_WithoutBillingADay()
    {
        var client = _server.CostExplorer();
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await client.GetCostAndUsageAsync(Daily(Today.AddDays(-1), Today), guard.Token);
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var error = await Should.ThrowAsync<AwsServiceException>(() => client.GetCostAndUsageAsync(Daily(DateOnly.MinValue, DateOnly.MaxValue), guard.Token));

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        error.ErrorCode.ShouldBe("ValidationException");
        error.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        error.ErrorMessage.ShouldBe("start date is too old for daily, the max supported months for daily granularity is 14 months");
        allocated.ShouldBeLessThan(16L * 1024 * 1024, "refused before any day is billed: one request's worth of allocation");
    }

    [Fact]
    public async Task TheOldestStartAllowed_IsAnswered_AndOneMonthOlderIsRefused()
    {
        var client = _server.CostExplorer();
        var earliest = new DateOnly(Today.Year, Today.Month, 1).AddMonths(-14);

        (await client.GetCostAndUsageAsync(Monthly(earliest, Today), CancellationToken.None)).ResultsByTime.Count.ShouldBe(15);
        (await Should.ThrowAsync<AwsServiceException>(() => client.GetCostAndUsageAsync(Monthly(earliest.AddDays(-1), Today), CancellationToken.None)))
            .ErrorMessage.ShouldBe("start date is too old for monthly, the max supported months for monthly granularity is 14 months");
    }

    [Fact]
    public async Task AnEndPastNextMonth_AndAForecastPast18Months_AreRefused()
    {
        var client = _server.CostExplorer();
        var nextMonth = new DateOnly(Today.Year, Today.Month, 1).AddMonths(1);

        (await client.GetCostAndUsageAsync(Daily(Today, nextMonth), CancellationToken.None)).ResultsByTime.ShouldNotBeEmpty();
        (await Should.ThrowAsync<AwsServiceException>(() => client.GetCostAndUsageAsync(Daily(Today, nextMonth.AddDays(1)), CancellationToken.None)))
            .ErrorMessage.ShouldBe("end date past the beginning of next month");
        var forecast = await Should.ThrowAsync<AwsServiceException>(() => client.GetCostForecastAsync(
            new GetCostForecastRequest { TimePeriod = DateInterval.Days(Today, DateOnly.MaxValue), Metric = ForecastMetric.UnblendedCost, Granularity = Granularity.Monthly },
            CancellationToken.None));
        forecast.ErrorCode.ShouldBe("ValidationException");
        forecast.ErrorMessage.ShouldBe("end date is too far in the future, the max supported forecast is 18 months");
    }

    [Fact]
    public async Task APageOfTheWholeHistory_CostsThatPagesWork_NotTheWindows()
    {
        // Every day bills three untagged services: a page never splits a day, so a two-group page holds the first day whole
        // (three groups) and costs that day and the next; the whole window is ~14 months.
        var client = _server.CostExplorer();
        var earliest = new DateOnly(Today.Year, Today.Month, 1).AddMonths(-14);
        var grouped = Daily(earliest, Today) with { GroupBy = [GroupDefinition.Dimension("SERVICE")] };
        await client.GetCostAndUsageAsync(Daily(Today.AddDays(-1), Today), CancellationToken.None);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var page = await client.GetCostAndUsageAsync(grouped, CancellationToken.None);
        var onePage = GC.GetTotalAllocatedBytes(precise: true) - before;
        before = GC.GetTotalAllocatedBytes(precise: true);
        var ungrouped = await client.GetCostAndUsageAsync(Daily(earliest, Today), CancellationToken.None);
        var wholeWindow = GC.GetTotalAllocatedBytes(precise: true) - before;

        page.ResultsByTime.ShouldHaveSingleItem().Groups.Count.ShouldBe(3);
        page.NextPageToken.ShouldNotBeNull();
        ungrouped.ResultsByTime.Count.ShouldBe(Today.DayNumber - earliest.DayNumber);
        onePage.ShouldBeLessThan(wholeWindow / 4, $"a two-group page allocated {onePage:N0} bytes; billing every day of the window allocated {wholeWindow:N0}");
    }

    private static GetCostAndUsageRequest Daily(DateOnly start, DateOnly end) =>
        new() { TimePeriod = DateInterval.Days(start, end), Granularity = Granularity.Daily, Metrics = [CostMetric.UnblendedCost] };

    private static GetCostAndUsageRequest Monthly(DateOnly start, DateOnly end) =>
        new() { TimePeriod = DateInterval.Days(start, end), Granularity = Granularity.Monthly, Metrics = [CostMetric.UnblendedCost] };
}
