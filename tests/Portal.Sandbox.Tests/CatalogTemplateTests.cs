using Portal.Provisioning.Aws.CloudFormation;

namespace Portal.Sandbox.Tests;

/// <summary>Every real catalog template runs to completion in the sandbox, with outputs in AWS's formats.</summary>
public sealed class CatalogTemplateTests : IAsyncLifetime
{
    private SandboxServer _server = null!;

    public async Task InitializeAsync() => _server = await SandboxServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, string, string> Outputs => new()
    {
        { "static-site", "DistributionDomainName", @"^d[a-z0-9]{13}\.cloudfront\.net$" },
        { "static-site", "SiteUrl", @"^https://d[a-z0-9]{13}\.cloudfront\.net$" },
        { "static-site", "BucketName", @"^site-[a-z0-9-]+-[a-z0-9]{12}$" },
        { "rds-postgres", "DatabaseEndpoint", @"^[a-z0-9-]+\.[a-z0-9]{12}\.us-east-1\.rds\.amazonaws\.com$" },
        { "ecs-web-service", "LoadBalancerDnsName", @"^[A-Za-z0-9-]+-\d{10}\.us-east-1\.elb\.amazonaws\.com$" },
        { "ecs-web-service", "RedisEndpoint", @"\.cache\.amazonaws\.com$" },
        { "ecs-web-service", "EcrRepositoryUri", @"^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com/[a-z0-9-]+$" },
        { "eks-platform", "ClusterEndpoint", @"^https://[0-9A-F]{32}\.gr7\.us-east-1\.eks\.amazonaws\.com$" },
        { "network-vpc", "VpcId", "^vpc-[0-9a-f]{17}$" },
    };

    [Theory]
    [MemberData(nameof(Outputs))]
    public async Task A_CatalogTemplate_CreatesToCompletion_WithOutputsInAwsFormats(string slug, string output, string pattern)
    {
        var client = _server.CloudFormation();
        var name = $"site-{slug}";
        var parameters = new List<Parameter> { Parameter.Of("EnvironmentName", slug) };
        if (slug == "rds-postgres")
        {
            parameters.AddRange(StackLifecycleTests.RdsParameters().Where(p => p.ParameterKey != "EnvironmentName"));
        }

        await client.CreateStackAsync(new CreateStackRequest { StackName = name, TemplateBody = Templates.Catalog(slug), Parameters = parameters, Capabilities = [Capability.Iam] }, CancellationToken.None);
        var stack = await _server.SettleAsync(client, name);

        var failures = (await client.EventsAsync(name)).Where(e => e.ResourceStatus!.EndsWith("FAILED", StringComparison.Ordinal)).Select(e => $"{e.LogicalResourceId}: {e.ResourceStatusReason}");
        stack.StackStatus.ShouldBe(StackStatus.CreateComplete, string.Join("\n", failures));
        var value = stack.Outputs.SingleOrDefault(o => o.OutputKey == output)?.OutputValue;
        value.ShouldNotBeNull($"{slug} has no output {output}: {string.Join(", ", stack.Outputs.Select(o => o.OutputKey))}");
        value.ShouldMatch(pattern);
    }
}
