using Portal.Provisioning.Aws.CloudFormation;

namespace Portal.Sandbox.Tests;

public sealed class PersistenceAndPagingTests : IDisposable
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "portal-sandbox-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task A_StackKeepsProgressingWhileTheSandboxIsDown_AndCompletesAfterARestart()
    {
        var clock = new FakeClock(SandboxServer.Start);
        string stackId;
        List<StackResource> early;
        await using (var first = await SandboxServer.StartAsync(clock, _dataDirectory))
        {
            var client = first.CloudFormation();
            stackId = (await client.CreateStackAsync(
                new CreateStackRequest
                {
                    StackName = "survivor",
                    TemplateBody = Templates.Catalog("network-vpc"),
                    Parameters = [Parameter.Of("EnvironmentName", "survivor")],
                    Capabilities = [Capability.Iam],
                    ClientRequestToken = "create-survivor",
                },
                CancellationToken.None)).StackId;
            clock.Advance(TimeSpan.FromSeconds(3));
            (await client.DescribeAsync("survivor")).StackStatus.ShouldBe(StackStatus.CreateInProgress);
            early = [.. (await client.DescribeStackResourcesAsync(new DescribeStackResourcesRequest { StackName = "survivor" }, CancellationToken.None)).StackResources];
        }

        Directory.GetFiles(Path.Combine(_dataDirectory, "stacks"), "*.json").Length.ShouldBe(1);
        Directory.GetFiles(Path.Combine(_dataDirectory, "stacks"), "*.tmp").ShouldBeEmpty();
        clock.Advance(TimeSpan.FromMinutes(30));

        await using var second = await SandboxServer.StartAsync(clock, _dataDirectory);
        var again = second.CloudFormation();
        var stack = await again.DescribeAsync("survivor");
        stack.StackId.ShouldBe(stackId);
        stack.StackStatus.ShouldBe(StackStatus.CreateComplete);
        stack.Outputs.ShouldContain(o => o.OutputKey == "VpcId");
        var resources = (await again.DescribeStackResourcesAsync(new DescribeStackResourcesRequest { StackName = "survivor" }, CancellationToken.None)).StackResources;
        foreach (var before in early.Where(r => r.PhysicalResourceId is not null))
        {
            resources.Single(r => r.LogicalResourceId == before.LogicalResourceId).PhysicalResourceId.ShouldBe(before.PhysicalResourceId);
        }

        // The idempotency record survived too.
        (await again.CreateStackAsync(
            new CreateStackRequest
            {
                StackName = "survivor",
                TemplateBody = Templates.Catalog("network-vpc"),
                Parameters = [Parameter.Of("EnvironmentName", "survivor")],
                Capabilities = [Capability.Iam],
                ClientRequestToken = "create-survivor",
            },
            CancellationToken.None)).StackId.ShouldBe(stackId);
    }

    [Fact]
    public async Task DescribeStacks_AndListStacks_PageByAHundred()
    {
        await using var server = await SandboxServer.StartAsync();
        var client = server.CloudFormation();
        for (var i = 0; i < 230; i++)
        {
            await client.CreateStackAsync(new CreateStackRequest { StackName = $"paged-{i:000}", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);
            server.Clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        await client.DeleteStackAsync(new DeleteStackRequest { StackName = "paged-000" }, CancellationToken.None);
        server.Clock.Advance(TimeSpan.FromMinutes(5));

        var first = await client.DescribeStacksAsync(new DescribeStacksRequest(), CancellationToken.None);
        first.Stacks.Count.ShouldBe(100);
        first.NextToken.ShouldNotBeNull();
        first.Stacks[0].StackName.ShouldBe("paged-229");
        var all = new List<Stack>();
        await foreach (var stack in client.DescribeAllStacksAsync(new DescribeStacksRequest(), CancellationToken.None))
        {
            all.Add(stack);
        }

        all.Count.ShouldBe(229);
        all.Select(s => s.StackId).ShouldBeUnique();

        var summaries = new List<StackSummary>();
        await foreach (var summary in client.ListAllStacksAsync(new ListStacksRequest(), CancellationToken.None))
        {
            summaries.Add(summary);
        }

        summaries.Count.ShouldBe(230);
        var deleted = await client.ListStacksAsync(new ListStacksRequest { StackStatusFilter = [StackStatus.DeleteComplete] }, CancellationToken.None);
        deleted.StackSummaries.Single().StackName.ShouldBe("paged-000");
        deleted.NextToken.ShouldBeNull();
    }

    [Fact]
    public async Task DescribeStackEvents_PagesNewestFirstWithoutGapsOrRepeats()
    {
        await using var server = await SandboxServer.StartAsync();
        var client = server.CloudFormation();
        await client.CreateStackAsync(
            new CreateStackRequest
            {
                StackName = "chatty",
                TemplateBody = Templates.Catalog("network-vpc"),
                Parameters = [Parameter.Of("EnvironmentName", "chatty"), Parameter.Of("NatGatewayMode", "per-az")],
                Capabilities = [Capability.Iam],
            },
            CancellationToken.None);
        await server.SettleAsync(client, "chatty");

        var first = await client.DescribeStackEventsAsync(new DescribeStackEventsRequest { StackName = "chatty" }, CancellationToken.None);
        first.StackEvents.Count.ShouldBe(100);
        first.NextToken.ShouldNotBeNull();
        var second = await client.DescribeStackEventsAsync(new DescribeStackEventsRequest { StackName = "chatty", NextToken = first.NextToken }, CancellationToken.None);
        second.StackEvents[0].Timestamp.ShouldBeLessThanOrEqualTo(first.StackEvents[^1].Timestamp);

        var all = await client.EventsAsync("chatty");
        all.Count.ShouldBeGreaterThan(100);
        all.Select(e => e.EventId).ShouldBeUnique();
        all.Take(100).Select(e => e.EventId).ShouldBe(first.StackEvents.Select(e => e.EventId));
        all.Zip(all.Skip(1)).ShouldAllBe(p => p.First.Timestamp >= p.Second.Timestamp);
    }
}
