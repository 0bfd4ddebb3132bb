using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Lifecycle;
using Portal.TestSupport;

namespace Portal.Sandbox.Tests;

/// <summary>
/// The portal's admission check against the sandbox's own refusals (issue 17, part 3): the numbers it sees through
/// CloudFormation's APIs, NAT gateways per Availability Zone (and the fallback where a zone is unknown), and the snapshot
/// that keeps a burst of submits from listing the account each time. An empty SQLite portal database, so only AWS counts.
/// </summary>
public sealed class QuotaAdmissionTests
{
    private const string UnknownZoneTemplate = """
        {
          "Resources": {
            "Address": { "Type": "AWS::EC2::EIP", "Properties": { "Domain": "vpc" } },
            "Gateway": { "Type": "AWS::EC2::NatGateway", "Properties": { "AllocationId": { "Fn::GetAtt": ["Address", "AllocationId"] }, "SubnetId": "subnet-0123456789abcdef0" } }
          }
        }
        """;

    [Fact]
    public async Task Admission_SeesTheNumbersTheSandboxRefusesAt()
    {
        await using var server = await SandboxServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Sandbox:Limits:VpcsPerRegion"] = "1",
            ["Sandbox:Limits:StackLimit"] = "50",
        });
        await using var harness = await AdmissionHarness.StartAsync(server, new QuotaOptions { VpcsPerRegion = 1, ElasticIpsPerRegion = 5, NatGatewaysPerAz = 5, SnapshotSeconds = 0 });
        var network = harness.NetworkDemand("dev");
        network.ShouldBe(network with { Stacks = 1, Vpcs = 1, ElasticIps = 1 });
        network.NatGatewaysByZone.ShouldBe(new Dictionary<string, int> { ["us-east-1a"] = 1 });

        var empty = await harness.CheckAsync(network);
        empty.Refusal.ShouldBeNull();
        empty.Usages.Single(u => u.Quota == "stacks").ShouldBe(new QuotaUsage("stacks", "us-east-1", "stacks (CloudFormation StackLimit)", 0, 50, 1));
        empty.Usages.Single(u => u.Quota == "vpcs").InUse.ShouldBe(0);

        var client = server.CloudFormation();
        await client.CreateStackAsync(QuotaTests.Network("net-a", "10.1.0.0/16"), CancellationToken.None);
        await server.SettleAsync(client, "net-a");
        await client.CreateStackAsync(new CreateStackRequest { StackName = "logs", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);

        var full = await harness.CheckAsync(network);
        full.Usages.Single(u => u.Quota == "stacks").InUse.ShouldBe(2);
        full.Usages.Single(u => u.Quota == "vpcs").ShouldBe(new QuotaUsage("vpcs", "us-east-1", "VPCs", 1, 1, 1));
        full.Usages.Single(u => u.Quota == "elastic-ips").InUse.ShouldBe(1);
        full.Usages.Single(u => u.Quota == "nat-gateways").ShouldBe(new QuotaUsage("nat-gateways", "us-east-1a", "NAT gateways", 1, 5, 1));
        full.RefusedQuota.ShouldBe("vpcs");
        full.Refusal.ShouldBe("us-east-1 has 1 of 1 VPCs in account 123456789012; this request needs 1 more. Free some up or ask for a quota increase, then submit again.");

        // What the portal refused, the sandbox (like AWS) refuses too.
        await client.CreateStackAsync(QuotaTests.Network("net-b", "10.2.0.0/16"), CancellationToken.None);
        (await server.SettleAsync(client, "net-b")).StackStatus.ShouldBe(StackStatus.RollbackComplete);

        // A template without network resources needs only a stack: no resource counts, admitted.
        var small = await harness.CheckAsync(new QuotaDemand(1, 0, 0, 0));
        small.Refusal.ShouldBeNull();
        small.Usages.Select(u => u.Quota).ShouldBe(["stacks"]);
        small.Usages[0].InUse.ShouldBe(3);
    }

    [Fact]
    public async Task Admission_RefusesAtStackLimit_FromDescribeAccountLimits()
    {
        await using var server = await SandboxServer.StartAsync(settings: new Dictionary<string, string?> { ["Sandbox:Limits:StackLimit"] = "1" });
        await using var harness = await AdmissionHarness.StartAsync(server, new QuotaOptions { SnapshotSeconds = 0 });
        var client = server.CloudFormation();
        await client.CreateStackAsync(new CreateStackRequest { StackName = "only", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);

        var verdict = await harness.CheckAsync(new QuotaDemand(1, 0, 0, 0));

        verdict.Refusal.ShouldBe("us-east-1 has 1 of 1 stacks (CloudFormation StackLimit) in account 123456789012; this request needs 1 more. Free some up or ask for a quota increase, then submit again.");
        await Should.ThrowAsync<LimitExceededException>(() =>
            client.CreateStackAsync(new CreateStackRequest { StackName = "second", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None));
    }

    [Fact]
    public async Task NatGateways_AreCheckedPerAvailabilityZone_NotAgainstTheRegionsTotal()
    {
        await using var server = await SandboxServer.StartAsync(settings: new Dictionary<string, string?> { ["Sandbox:Limits:NatGatewaysPerAz"] = "1" });
        await using var harness = await AdmissionHarness.StartAsync(server, new QuotaOptions { VpcsPerRegion = 10, ElasticIpsPerRegion = 10, NatGatewaysPerAz = 1, SnapshotSeconds = 0 });
        var client = server.CloudFormation();
        await client.CreateStackAsync(QuotaTests.Network("net-a", "10.1.0.0/16"), CancellationToken.None);
        (await server.SettleAsync(client, "net-a")).StackStatus.ShouldBe(StackStatus.CreateComplete);

        // A dev network puts its one gateway in the first zone, which holds one already: refused, though the region has room
        // (the old region-wide check compared 1 with 1 × 3 zones and let it through to fail minutes later).
        var verdict = await harness.CheckAsync(harness.NetworkDemand("dev"));
        verdict.Usages.Where(u => u.Quota == "nat-gateways").ShouldHaveSingleItem().ShouldBe(new QuotaUsage("nat-gateways", "us-east-1a", "NAT gateways", 1, 1, 1));
        verdict.Refusal.ShouldBe("us-east-1a has 1 of 1 NAT gateways in account 123456789012; this request needs 1 more. Free some up or ask for a quota increase, then submit again.");

        // A prod network (one per zone) is refused at the first zone too; a gateway in another zone fits.
        (await harness.CheckAsync(harness.NetworkDemand("prod"))).Refusal.ShouldStartWith("us-east-1a has 1 of 1 NAT gateways");
        (await harness.CheckAsync(new QuotaDemand(1, 0, 0, new Dictionary<string, int> { ["us-east-1b"] = 1 }))).Refusal.ShouldBeNull();

        // And the sandbox, like AWS, refuses what the portal refused.
        await client.CreateStackAsync(QuotaTests.Network("net-b", "10.2.0.0/16"), CancellationToken.None);
        (await server.SettleAsync(client, "net-b")).StackStatus.ShouldBe(StackStatus.RollbackComplete);
        (await client.EventsAsync("net-b")).ShouldContain(e => e.LogicalResourceId == "NatGateway1" && e.ResourceStatus == "CREATE_FAILED"
            && e.ResourceStatusReason!.Contains("would exceed the limit of 1 NAT gateways", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NatGateways_WhoseZoneIsUnknown_AreCheckedAgainstTheRegion_AndTheRefusalSaysSo()
    {
        await using var server = await SandboxServer.StartAsync();
        await using var harness = await AdmissionHarness.StartAsync(server, new QuotaOptions { NatGatewaysPerAz = 1, AvailabilityZones = 1, SnapshotSeconds = 0 });
        var client = server.CloudFormation();
        await client.CreateStackAsync(new CreateStackRequest { StackName = "by-hand", TemplateBody = UnknownZoneTemplate }, CancellationToken.None);
        (await server.SettleAsync(client, "by-hand")).StackStatus.ShouldBe(StackStatus.CreateComplete);

        var demand = new QuotaDemand(1, 0, 0, new Dictionary<string, int> { ["us-east-1b"] = 1 });
        var verdict = await harness.CheckAsync(demand);

        verdict.Usages.Single(u => u.Scope == "us-east-1b").InUse.ShouldBe(0);
        var region = verdict.Usages.Single(u => u.Quota == "nat-gateways" && u.Scope == "us-east-1");
        region.ShouldBe(region with { InUse = 1, Limit = 1, Requested = 1 });
        verdict.Refusal.ShouldBe(
            "us-east-1 has 1 of 1 NAT gateways (1 per Availability Zone in 1 zones) in account 123456789012; this request needs 1 more. "
            + "The Availability Zone of 1 NAT gateway(s) is unknown, so they were checked against the region's 1, not per zone. "
            + "Free some up or ask for a quota increase, then submit again.");
    }

    [Fact]
    public async Task TwentyChecksInARow_ListTheAccountOnce_AndAStackAgainOnlyWhenItChanged()
    {
        await using var server = await SandboxServer.StartAsync();
        await using var harness = await AdmissionHarness.StartAsync(server, new QuotaOptions { SnapshotSeconds = 30 });
        var client = server.CloudFormation();
        await client.CreateStackAsync(QuotaTests.Network("net-a", "10.1.0.0/16"), CancellationToken.None);
        await client.CreateStackAsync(new CreateStackRequest { StackName = "logs-1", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);
        await client.CreateStackAsync(new CreateStackRequest { StackName = "logs-2", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);
        await server.SettleAsync(client, "net-a");
        await server.SettleAsync(client, "logs-1");
        await server.SettleAsync(client, "logs-2");
        var before = harness.Calls();

        var network = harness.NetworkDemand("dev");
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => harness.CheckAsync(network)));
        for (var i = 0; i < 10; i++)
        {
            (await harness.CheckAsync(i % 2 == 0 ? network : new QuotaDemand(1, 0, 0, 0))).Refusal.ShouldBeNull();
        }

        var burst = harness.Calls() - before;
        burst.ShouldBe(new CallCounts(ListStacks: 1, DescribeAccountLimits: 1, ListStackResources: 3, GetTemplate: 1), "20 submits, one read of the account");

        // Past the snapshot's age the account is listed again, but unchanged stacks are not.
        server.Clock.Advance(TimeSpan.FromSeconds(31));
        await harness.CheckAsync(network);
        (harness.Calls() - before).ShouldBe(new CallCounts(2, 2, 3, 1));

        // A stack updated since is listed again (its LastUpdatedTime changed); the others still are not.
        await client.UpdateStackAsync(new UpdateStackRequest { StackName = "logs-1", TemplateBody = Templates.SingleLogGroup.Replace("7", "14", StringComparison.Ordinal) }, CancellationToken.None);
        await server.SettleAsync(client, "logs-1");
        server.Clock.Advance(TimeSpan.FromSeconds(31));
        await harness.CheckAsync(network);
        (harness.Calls() - before).ShouldBe(new CallCounts(3, 3, 4, 1));
    }

    internal sealed record CallCounts(long ListStacks, long DescribeAccountLimits, long ListStackResources, long GetTemplate)
    {
        public static CallCounts operator -(CallCounts a, CallCounts b) =>
            new(a.ListStacks - b.ListStacks, a.DescribeAccountLimits - b.DescribeAccountLimits, a.ListStackResources - b.ListStackResources, a.GetTemplate - b.GetTemplate);
    }

    /// <summary>The admission pieces wired to a sandbox, the real catalog and an empty, migrated SQLite database.</summary>
    private sealed class AdmissionHarness : IAsyncDisposable
    {
        private readonly SandboxServer _server;
        private readonly TestDatabase _database;
        private readonly ServiceProvider _catalogServices;

        private AdmissionHarness(SandboxServer server, TestDatabase database, ServiceProvider catalogServices, AccountQuotaSnapshots snapshots, QuotaAdmission admission, CatalogProvider catalog)
        {
            _server = server;
            _database = database;
            _catalogServices = catalogServices;
            Snapshots = snapshots;
            Admission = admission;
            Catalog = catalog;
        }

        public AccountQuotaSnapshots Snapshots { get; }

        public QuotaAdmission Admission { get; }

        public CatalogProvider Catalog { get; }

        public static async Task<AdmissionHarness> StartAsync(SandboxServer server, QuotaOptions options)
        {
            var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
            await new DatabaseMigrator(database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Catalog:Directory"] = RepositoryPaths.Templates }).Build());
            services.AddTemplateCatalog();
            var catalogServices = services.BuildServiceProvider();
            var catalog = catalogServices.GetRequiredService<CatalogProvider>();
            await catalog.ReloadAsync(CancellationToken.None);
            var snapshots = new AccountQuotaSnapshots(
                server.ClientServices.GetRequiredService<ICloudFormationClientFactory>(),
                server.ClientServices.GetRequiredService<AwsAccountDirectory>(),
                Options.Create(options),
                server.Clock);
            var admission = new QuotaAdmission(snapshots, catalog, Options.Create(options), NullLogger<QuotaAdmission>.Instance);
            return new AdmissionHarness(server, database, catalogServices, snapshots, admission, catalog);
        }

        public QuotaDemand NetworkDemand(string tier) => QuotaAdmission.DemandOf(
            Catalog.Current.Find("network-vpc")!, tier, SandboxServer.Region, PortalValues.Preview("payments", "net", EnvironmentTiers.Parse(tier)), new Dictionary<string, string>());

        public async Task<QuotaVerdict> CheckAsync(QuotaDemand demand)
        {
            var snapshot = await Snapshots.GetAsync(SandboxServer.AccountId, SandboxServer.Region, demand.NeedsResourceCounts, CancellationToken.None);
            await using var db = _database.CreateContext();
            return await Admission.EvaluateAsync(db, new QuotaCheck(SandboxServer.AccountId, SandboxServer.Region, demand, snapshot, null), CancellationToken.None);
        }

        public CallCounts Calls()
        {
            var usage = _server.ClientServices.GetRequiredService<AwsUsageTracker>().Snapshot().Operations;
            long Count(string operation) => usage.Where(o => o.Operation == operation).Sum(o => o.Calls);
            return new CallCounts(Count("ListStacks"), Count("DescribeAccountLimits"), Count("ListStackResources"), Count("GetTemplate"));
        }

        public async ValueTask DisposeAsync()
        {
            await _catalogServices.DisposeAsync();
            await _database.DisposeAsync();
        }
    }
}
