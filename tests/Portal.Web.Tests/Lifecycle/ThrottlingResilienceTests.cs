using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Lifecycle;

/// <summary>The sandbox answers 30% of API calls with AWS's throttling error: every environment still completes, once.</summary>
public sealed class ThrottlingResilienceTests : IAsyncLifetime
{
    private const int Environments = 12;
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true, settings: new Dictionary<string, string?>
    {
        ["Sandbox:Faults:ThrottleFraction"] = "0.3",
        ["Policies:Quotas:dev"] = "50",
    });

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task ThirtyPercentThrottled_EveryEnvironmentIsCreatedAndDestroyed_WithOneStackEach()
    {
        var workflow = _portal.Services.GetRequiredService<RequestWorkflow>();
        var dev = await _portal.ActorAsync("dev@example.com");

        var outcomes = await Task.WhenAll(Enumerable.Range(1, Environments).Select(i =>
            workflow.SubmitAsync(dev, new SubmitRequest("create", "static-site", "dev", Team: "payments", Name: $"throttled-{i:00}"), CancellationToken.None)));
        outcomes.ShouldAllBe(o => o.Status == RequestStatus.Approved);

        var ready = await Task.WhenAll(outcomes.Select(o => _portal.WaitForAsync(o.EnvironmentId!.Value, EnvironmentStatus.Ready, 180)));

        var usage = _portal.Services.GetRequiredService<AwsUsageTracker>().Snapshot();
        usage.Operations.Where(o => o.Outcome.Contains("Throttl", StringComparison.Ordinal)).Sum(o => o.Calls).ShouldBeGreaterThan(0, "the sandbox throttled some calls");
        var stacks = await LiveStacksAsync(ready[0]);
        foreach (var environment in ready)
        {
            stacks.Count(s => s.StackName == environment.StackName).ShouldBe(1, $"{environment.StackName} has exactly one stack");
        }

        var destroys = await Task.WhenAll(ready.Select(e =>
            workflow.SubmitAsync(dev, new SubmitRequest("destroy", EnvironmentId: e.Id), CancellationToken.None)));
        destroys.ShouldAllBe(o => o.Status == RequestStatus.Approved);
        await Task.WhenAll(ready.Select(e => _portal.WaitForAsync(e.Id, EnvironmentStatus.Destroyed, 180)));
        (await LiveStacksAsync(ready[0])).Where(s => s.StackName.StartsWith("payments-throttled-", StringComparison.Ordinal)).ShouldBeEmpty();
    }

    private async Task<List<StackSummary>> LiveStacksAsync(PortalEnvironment environment)
    {
        var accounts = _portal.Services.GetRequiredService<AwsAccountDirectory>();
        var client = _portal.Services.GetRequiredService<ICloudFormationClientFactory>().Create(accounts.ContextFor(environment.AccountId), environment.Region);
        var stacks = new List<StackSummary>();
        await foreach (var stack in client.ListAllStacksAsync(new ListStacksRequest(), CancellationToken.None))
        {
            if (stack.StackStatus != "DELETE_COMPLETE")
            {
                stacks.Add(stack);
            }
        }

        return stacks;
    }
}
