using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CostExplorer;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Tests.Jobs;
using Portal.TestSupport;

namespace Portal.Provisioning.Tests.Costs;

/// <summary>
/// The call budget: a day of 10,000 environments × 3 services is 30,000 groups, which Cost Explorer returns in pages of
/// 1,000 — so 30 billed calls, however many environments there are, because one query groups them all.
/// </summary>
public sealed class CostIngestionScaleTests
{
    private const string Account = "123456789012";

    [Fact]
    public async Task ADayOfTenThousandEnvironments_Takes30Calls_AndARerunChangesNothing()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await JobLayerHost.MigrateAsync(database);
        var client = new PagedCostExplorer(environments: 10_000, services: 3, pageSize: 1_000);
        var ingestion = new CostIngestion(
            database.CreateFactory(),
            new SingleClientFactory(client),
            new AwsAccountDirectory(Options.Create(new AwsOptions { Accounts = [new AwsAccountOptions { Id = Account, Name = "payer" }] })),
            Options.Create(new CostOptions { BackfillDays = 1, RestateDays = 1 }),
            TimeProvider.System,
            NullLogger<CostIngestion>.Instance);

        var first = await ingestion.IngestAccountAsync(Account, CancellationToken.None);
        var again = await ingestion.IngestAccountAsync(Account, CancellationToken.None);

        first.Status.ShouldBe(CostIngestionStatus.Succeeded, first.Error);
        first.Calls.ShouldBe(30);
        first.Inserted.ShouldBe(30_000);
        client.Requests.ShouldAllBe(r => r.GroupBy!.Count == 2 && r.Filter!.Dimensions!.Values.Single() == Account);
        again.Status.ShouldBe(CostIngestionStatus.Succeeded, again.Error);
        again.Calls.ShouldBe(30);
        (again.Inserted, again.Updated, again.Deleted).ShouldBe((0, 0, 0));
        await using var db = database.CreateContext();
        (await db.CostFacts.CountAsync()).ShouldBe(30_000);
        (await db.CostFacts.Select(f => f.UnblendedUsd).ToListAsync()).Sum().ShouldBe(30_000 * 0.25m);
    }

    private sealed class SingleClientFactory(ICostExplorerClient client) : ICostExplorerClientFactory
    {
        public ICostExplorerClient Create(AwsAccountContext account) => client;
    }

    // Cost Explorer's paging with GroupBy: each page repeats the day's ResultByTime and carries the next slice of its groups.
    private sealed class PagedCostExplorer(int environments, int services, int pageSize) : ICostExplorerClient
    {
        public List<GetCostAndUsageRequest> Requests { get; } = [];

        public AwsAccountContext Account => new(CostIngestionScaleTests.Account, "payer");

        public Task<GetCostAndUsageResponse> GetCostAndUsageAsync(GetCostAndUsageRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            var days = request.TimePeriod.EndDate.DayNumber - request.TimePeriod.StartDate.DayNumber;
            var groups = (from day in Enumerable.Range(0, days)
                          from environment in Enumerable.Range(0, environments)
                          from service in Enumerable.Range(0, services)
                          select (Day: request.TimePeriod.StartDate.AddDays(day), Environment: environment, Service: service)).ToList();
            var offset = request.NextPageToken is { } token ? int.Parse(token, CultureInfo.InvariantCulture) : 0;
            var page = groups.Skip(offset).Take(pageSize).ToList();
            var metric = new MetricValue(0.25m, "USD");
            return Task.FromResult(new GetCostAndUsageResponse
            {
                NextPageToken = offset + pageSize < groups.Count ? (offset + pageSize).ToString(CultureInfo.InvariantCulture) : null,
                ResultsByTime = [.. page.GroupBy(g => g.Day).Select(d => new ResultByTime
                {
                    TimePeriod = DateInterval.Days(d.Key, d.Key.AddDays(1)),
                    Estimated = true,
                    Groups = [.. d.Select(g => new Group
                    {
                        Keys = [$"portal:environment-id$00000000-0000-0000-0000-{g.Environment:D12}", $"Service {g.Service}"],
                        Metrics = new Dictionary<string, MetricValue> { [CostMetric.UnblendedCost] = metric, [CostMetric.AmortizedCost] = metric },
                    })],
                })],
            });
        }

        public Task<GetCostForecastResponse> GetCostForecastAsync(GetCostForecastRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<GetTagsResponse> GetTagsAsync(GetTagsRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<UpdateCostAllocationTagsStatusResponse> UpdateCostAllocationTagsStatusAsync(
            UpdateCostAllocationTagsStatusRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ListCostAllocationTagsResponse> ListCostAllocationTagsAsync(ListCostAllocationTagsRequest request, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
