using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.TestSupport;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Requests;

/// <summary>
/// Quota-aware admission through the real pipeline: the hosted sandbox enforces a VPC quota of one like AWS, and a second
/// network environment is refused at submit with the numbers (422 on <c>region</c>) instead of failing minutes later.
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

        var body = await second.Content.ReadAsStringAsync();
        second.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity, body);
        second.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var error = JsonDocument.Parse(body).RootElement.GetProperty("errors").GetProperty("region")[0].GetString();
        error.ShouldStartWith("us-east-1 has 1 of 1 VPCs in account 123456789012; this request needs 1 more.");
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

    private static object Create(string name) => new
    {
        kind = "create",
        template = "network-vpc",
        tier = "dev",
        region = "us-east-1",
        team = "payments",
        name,
        parameters = new Dictionary<string, string>(),
        justification = "Quota check",
    };
}
