using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Catalog;
using Portal.TestSupport;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Requests;

/// <summary>
/// Quota-aware admission through the real pipeline: the hosted sandbox enforces the quotas like AWS, and a request that would
/// pass one is refused at submit with the numbers (422 problem details, field <c>quota</c>) instead of failing minutes later —
/// a second network past the VPC quota, an update that adds NAT gateways and addresses (counting only what it adds), and a
/// create while earlier requests are queued but not provisioned yet.
/// </summary>
public sealed class QuotaAdmissionApiTests
{
    [Fact]
    public async Task Create_PastTheAccountsVpcQuota_IsRefusedAtSubmit_WithTheNumbers()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Sandbox:Limits:VpcsPerRegion"] = "1",
            ["Quotas:VpcsPerRegion"] = "1",
        });
        using var dev = new HttpClient { BaseAddress = portal.BaseAddress };
        dev.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await portal.CreateTokenAsync("dev@example.com"));

        var first = await dev.PostAsJsonAsync("/api/v1/requests", Create("net-one"));
        var firstBody = await first.Content.ReadAsStringAsync();
        first.StatusCode.ShouldBe(HttpStatusCode.Created, firstBody);
        var environmentId = JsonDocument.Parse(firstBody).RootElement.GetProperty("environmentId").GetGuid();
        await portal.WaitForAsync(environmentId, EnvironmentStatus.Ready);

        var second = await dev.PostAsJsonAsync("/api/v1/requests", Create("net-two"));

        (await QuotaErrorAsync(second)).ShouldStartWith("us-east-1 has 1 of 1 VPCs in account 123456789012; this request needs 1 more.");
        await using (var db = await portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync())
        {
            (await db.EnvironmentRequests.CountAsync(r => r.EnvironmentName == "net-two")).ShouldBe(0);
        }

        // The refusal is the sandbox's own: the same stack created directly fails at its VPC, as in AWS.
        var endpoint = new Uri(portal.BaseAddress, "/sandbox/aws/cloudformation").ToString();
        var template = Path.Combine(RepositoryPaths.Templates, "network-vpc", "template.yaml");
        var (code, _, stderr) = await AwsCli.CloudFormationAsync(endpoint, "create-stack", "--stack-name", "by-hand", "--template-body", $"file://{template}",
            "--parameters", "ParameterKey=EnvironmentName,ParameterValue=by-hand", "ParameterKey=VpcCidr,ParameterValue=10.77.0.0/16", "--capabilities", "CAPABILITY_IAM");
        code.ShouldBe(0, stderr);
        var reason = "";
        for (var attempt = 0; attempt < 120 && reason.Length == 0; attempt++)
        {
            await Task.Delay(250);
            var (_, stdout, _) = await AwsCli.CloudFormationAsync(endpoint, "describe-stack-events", "--stack-name", "by-hand");
            reason = JsonDocument.Parse(stdout).RootElement.GetProperty("StackEvents").EnumerateArray()
                .Where(e => e.GetProperty("LogicalResourceId").GetString() == "Vpc" && e.GetProperty("ResourceStatus").GetString() == "CREATE_FAILED")
                .Select(e => e.GetProperty("ResourceStatusReason").GetString()!)
                .FirstOrDefault() ?? "";
        }

        reason.ShouldContain("The maximum number of VPCs has been reached.");
    }

    [Fact]
    public async Task Update_ThatAddsNatGatewaysAndAddresses_IsRefusedAtSubmit_CountingOnlyWhatItAdds()
    {
        using var catalog = NetworkCatalog.Create();
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Catalog:Directory"] = catalog.Directory,
            ["Sandbox:Limits:ElasticIpsPerRegion"] = "2",
            ["Quotas:ElasticIpsPerRegion"] = "2",
        });
        using var dev = await portal.CreateTokenClientAsync("dev@example.com");
        var created = await dev.PostAsJsonAsync("/api/v1/requests", Create("net-grow"));
        var body = await created.Content.ReadAsStringAsync();
        created.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        var environmentId = JsonDocument.Parse(body).RootElement.GetProperty("environmentId").GetGuid();
        await portal.WaitForAsync(environmentId, EnvironmentStatus.Ready);

        // network-vpc 1.1.0 gives dev a NAT gateway (and an address) per zone: the update adds two of each to the one it has.
        catalog.PublishPerAzDev();
        (await portal.Services.GetRequiredService<CatalogProvider>().ReloadAsync(CancellationToken.None)).Find("network-vpc")!.Version.ShouldBe("1.1.0");

        var update = await dev.PostAsJsonAsync("/api/v1/requests", new { kind = "update", environmentId, justification = "One NAT gateway per zone" });

        (await QuotaErrorAsync(update)).ShouldStartWith("us-east-1 has 1 of 2 Elastic IPs in account 123456789012; this request needs 2 more.");
        await using var db = await portal.DbAsync();
        (await db.EnvironmentRequests.CountAsync(r => r.EnvironmentId == environmentId && r.Kind == RequestKind.Update)).ShouldBe(0);
    }

    [Fact]
    public async Task RequestsQueuedButNotProvisioned_CountAgainstTheQuota_UntilCancelled()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Quotas:VpcsPerRegion"] = "2",
        });
        using var dev = await portal.CreateTokenClientAsync("dev@example.com");

        // Two staging networks wait for a platform engineer: AWS holds no VPC yet, but approving both would fill the quota.
        var pending = new List<Guid>();
        foreach (var name in new[] { "queued-one", "queued-two" })
        {
            var response = await dev.PostAsJsonAsync("/api/v1/requests", Create(name, "staging"));
            var body = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
            using var json = JsonDocument.Parse(body);
            json.RootElement.GetProperty("status").GetString().ShouldBe("PendingApproval");
            pending.Add(json.RootElement.GetProperty("id").GetGuid());
        }

        (await QuotaErrorAsync(await dev.PostAsJsonAsync("/api/v1/requests", Create("queued-three"))))
            .ShouldStartWith("us-east-1 has 2 of 2 VPCs in account 123456789012; this request needs 1 more.");

        (await dev.PostAsync($"/api/v1/requests/{pending[0]}/cancel", null)).EnsureSuccessStatusCode();
        (await dev.PostAsJsonAsync("/api/v1/requests", Create("queued-three"))).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    internal static object Create(string name, string tier = "dev", string team = "payments") => new
    {
        kind = "create",
        template = "network-vpc",
        tier,
        region = "us-east-1",
        team,
        name,
        parameters = new Dictionary<string, string>(),
        justification = "Quota check",
    };

    /// <summary>The refusal of a 422 problem details on field <c>quota</c>.</summary>
    internal static async Task<string> QuotaErrorAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, body);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        return JsonDocument.Parse(body).RootElement.GetProperty("errors").GetProperty("quota")[0].GetString()!;
    }

    /// <summary>A copy of the catalog whose network-vpc can be republished as 1.1.0 with a NAT gateway per zone in dev.</summary>
    private sealed class NetworkCatalog : IDisposable
    {
        private NetworkCatalog(string directory) => Directory = directory;

        public string Directory { get; }

        public static NetworkCatalog Create()
        {
            var directory = Path.Combine(Path.GetTempPath(), "portal-tests", $"catalog-{Guid.NewGuid():N}");
            foreach (var file in System.IO.Directory.EnumerateFiles(RepositoryPaths.Templates, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(directory, Path.GetRelativePath(RepositoryPaths.Templates, file));
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            return new NetworkCatalog(directory);
        }

        public void PublishPerAzDev()
        {
            var manifest = Path.Combine(Directory, "network-vpc", "portal.yaml");
            var text = File.ReadAllText(manifest);
            var dev = "  dev:\n    availability: { target: \"95%\", rpo: \"24 h\", rto: \"4 h\" }\n    ttl: { defaultHours: 72, maxHours: 336 }\n    parameters:\n      NatGatewayMode: single";
            text.ShouldContain(dev);
            File.WriteAllText(manifest, text.Replace("version: 1.0.0", "version: 1.1.0", StringComparison.Ordinal).Replace(dev, dev.Replace("single", "per-az", StringComparison.Ordinal), StringComparison.Ordinal));
        }

        public void Dispose()
        {
            if (System.IO.Directory.Exists(Directory))
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }
    }
}
