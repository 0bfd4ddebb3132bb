using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Catalog;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Hosting;

/// <summary>
/// The embedded default: the portal hosts the AWS sandbox and its own CloudFormation client reaches it over real HTTP
/// (SigV4-signed), exactly as it would reach AWS.
/// </summary>
public sealed class SandboxModeTests
{
    [Fact]
    public async Task PortalClient_CreatesACatalogStackInItsOwnSandbox_AndSeesItComplete()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Sandbox:Speed"] = "2000",
        });
        var accounts = portal.Services.GetRequiredService<AwsAccountDirectory>();
        var account = accounts.ForTier("dev").Single();
        var client = portal.Services.GetRequiredService<ICloudFormationClientFactory>().Create(accounts.ContextFor(account.Id), "us-east-1");
        var entry = portal.Services.GetRequiredService<CatalogProvider>().Current.Find("static-site")!;
        var parameters = entry.BuildParameters("dev", new Dictionary<string, string> { ["environment-name"] = "docs", ["tier"] = "dev" }, new Dictionary<string, string>());
        parameters.Errors.ShouldBeEmpty();

        await client.CreateStackAsync(new CreateStackRequest
        {
            StackName = "payments-docs-dev",
            TemplateBody = entry.TemplateBody,
            Parameters = [.. parameters.Values.Select(p => Parameter.Of(p.Key, p.Value))],
            Tags = [new Tag("portal:team", "payments"), new Tag("portal:tier", "dev")],
            ClientRequestToken = ClientRequestTokens.For("CreateStack", Guid.NewGuid()),
        }, CancellationToken.None);

        Stack? stack = null;
        for (var attempt = 0; attempt < 100 && stack?.StackStatus is not "CREATE_COMPLETE"; attempt++)
        {
            await Task.Delay(200);
            stack = await client.FindStackAsync("payments-docs-dev", CancellationToken.None);
            stack.ShouldNotBeNull();
            stack.StackStatus.ShouldNotContain("FAILED");
        }

        stack!.StackStatus.ShouldBe("CREATE_COMPLETE");
        stack.Outputs.Select(o => o.OutputKey).ShouldContain("DistributionDomainName");
        Directory.Exists(Path.Combine(portal.DataDirectory, "sandbox")).ShouldBeTrue("sandbox state lives under Portal:DataDirectory");
    }

    [Fact]
    public async Task SandboxEndpoint_RejectsUnsignedRequests_AsAwsDoes()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite);

        var response = await portal.CreateClient().PostAsync("/sandbox/aws/cloudformation",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["Action"] = "DescribeStacks", ["Version"] = "2010-05-15" }));

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync()).ShouldContain("MissingAuthenticationToken");
    }
}
