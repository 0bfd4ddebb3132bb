using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;

namespace Portal.Sandbox.Tests;

/// <summary>
/// Account quotas (issue 17, part 3): the sandbox refuses like AWS — LimitExceededException past StackLimit, EC2's message
/// on the resource past the VPC, Elastic IP and NAT gateway quotas — and the portal's admission check sees the same numbers
/// through CloudFormation's APIs before anything is queued.
/// </summary>
public sealed class QuotaTests
{
    internal static CreateStackRequest Network(string name, string cidr, string natMode = "single") => new()
    {
        StackName = name,
        TemplateBody = Templates.Catalog("network-vpc"),
        Parameters = [Parameter.Of("EnvironmentName", name), Parameter.Of("VpcCidr", cidr), Parameter.Of("NatGatewayMode", natMode)],
        Capabilities = [Capability.Iam],
    };

    [Fact]
    public async Task CreateStack_PastStackLimit_IsLimitExceeded_AndDescribeAccountLimitsSaysTheLimit()
    {
        await using var server = await SandboxServer.StartAsync(settings: new Dictionary<string, string?> { ["Sandbox:Limits:StackLimit"] = "2" });
        var client = server.CloudFormation();
        (await client.DescribeAccountLimitsAsync(new DescribeAccountLimitsRequest(), CancellationToken.None)).AccountLimits.ShouldContain(new AccountLimit("StackLimit", 2));

        await client.CreateStackAsync(new CreateStackRequest { StackName = "one", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);
        await client.CreateStackAsync(new CreateStackRequest { StackName = "two", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);
        var refused = await Should.ThrowAsync<LimitExceededException>(() =>
            client.CreateStackAsync(new CreateStackRequest { StackName = "three", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None));
        refused.ErrorCode.ShouldBe("LimitExceededException");
        refused.ErrorMessage.ShouldBe("Limit for stacks has been exceeded");
        await Should.ThrowAsync<LimitExceededException>(() => client.CreateChangeSetAsync(
            new CreateChangeSetRequest { StackName = "three", ChangeSetName = "initial", ChangeSetType = ChangeSetType.Create, TemplateBody = Templates.SingleLogGroup },
            CancellationToken.None));

        // Another region of the account has its own quota; a deleted stack frees its place.
        await server.CloudFormation("us-west-2").CreateStackAsync(new CreateStackRequest { StackName = "three", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);
        await server.SettleAsync(client, "one");
        await client.DeleteStackAsync(new DeleteStackRequest { StackName = "one" }, CancellationToken.None);
        server.Clock.Advance(TimeSpan.FromMinutes(5));
        await client.CreateStackAsync(new CreateStackRequest { StackName = "three", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);
    }

    [Fact]
    public async Task A_VpcPastTheQuota_FailsWithEc2sMessage_AndTheStackRollsBack()
    {
        await using var server = await SandboxServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Sandbox:Limits:VpcsPerRegion"] = "1",
            ["Sandbox:Limits:ElasticIpsPerRegion"] = "5",
            ["Sandbox:Limits:NatGatewaysPerAz"] = "5",
        });
        var client = server.CloudFormation();
        await client.CreateStackAsync(Network("net-a", "10.1.0.0/16"), CancellationToken.None);
        (await server.SettleAsync(client, "net-a")).StackStatus.ShouldBe(StackStatus.CreateComplete);

        await client.CreateStackAsync(Network("net-b", "10.2.0.0/16"), CancellationToken.None);
        (await server.SettleAsync(client, "net-b")).StackStatus.ShouldBe(StackStatus.RollbackComplete);
        var failed = (await client.EventsAsync("net-b")).Single(e => e.LogicalResourceId == "Vpc" && e.ResourceStatus == "CREATE_FAILED");
        failed.ResourceStatusReason.ShouldStartWith("Resource handler returned message: \"The maximum number of VPCs has been reached. (Service: Ec2, Status Code: 400, Request ID: ");
        failed.ResourceStatusReason.ShouldEndWith("HandlerErrorCode: GeneralServiceException)");

        // Another region has its own VPCs.
        var west = server.CloudFormation("us-west-2");
        await west.CreateStackAsync(Network("net-c", "10.3.0.0/16"), CancellationToken.None);
        (await server.SettleAsync(west, "net-c")).StackStatus.ShouldBe(StackStatus.CreateComplete);
    }

    [Fact]
    public async Task ElasticIps_AndNatGatewaysPerZone_AreCountedLikeAws()
    {
        await using var server = await SandboxServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Sandbox:Limits:VpcsPerRegion"] = "10",
            ["Sandbox:Limits:ElasticIpsPerRegion"] = "3",
            ["Sandbox:Limits:NatGatewaysPerAz"] = "1",
        });
        var client = server.CloudFormation();

        // Per AZ: three gateways, one per zone, fit a quota of one per zone.
        await client.CreateStackAsync(Network("prod-net", "10.1.0.0/16", "per-az"), CancellationToken.None);
        (await server.SettleAsync(client, "prod-net")).StackStatus.ShouldBe(StackStatus.CreateComplete);

        // Three addresses are taken: the next one is refused with EC2's words.
        await client.CreateStackAsync(Network("dev-net", "10.2.0.0/16"), CancellationToken.None);
        (await server.SettleAsync(client, "dev-net")).StackStatus.ShouldBe(StackStatus.RollbackComplete);
        (await client.EventsAsync("dev-net")).ShouldContain(e => e.LogicalResourceId == "NatEip1" && e.ResourceStatus == "CREATE_FAILED"
            && e.ResourceStatusReason!.Contains("The maximum number of addresses has been reached.", StringComparison.Ordinal));
    }
}
