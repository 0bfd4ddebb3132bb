using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Lifecycle;

namespace Portal.Sandbox.Tests;

/// <summary>
/// Account quotas (issue 17, part 3): the sandbox refuses like AWS — LimitExceededException past StackLimit, EC2's message
/// on the resource past the VPC, Elastic IP and NAT gateway quotas — and the portal's admission check sees the same numbers
/// through CloudFormation's APIs before anything is queued.
/// </summary>
public sealed class QuotaTests
{
    private static CreateStackRequest Network(string name, string cidr, string natMode = "single") => new()
    {
        StackName = name,
        TemplateBody = Templates.Catalog("network-vpc"),
        Parameters = [Parameter.Of("EnvironmentName", name), Parameter.Of("VpcCidr", cidr), Parameter.Of("NatGatewayMode", natMode)],
        Capabilities = [Capability.Iam],
    };

    private static QuotaAdmission Admission(SandboxServer server, QuotaOptions options) => new(
        server.ClientServices.GetRequiredService<ICloudFormationClientFactory>(),
        server.ClientServices.GetRequiredService<AwsAccountDirectory>(),
        Options.Create(options),
        NullLogger<QuotaAdmission>.Instance);

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

    [Fact]
    public async Task Admission_SeesTheNumbersTheSandboxRefusesAt()
    {
        await using var server = await SandboxServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Sandbox:Limits:VpcsPerRegion"] = "1",
            ["Sandbox:Limits:StackLimit"] = "50",
        });
        var admission = Admission(server, new QuotaOptions { VpcsPerRegion = 1, ElasticIpsPerRegion = 5, NatGatewaysPerAz = 5 });
        var network = new QuotaDemand(Stacks: 1, Vpcs: 1, ElasticIps: 1, NatGateways: 1);

        var empty = await admission.CheckAsync(SandboxServer.AccountId, SandboxServer.Region, network, CancellationToken.None);
        empty.Refusal.ShouldBeNull();
        empty.Usages.Single(u => u.Quota == "stacks").ShouldBe(new QuotaUsage("stacks", "stacks (CloudFormation StackLimit)", 0, 50, 1));
        empty.Usages.Single(u => u.Quota == "vpcs").InUse.ShouldBe(0);

        var client = server.CloudFormation();
        await client.CreateStackAsync(Network("net-a", "10.1.0.0/16"), CancellationToken.None);
        await server.SettleAsync(client, "net-a");
        await client.CreateStackAsync(new CreateStackRequest { StackName = "logs", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);

        var full = await admission.CheckAsync(SandboxServer.AccountId, SandboxServer.Region, network, CancellationToken.None);
        full.Usages.Single(u => u.Quota == "stacks").InUse.ShouldBe(2);
        full.Usages.Single(u => u.Quota == "vpcs").ShouldBe(new QuotaUsage("vpcs", "VPCs", 1, 1, 1));
        full.Usages.Single(u => u.Quota == "elastic-ips").InUse.ShouldBe(1);
        full.Usages.Single(u => u.Quota == "nat-gateways").InUse.ShouldBe(1);
        full.Refusal.ShouldBe("us-east-1 has 1 of 1 VPCs in account 123456789012; this request needs 1 more. Free some up or ask for a quota increase, then submit again.");

        // What the portal refused, the sandbox (like AWS) refuses too.
        await client.CreateStackAsync(Network("net-b", "10.2.0.0/16"), CancellationToken.None);
        (await server.SettleAsync(client, "net-b")).StackStatus.ShouldBe(StackStatus.RollbackComplete);

        // A template without network resources needs only a stack: no resource counts, admitted.
        var small = await admission.CheckAsync(SandboxServer.AccountId, SandboxServer.Region, new QuotaDemand(1, 0, 0, 0), CancellationToken.None);
        small.Refusal.ShouldBeNull();
        small.Usages.Select(u => u.Quota).ShouldBe(["stacks"]);
        small.Usages[0].InUse.ShouldBe(3);
    }

    [Fact]
    public async Task Admission_RefusesAtStackLimit_FromDescribeAccountLimits()
    {
        await using var server = await SandboxServer.StartAsync(settings: new Dictionary<string, string?> { ["Sandbox:Limits:StackLimit"] = "1" });
        var client = server.CloudFormation();
        await client.CreateStackAsync(new CreateStackRequest { StackName = "only", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);

        var verdict = await Admission(server, new QuotaOptions()).CheckAsync(SandboxServer.AccountId, SandboxServer.Region, new QuotaDemand(1, 0, 0, 0), CancellationToken.None);

        verdict.Refusal.ShouldBe("us-east-1 has 1 of 1 stacks (CloudFormation StackLimit) in account 123456789012; this request needs 1 more. Free some up or ask for a quota increase, then submit again.");
        await Should.ThrowAsync<LimitExceededException>(() =>
            client.CreateStackAsync(new CreateStackRequest { StackName = "second", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None));
    }
}
