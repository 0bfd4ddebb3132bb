using System.Text.Json.Nodes;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Aws.CostExplorer;
using Portal.Provisioning.Pricing;

namespace Portal.Sandbox.Tests;

public sealed class CostExplorerTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private const string Team = "portal:team";
    private const string EnvironmentId = "portal:environment-id";
    private static readonly string[] UntaggedServices = ["AmazonCloudWatch", "Amazon Simple Storage Service", "AWS Key Management Service"];
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "portal-sandbox-ce-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private static DateOnly Today => DateOnly.FromDateTime(SandboxServer.Start.UtcDateTime);

    private static async Task ActivateAsync(ICostExplorerClient client, params string[] keys)
    {
        var result = await client.UpdateCostAllocationTagsStatusAsync(
            new UpdateCostAllocationTagsStatusRequest([.. keys.Select(k => new CostAllocationTagStatusEntry(k, CostAllocationTagStatus.Active))]), CancellationToken.None);
        result.Errors.ShouldBeEmpty();
    }

    private static async Task<List<GetCostAndUsageResponse>> PagesAsync(ICostExplorerClient client, GetCostAndUsageRequest request)
    {
        var pages = new List<GetCostAndUsageResponse>();
        await foreach (var page in client.GetCostAndUsagePagesAsync(request, CancellationToken.None))
        {
            pages.Add(page);
        }

        return pages;
    }

    private static GetCostAndUsageRequest Daily(int days, Expression? filter = null, params GroupDefinition[] groupBy) => new()
    {
        TimePeriod = DateInterval.Days(Today.AddDays(-days), Today.AddDays(1)),
        Granularity = Granularity.Daily,
        Metrics = [CostMetric.UnblendedCost, CostMetric.AmortizedCost],
        GroupBy = groupBy.Length == 0 ? null : groupBy,
        Filter = filter,
    };

    [Fact]
    public async Task GetCostAndUsage_GroupedByTeamAndService_AttributesStacksAndUntaggedSpend()
    {
        await using var server = await SandboxServer.StartAsync();
        await server.Admin.BackfillAsync(30, CancellationToken.None);
        var client = server.CostExplorer();
        await ActivateAsync(client, Team, EnvironmentId);

        var pages = await PagesAsync(client, Daily(10, null, GroupDefinition.Tag(Team), GroupDefinition.Dimension("SERVICE")));
        var groups = pages.SelectMany(p => p.ResultsByTime).SelectMany(r => r.Groups).ToList();

        pages[0].GroupDefinitions.ShouldBe([GroupDefinition.Tag(Team), GroupDefinition.Dimension("SERVICE")]);
        groups.ShouldAllBe(g => g.Keys.Count == 2 && g.Keys[0].StartsWith("portal:team$", StringComparison.Ordinal));
        groups.Select(g => g.Keys[0]).Distinct().Order().ShouldBe(["portal:team$", "portal:team$payments", "portal:team$platform", "portal:team$search"]);
        groups.Where(g => g.Keys[0] == "portal:team$").Select(g => g.Keys[1]).Distinct().ShouldBeSubsetOf(UntaggedServices);
        var services = groups.Where(g => g.Keys[0] == "portal:team$payments").Select(g => g.Keys[1]).Distinct().ToList();
        services.ShouldContain("Amazon Relational Database Service");
        services.ShouldContain("EC2 - Other");
        groups.ShouldAllBe(g => g.Metrics[CostMetric.UnblendedCost].Amount == g.Metrics[CostMetric.AmortizedCost].Amount && g.Metrics[CostMetric.UnblendedCost].Unit == "USD");

        var totals = (await client.GetCostAndUsageAsync(Daily(10), CancellationToken.None)).ResultsByTime;
        totals.Count.ShouldBe(11);
        foreach (var day in totals.Where(d => d.TimePeriod!.StartDate < Today))
        {
            var grouped = pages.SelectMany(p => p.ResultsByTime).Where(r => r.TimePeriod == day.TimePeriod).SelectMany(r => r.Groups).Sum(g => g.Metrics[CostMetric.UnblendedCost].Amount);
            grouped.ShouldBe(day.Total[CostMetric.UnblendedCost].Amount, 0.0001m);
            day.Total[CostMetric.UnblendedCost].Amount.ShouldBeGreaterThan(1m);
        }

        totals.Where(d => d.Estimated).Select(d => d.TimePeriod!.StartDate).ShouldBe([Today.AddDays(-1), Today]);
    }

    [Fact]
    public async Task GetCostAndUsage_PagesGroupsLikeAws()
    {
        await using var server = await SandboxServer.StartAsync(settings: new Dictionary<string, string?> { ["Sandbox:CostExplorerPageSize"] = "7" });
        await server.Admin.BackfillAsync(5, CancellationToken.None);
        var client = server.CostExplorer();
        await ActivateAsync(client, EnvironmentId);

        var request = Daily(4, null, GroupDefinition.Tag(EnvironmentId), GroupDefinition.Dimension("SERVICE"));
        var first = await client.GetCostAndUsageAsync(request, CancellationToken.None);
        first.NextPageToken.ShouldNotBeNull();
        (first.ResultsByTime.Count == 1 || first.ResultsByTime.Sum(r => r.Groups.Count) <= 7).ShouldBeTrue("a page holds whole days up to the page size (or one larger day)");

        var pages = await PagesAsync(client, request);
        pages.Count.ShouldBeGreaterThan(1);
        pages.SelectMany(p => p.ResultsByTime.Select(r => r.TimePeriod!.Start)).ShouldBeUnique();
        pages[^1].NextPageToken.ShouldBeNull();
        var keys = pages.SelectMany(p => p.ResultsByTime.SelectMany(r => r.Groups.Select(g => $"{r.TimePeriod!.Start}|{string.Join("|", g.Keys)}"))).ToList();
        keys.ShouldBeUnique();
        pages.SelectMany(p => p.ResultsByTime).SelectMany(r => r.Groups).Sum(g => g.Metrics[CostMetric.UnblendedCost].Amount)
            .ShouldBe((await client.GetCostAndUsageAsync(Daily(4), CancellationToken.None)).ResultsByTime.Sum(r => r.Total[CostMetric.UnblendedCost].Amount), 0.0001m);
    }

    [Fact]
    public async Task GetCostAndUsage_Filters_ByAbsentTag_NotAndDimensions()
    {
        await using var server = await SandboxServer.StartAsync();
        await server.Admin.BackfillAsync(10, CancellationToken.None);
        var client = server.CostExplorer();
        await ActivateAsync(client, Team);

        var absent = new Expression { Tags = new TagValues(Team, [], ["ABSENT"]) };
        var untagged = await client.GetCostAndUsageAsync(Daily(3, absent, GroupDefinition.Dimension("SERVICE")), CancellationToken.None);
        untagged.ResultsByTime.SelectMany(r => r.Groups).Select(g => g.Keys[0]).Distinct().ShouldBeSubsetOf(UntaggedServices);
        var untaggedDay = untagged.ResultsByTime[0].Groups.Sum(g => g.Metrics[CostMetric.UnblendedCost].Amount);
        untaggedDay.ShouldBeInRange(0.75m, 1.5m);

        var notPaymentsRds = Expression.AllOf(
            Expression.Negate(Expression.Tag(Team, "payments")),
            Expression.Dimension("SERVICE", "Amazon Relational Database Service"));
        var rds = await client.GetCostAndUsageAsync(Daily(3, notPaymentsRds, GroupDefinition.Tag(Team)), CancellationToken.None);
        rds.ResultsByTime.SelectMany(r => r.Groups).Select(g => g.Keys[0]).Distinct().Order().ShouldBe(["portal:team$platform", "portal:team$search"]);

        var either = Expression.AnyOf(Expression.Tag(Team, "payments"), absent);
        var eitherGroups = await client.GetCostAndUsageAsync(Daily(3, either, GroupDefinition.Tag(Team)), CancellationToken.None);
        eitherGroups.ResultsByTime.SelectMany(r => r.Groups).Select(g => g.Keys[0]).Distinct().Order().ShouldBe(["portal:team$", "portal:team$payments"]);

        var otherAccount = await client.GetCostAndUsageAsync(Daily(3, Expression.Dimension("LINKED_ACCOUNT", "999999999999")), CancellationToken.None);
        otherAccount.ResultsByTime.ShouldAllBe(r => r.Total[CostMetric.UnblendedCost].Amount == 0m);
        var byAccount = await client.GetCostAndUsageAsync(Daily(3, null, GroupDefinition.Dimension("LINKED_ACCOUNT")), CancellationToken.None);
        byAccount.ResultsByTime.SelectMany(r => r.Groups).Select(g => g.Keys[0]).Distinct().ShouldBe([SandboxServer.AccountId]);
    }

    [Fact]
    public async Task Inactive_CostAllocationTags_GroupEverythingAsUntagged_UntilActivated_AndActivationPersists()
    {
        await using (var server = await SandboxServer.StartAsync(dataDirectory: _dataDirectory))
        {
            await server.Admin.BackfillAsync(5, CancellationToken.None);
            var client = server.CostExplorer();
            var tags = await client.ListCostAllocationTagsAsync(new ListCostAllocationTagsRequest(), CancellationToken.None);
            tags.CostAllocationTags.Select(t => t.TagKey).ShouldContain(Team);
            tags.CostAllocationTags.ShouldAllBe(t => t.Status == CostAllocationTagStatus.Inactive && t.Type == "UserDefined");

            var before = await client.GetCostAndUsageAsync(Daily(2, null, GroupDefinition.Tag(Team)), CancellationToken.None);
            before.ResultsByTime.SelectMany(r => r.Groups).Select(g => g.Keys[0]).Distinct().ShouldBe(["portal:team$"]);

            await ActivateAsync(client, Team);
            var unknown = await client.UpdateCostAllocationTagsStatusAsync(
                new UpdateCostAllocationTagsStatusRequest([new CostAllocationTagStatusEntry("never-used", CostAllocationTagStatus.Active)]), CancellationToken.None);
            unknown.Errors.Single().TagKey.ShouldBe("never-used");
        }

        await using var restarted = await SandboxServer.StartAsync(dataDirectory: _dataDirectory);
        var active = await restarted.CostExplorer().ListCostAllocationTagsAsync(new ListCostAllocationTagsRequest { Status = CostAllocationTagStatus.Active }, CancellationToken.None);
        active.CostAllocationTags.Single().TagKey.ShouldBe(Team);
        var after = await restarted.CostExplorer().GetCostAndUsageAsync(Daily(2, null, GroupDefinition.Tag(Team)), CancellationToken.None);
        after.ResultsByTime.SelectMany(r => r.Groups).Select(g => g.Keys[0]).Distinct().Count().ShouldBe(4);
    }

    [Fact]
    public async Task DeniedTagUpdates_AnswerAccessDeniedException_AsAwsDoes_WhileListingStillWorks()
    {
        await using var server = await SandboxServer.StartAsync(settings: new Dictionary<string, string?> { ["Sandbox:Faults:DenyCostAllocationTagUpdates"] = "true" });
        await server.Admin.BackfillAsync(2, CancellationToken.None);
        var client = server.CostExplorer();

        var denied = await Should.ThrowAsync<AwsServiceException>(() => ActivateAsync(client, Team));

        denied.ErrorCode.ShouldBe("AccessDeniedException");
        denied.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        denied.IsRetryable.ShouldBeFalse();
        denied.ErrorMessage.ShouldContain("is not authorized to perform: ce:UpdateCostAllocationTagsStatus");
        (await client.ListCostAllocationTagsAsync(new ListCostAllocationTagsRequest { TagKeys = [Team] }, CancellationToken.None))
            .CostAllocationTags.Single().Status.ShouldBe(CostAllocationTagStatus.Inactive);

        server.Faults.DenyCostAllocationTagUpdates.ShouldBeTrue();
        server.Faults.Clear();
        await ActivateAsync(client, Team);
        (await client.ListCostAllocationTagsAsync(new ListCostAllocationTagsRequest { TagKeys = [Team] }, CancellationToken.None))
            .CostAllocationTags.Single().Status.ShouldBe(CostAllocationTagStatus.Active);
    }

    [Fact]
    public async Task Costs_AreDeterministic_ForAGivenState_AcrossCallsAndRestarts()
    {
        GetCostAndUsageResponse first;
        await using (var server = await SandboxServer.StartAsync(dataDirectory: _dataDirectory))
        {
            await server.Admin.BackfillAsync(20, CancellationToken.None);
            first = await server.CostExplorer().GetCostAndUsageAsync(Daily(15, null, GroupDefinition.Dimension("SERVICE")), CancellationToken.None);
            var again = await server.CostExplorer().GetCostAndUsageAsync(Daily(15, null, GroupDefinition.Dimension("SERVICE")), CancellationToken.None);
            Flatten(again).ShouldBe(Flatten(first));
        }

        await using var restarted = await SandboxServer.StartAsync(dataDirectory: _dataDirectory);
        var afterRestart = await restarted.CostExplorer().GetCostAndUsageAsync(Daily(15, null, GroupDefinition.Dimension("SERVICE")), CancellationToken.None);
        Flatten(afterRestart).ShouldBe(Flatten(first));
    }

    [Fact]
    public async Task A_StacksDailyCost_IsItsMonthlyEstimateTimesTwelveOver365_AndStopsWhenDeleted()
    {
        await using var server = await SandboxServer.StartAsync();
        var cfn = server.CloudFormation();
        const string Template = """
            Resources:
              Db:
                Type: AWS::RDS::DBInstance
                Properties:
                  Engine: postgres
                  DBInstanceClass: db.t3.micro
                  AllocatedStorage: "20"
                  StorageType: gp3
                  MasterUsername: portal
                  ManageMasterUserPassword: true
            """;
        await cfn.CreateStackAsync(new CreateStackRequest { StackName = "priced", TemplateBody = Template, Tags = [new Tag(EnvironmentId, "env-priced")] }, CancellationToken.None);
        server.Clock.Advance(TimeSpan.FromDays(3));
        var client = server.CostExplorer();
        await ActivateAsync(client, EnvironmentId);

        var estimate = new CostEstimator(PriceCatalog.Default).Estimate(new EstimateInput("us-east-1", [new EstimateResource("Db", "AWS::RDS::DBInstance", new JsonObject
        {
            ["Engine"] = "postgres", ["DBInstanceClass"] = "db.t3.micro", ["AllocatedStorage"] = "20", ["StorageType"] = "gp3", ["MasterUsername"] = "portal", ["ManageMasterUserPassword"] = true,
        })], new Dictionary<string, decimal>()));
        var expectedDaily = estimate.LineItems.Sum(l => l.MonthlyUsd) * 12m / 365m;
        var fullDay = DateOnly.FromDateTime(SandboxServer.Start.UtcDateTime).AddDays(1);
        var result = await client.GetCostAndUsageAsync(
            new GetCostAndUsageRequest
            {
                TimePeriod = DateInterval.Days(fullDay, fullDay.AddDays(1)),
                Granularity = Granularity.Daily,
                Metrics = [CostMetric.UnblendedCost],
                Filter = Expression.Tag(EnvironmentId, "env-priced"),
            },
            CancellationToken.None);
        result.ResultsByTime.Single().Total[CostMetric.UnblendedCost].Amount.ShouldBe(expectedDaily, 0.000001m);

        await cfn.DeleteStackAsync(new DeleteStackRequest { StackName = "priced" }, CancellationToken.None);
        server.Clock.Advance(TimeSpan.FromDays(2));
        var today = DateOnly.FromDateTime(server.Clock.GetUtcNow().UtcDateTime);
        var afterDeletion = await client.GetCostAndUsageAsync(
            new GetCostAndUsageRequest
            {
                TimePeriod = DateInterval.Days(today.AddDays(-1), today),
                Granularity = Granularity.Daily,
                Metrics = [CostMetric.UnblendedCost],
                Filter = Expression.Tag(EnvironmentId, "env-priced"),
            },
            CancellationToken.None);
        afterDeletion.ResultsByTime.Single().Total[CostMetric.UnblendedCost].Amount.ShouldBe(0m);
    }

    [Fact]
    public async Task Forecast_Tags_AndThrottling_AnswerLikeAws()
    {
        await using var server = await SandboxServer.StartAsync();
        await server.Admin.BackfillAsync(10, CancellationToken.None);
        var client = server.CostExplorer();

        var forecast = await client.GetCostForecastAsync(
            new GetCostForecastRequest { TimePeriod = DateInterval.Days(Today, Today.AddDays(30)), Metric = ForecastMetric.UnblendedCost, Granularity = Granularity.Monthly, PredictionIntervalLevel = 80 },
            CancellationToken.None);
        forecast.Total!.Amount.ShouldBeGreaterThan(10m);
        forecast.ForecastResultsByTime.ShouldAllBe(r => r.PredictionIntervalLowerBound < r.MeanValue && r.MeanValue < r.PredictionIntervalUpperBound);

        var keys = await client.GetTagsAsync(new GetTagsRequest { TimePeriod = DateInterval.Days(Today.AddDays(-5), Today) }, CancellationToken.None);
        keys.Tags.ShouldBe(["portal:environment-id", "portal:team", "portal:tier"]);
        var teams = await client.GetTagsAsync(new GetTagsRequest { TimePeriod = DateInterval.Days(Today.AddDays(-5), Today), TagKey = Team }, CancellationToken.None);
        teams.Tags.ShouldBe(["payments", "platform", "search"]);

        server.Faults.ThrottleNext(2);
        (await client.GetCostAndUsageAsync(Daily(1), CancellationToken.None)).ResultsByTime.ShouldNotBeEmpty();
        server.Faults.ThrottleNext(50);
        var error = await Should.ThrowAsync<ThrottlingException>(() => client.GetCostAndUsageAsync(Daily(1), CancellationToken.None));
        error.ErrorCode.ShouldBe("ThrottlingException");
        server.Faults.Clear();

        var invalid = await Should.ThrowAsync<AwsServiceException>(() => client.GetCostAndUsageAsync(
            new GetCostAndUsageRequest { TimePeriod = DateInterval.Days(Today, Today), Granularity = Granularity.Daily, Metrics = [CostMetric.UnblendedCost] }, CancellationToken.None));
        invalid.ErrorCode.ShouldBe("ValidationException");
    }

    [Fact]
    public async Task A_YearOfBackfilledHistory_IsBilledDaily()
    {
        await using var server = await SandboxServer.StartAsync();
        await server.Admin.BackfillAsync(365, CancellationToken.None);
        var client = server.CostExplorer();
        await ActivateAsync(client, Team);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var pages = await PagesAsync(client, Daily(364, null, GroupDefinition.Tag(Team)));
        watch.Stop();
        var days = pages.SelectMany(p => p.ResultsByTime).Select(r => r.TimePeriod!.Start).Distinct().Count();
        days.ShouldBe(365);
        var monthly = await client.GetCostAndUsageAsync(
            new GetCostAndUsageRequest { TimePeriod = DateInterval.Days(Today.AddDays(-364), Today), Granularity = Granularity.Monthly, Metrics = [CostMetric.UnblendedCost] },
            CancellationToken.None);
        monthly.ResultsByTime.Count.ShouldBe(13);
        monthly.ResultsByTime.Skip(1).SkipLast(1).ShouldAllBe(m => m.Total[CostMetric.UnblendedCost].Amount > 100m);
        output.WriteLine($"GetCostAndUsage DAILY x365 grouped by {Team}: {watch.ElapsedMilliseconds} ms, {pages.Count} page(s)");
    }

    private static List<string> Flatten(GetCostAndUsageResponse response) =>
        [.. response.ResultsByTime.SelectMany(r => r.Groups.Select(g => $"{r.TimePeriod!.Start}|{string.Join("|", g.Keys)}|{g.Metrics[CostMetric.UnblendedCost].Amount}"))];
}
