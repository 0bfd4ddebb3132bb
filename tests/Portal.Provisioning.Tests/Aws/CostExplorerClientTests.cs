using System.Globalization;
using System.Net;
using System.Text.Json;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CostExplorer;

namespace Portal.Provisioning.Tests.Aws;

public sealed class CostExplorerClientTests : IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly DateInterval March = DateInterval.Days(new DateOnly(2026, 3, 1), new DateOnly(2026, 4, 1));
    private readonly AwsTestHost _host = new();

    public void Dispose() => _host.Dispose();

    private FakeHttpHandler Reply(string file, HttpStatusCode status = HttpStatusCode.OK) =>
        _host.Handler.EnqueueFile(status, $"costexplorer/{file}", "application/x-amz-json-1.1");

    internal static readonly IReadOnlyDictionary<string, Func<ICostExplorerClient, Task>> Calls = new Dictionary<string, Func<ICostExplorerClient, Task>>
    {
        ["GetCostAndUsage"] = c => c.GetCostAndUsageAsync(new GetCostAndUsageRequest
        {
            TimePeriod = March,
            Granularity = Granularity.Daily,
            Metrics = [CostMetric.UnblendedCost, CostMetric.UsageQuantity],
            GroupBy = [GroupDefinition.Dimension("SERVICE"), GroupDefinition.Tag("portal:environment")],
            Filter = Expression.AllOf(
                Expression.Dimension("LINKED_ACCOUNT", "111111111111", "222222222222"),
                Expression.AnyOf(Expression.Tag("portal:tier", "dev", "staging"), Expression.Tag("team", "payments")),
                Expression.Negate(new Expression { Dimensions = new DimensionValues("RECORD_TYPE", ["Credit", "Refund"], ["EQUALS"]) })),
            NextPageToken = "AAMA-EFRSURBSGg0UW9kZ3lYZk5mc1BwdE",
        }, Ct),
        ["GetCostForecast"] = c => c.GetCostForecastAsync(new GetCostForecastRequest
        {
            TimePeriod = DateInterval.Days(new DateOnly(2026, 3, 15), new DateOnly(2026, 5, 1)),
            Metric = ForecastMetric.UnblendedCost,
            Granularity = Granularity.Monthly,
            Filter = Expression.Tag("portal:environment", "orders-dev"),
            PredictionIntervalLevel = 80,
        }, Ct),
        ["GetTags"] = c => c.GetTagsAsync(new GetTagsRequest
        {
            TimePeriod = March,
            SearchString = "portal",
            SortBy = [new SortDefinition("UnblendedCost", "DESCENDING")],
            MaxResults = 100,
            NextPageToken = "dGFncy1wYWdlLTI=",
        }, Ct),
        ["UpdateCostAllocationTagsStatus"] = c => c.UpdateCostAllocationTagsStatusAsync(new UpdateCostAllocationTagsStatusRequest(
        [
            new CostAllocationTagStatusEntry("portal:environment", CostAllocationTagStatus.Active),
            new CostAllocationTagStatusEntry("legacy:owner", CostAllocationTagStatus.Inactive),
        ]), Ct),
        ["ListCostAllocationTags"] = c => c.ListCostAllocationTagsAsync(new ListCostAllocationTagsRequest
        {
            Status = CostAllocationTagStatus.Active,
            TagKeys = ["portal:environment", "portal:tier"],
            Type = "UserDefined",
            MaxResults = 100,
            NextToken = "Y29zdC10YWdzLTI=",
        }, Ct),
    };

    private static readonly Dictionary<string, string> SampleResponse = new()
    {
        ["GetCostAndUsage"] = "GetCostAndUsage-page3.json",
        ["GetCostForecast"] = "GetCostForecast.json",
        ["GetTags"] = "GetTags-page2.json",
        ["UpdateCostAllocationTagsStatus"] = "UpdateCostAllocationTagsStatus.json",
        ["ListCostAllocationTags"] = "ListCostAllocationTags-page2.json",
    };

    public static TheoryData<string> Operations => OperationsOf(Calls.Keys);

    private static TheoryData<string> OperationsOf(IEnumerable<string> names)
    {
        var data = new TheoryData<string>();
        foreach (var name in names)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Request_IsJson11ToTheUsEast1Endpoint_AndEveryKeyIsAMemberOfTheInputShape(string operation)
    {
        Reply(SampleResponse[operation]);

        await Calls[operation](_host.CostExplorer());

        ServiceModel.CostExplorer.HasOperation(operation).ShouldBeTrue();
        var sent = _host.Handler.Requests.ShouldHaveSingleItem();
        sent.Method.ShouldBe(HttpMethod.Post);
        sent.Uri.ShouldBe(new Uri("https://ce.us-east-1.amazonaws.com/"));
        sent.Header("X-Amz-Target").ShouldBe($"AWSInsightsIndexService.{operation}");
        sent.Header("Content-Type").ShouldBe("application/x-amz-json-1.1");
        ServiceModel.CostExplorer.Metadata("targetPrefix").ShouldBe("AWSInsightsIndexService");
        // Cost Explorer is signed for us-east-1 whatever region the caller works in (the host's default is eu-west-1).
        sent.Header("Authorization").ShouldContain("/us-east-1/ce/aws4_request");
        using var body = JsonDocument.Parse(sent.Body);
        var errors = ServiceModel.CostExplorer.CheckJson(operation, body.RootElement);
        errors.ShouldBeEmpty(string.Join("\n", errors));
    }

    [Fact]
    public void Checker_RejectsKeysTheModelDoesNotHave()
    {
        using var body = JsonDocument.Parse("""{"TimePeriod":{"Start":"2026-03-01","Finish":"2026-04-01"},"Granularity":"WEEKLY","Metric":["UnblendedCost"]}""");

        var errors = ServiceModel.CostExplorer.CheckJson("GetCostAndUsage", body.RootElement);

        errors.ShouldContain(e => e.Contains("Finish: not a member of DateInterval", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("required member End", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("'WEEKLY' is not one of Granularity's values", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("Metric: not a member", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("required member Metrics", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetCostAndUsagePages_FollowsNextPageToken_AndParsesAmountsAsInvariantDecimals()
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            Reply("GetCostAndUsage-page1.json");
            Reply("GetCostAndUsage-page2.json");
            Reply("GetCostAndUsage-page3.json");
            var request = new GetCostAndUsageRequest
            {
                TimePeriod = DateInterval.Days(new DateOnly(2026, 3, 1), new DateOnly(2026, 3, 3)),
                Granularity = Granularity.Daily,
                Metrics = [CostMetric.UnblendedCost, CostMetric.UsageQuantity],
                GroupBy = [GroupDefinition.Dimension("SERVICE")],
            };

            var pages = await _host.CostExplorer().GetCostAndUsagePagesAsync(request, Ct).ToListAsync(Ct);

            pages.Count.ShouldBe(3);
            var groups = pages.SelectMany(p => p.ResultsByTime).SelectMany(r => r.Groups).ToList();
            groups[0].Keys.ShouldBe(["Amazon Elastic Compute Cloud - Compute"]);
            groups[0].Metrics["UnblendedCost"].ShouldBe(new MetricValue(12.3456m, "USD"));
            groups[1].Metrics["UnblendedCost"].Amount.ShouldBe(3.1000000001m);
            groups[2].Metrics["UsageQuantity"].Amount.ShouldBe(1200.5m);
            groups[3].Metrics["UnblendedCost"].Amount.ShouldBe(-1.5m);
            groups.Sum(g => g.Metrics["UnblendedCost"].Amount).ShouldBe(13.9498000001m);
            pages[0].ResultsByTime[0].Estimated.ShouldBeTrue();
            pages[2].ResultsByTime[0].Estimated.ShouldBeFalse();
            pages[2].ResultsByTime[0].TimePeriod!.StartDate.ShouldBe(new DateOnly(2026, 3, 2));
            pages[0].GroupDefinitions.ShouldBe([GroupDefinition.Dimension("SERVICE")]);

            var sent = _host.Handler.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToList();
            sent[0].TryGetProperty("NextPageToken", out _).ShouldBeFalse();
            sent[1].GetProperty("NextPageToken").GetString().ShouldBe("AAMA-EFRSURBSGg0UW9kZ3lYZk5mc1BwdE");
            sent[2].GetProperty("NextPageToken").GetString().ShouldBe("AAMA-EFRSURBSGg0UW9kZ3lYZk5mc1BwdF");
            sent.ShouldAllBe(b => b.GetProperty("TimePeriod").GetProperty("End").GetString() == "2026-03-03");
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public async Task EveryPage_CostsOneCent_InTheUsageTracker()
    {
        Reply("GetCostAndUsage-page1.json");
        Reply("GetCostAndUsage-page2.json");
        Reply("GetCostAndUsage-page3.json");

        await _host.CostExplorer().GetCostAndUsagePagesAsync(
            new GetCostAndUsageRequest { TimePeriod = March, Granularity = Granularity.Daily, Metrics = [CostMetric.UnblendedCost] }, Ct).ToListAsync(Ct);

        var usage = _host.Usage.Snapshot();
        usage.CostExplorerRequests.ShouldBe(3);
        usage.CostExplorerSpendUsd.ShouldBe(0.03m);
        usage.Operations.ShouldContain(o => o.Service == "CostExplorer" && o.Operation == "GetCostAndUsage" && o.Outcome == "success" && o.Calls == 3);
    }

    [Fact]
    public async Task Totals_AreKeyedByMetricName()
    {
        Reply("GetCostAndUsage-total.json");

        var response = await _host.CostExplorer().GetCostAndUsageAsync(
            new GetCostAndUsageRequest { TimePeriod = March, Granularity = Granularity.Monthly, Metrics = [CostMetric.UnblendedCost, CostMetric.AmortizedCost] }, Ct);

        var total = response.ResultsByTime.ShouldHaveSingleItem().Total;
        total["UnblendedCost"].Amount.ShouldBe(1234.5678901234m);
        total["AmortizedCost"].Amount.ShouldBe(1200m);
        response.NextPageToken.ShouldBeNull();
    }

    [Fact]
    public async Task GetCostForecast_ParsesStringAmounts()
    {
        Reply("GetCostForecast.json");

        var forecast = await _host.CostExplorer().GetCostForecastAsync(new GetCostForecastRequest
        {
            TimePeriod = DateInterval.Days(new DateOnly(2026, 3, 15), new DateOnly(2026, 5, 1)),
            Metric = ForecastMetric.UnblendedCost,
            Granularity = Granularity.Monthly,
        }, Ct);

        forecast.Total.ShouldBe(new MetricValue(4521.337m, "USD"));
        forecast.ForecastResultsByTime.Select(f => f.MeanValue).ShouldBe([2101.5m, 2419.837m]);
        forecast.ForecastResultsByTime[0].PredictionIntervalLowerBound.ShouldBe(1890.25m);
        forecast.ForecastResultsByTime[1].PredictionIntervalUpperBound.ShouldBe(2739.674m);
        JsonDocument.Parse(_host.Handler.Requests.Single().Body).RootElement.GetProperty("Metric").GetString().ShouldBe("UNBLENDED_COST");
    }

    [Fact]
    public async Task GetAllTags_And_ListAllCostAllocationTags_FollowTheirTokens()
    {
        Reply("GetTags-page1.json");
        Reply("GetTags-page2.json");
        Reply("ListCostAllocationTags-page1.json");
        Reply("ListCostAllocationTags-page2.json");
        var client = _host.CostExplorer();

        var tags = await client.GetAllTagsAsync(new GetTagsRequest { TimePeriod = March }, Ct).ToListAsync(Ct);
        var allocationTags = await client.ListAllCostAllocationTagsAsync(new ListCostAllocationTagsRequest { MaxResults = 2 }, Ct).ToListAsync(Ct);

        tags.ShouldBe(["portal:environment", "portal:tier", "team"]);
        allocationTags.Select(t => t.TagKey).ShouldBe(["portal:environment", "aws:createdBy", "portal:tier"]);
        allocationTags[0].LastUsedDate.ShouldBe(new DateTimeOffset(2026, 3, 14, 0, 0, 0, TimeSpan.Zero));
        allocationTags[1].Status.ShouldBe("Inactive");
        allocationTags[2].LastUpdatedDate.ShouldBe(new DateTimeOffset(2026, 2, 1, 10, 15, 0, TimeSpan.Zero));
        JsonDocument.Parse(_host.Handler.Requests[1].Body).RootElement.GetProperty("NextPageToken").GetString().ShouldBe("dGFncy1wYWdlLTI=");
        JsonDocument.Parse(_host.Handler.Requests[3].Body).RootElement.GetProperty("NextToken").GetString().ShouldBe("Y29zdC10YWdzLTI=");
    }

    [Fact]
    public async Task UpdateCostAllocationTagsStatus_ReturnsPerTagErrors()
    {
        Reply("UpdateCostAllocationTagsStatus.json");

        var response = await _host.CostExplorer().UpdateCostAllocationTagsStatusAsync(
            new UpdateCostAllocationTagsStatusRequest([new CostAllocationTagStatusEntry("legacy:owner", CostAllocationTagStatus.Active)]), Ct);

        response.Errors.ShouldHaveSingleItem().ShouldBe(new UpdateCostAllocationTagsStatusError("legacy:owner", "TagKeysNotFoundException", "Tag key legacy:owner was not found."));
    }

    public static TheoryData<string, Type, string> Errors => new()
    {
        { "error-LimitExceeded.json", typeof(LimitExceededException), "LimitExceededException" },
        { "error-DataUnavailable.json", typeof(DataUnavailableException), "DataUnavailableException" },
        { "error-InvalidNextToken.json", typeof(InvalidNextTokenException), "InvalidNextTokenException" },
        { "error-BillExpiration.json", typeof(BillExpirationException), "BillExpirationException" },
        { "error-RequestChanged.json", typeof(RequestChangedException), "RequestChangedException" },
        { "error-Validation.json", typeof(AwsValidationException), "ValidationException" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task ErrorType_AfterTheHash_SelectsTheTypedException_WhichIsNotRetried(string file, Type expected, string code)
    {
        Reply(file, HttpStatusCode.BadRequest);

        var ex = await Should.ThrowAsync<AwsServiceException>(() => Calls["GetCostAndUsage"](_host.CostExplorer()));

        ex.GetType().ShouldBe(expected);
        ex.ErrorCode.ShouldBe(code);
        ex.Service.ShouldBe("CostExplorer");
        ex.ErrorMessage.ShouldNotBeNullOrWhiteSpace();
        _host.Handler.Requests.Count.ShouldBe(1);
        // A refused request is not billed.
        _host.Usage.Snapshot().CostExplorerSpendUsd.ShouldBe(0m);
    }

    [Fact]
    public async Task ThrottlingException_IsRetried_AndCounted()
    {
        Reply("error-Throttling.json", HttpStatusCode.BadRequest);
        Reply("GetCostAndUsage-total.json");

        await Calls["GetCostAndUsage"](_host.CostExplorer());

        _host.Handler.Requests.Count.ShouldBe(2);
        _host.Handler.Requests[0].Body.ShouldBe(_host.Handler.Requests[1].Body);
        var usage = _host.Usage.Snapshot();
        usage.Operations.ShouldContain(o => o.Outcome == "ThrottlingException" && o.Calls == 1);
        usage.Operations.ShouldContain(o => o.Outcome == "success" && o.Calls == 1);
        usage.CostExplorerSpendUsd.ShouldBe(0.01m);
    }
}
