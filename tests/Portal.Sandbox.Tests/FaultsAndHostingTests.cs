using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Portal.Provisioning.Aws.CloudFormation;

namespace Portal.Sandbox.Tests;

public sealed class FaultsAndHostingTests
{
    private const string Queue = """
        Resources:
          Work:
            Type: AWS::SQS::Queue
            Properties:
              VisibilityTimeout: 30
          Logs:
            Type: AWS::Logs::LogGroup
        """;

    [Fact]
    public async Task Faults_FromConfiguration_FailTheirResourceType()
    {
        await using var server = await SandboxServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Sandbox:Faults:Failures:0:ResourceType"] = "AWS::SQS::Queue",
            ["Sandbox:Faults:Failures:0:Reason"] = "Resource handler returned message: \"Queue quota exceeded\"",
        });
        var client = server.CloudFormation();
        await client.CreateStackAsync(new CreateStackRequest { StackName = "configured", TemplateBody = Queue }, CancellationToken.None);

        (await server.SettleAsync(client, "configured")).StackStatus.ShouldBe(StackStatus.RollbackComplete);
        (await client.EventsAsync("configured")).ShouldContain(e => e.LogicalResourceId == "Work" && e.ResourceStatusReason == "Resource handler returned message: \"Queue quota exceeded\"");
    }

    [Fact]
    public async Task A_FailedUpdate_RollsBackToTheOldConfiguration()
    {
        await using var server = await SandboxServer.StartAsync();
        var client = server.CloudFormation();
        await client.CreateStackAsync(new CreateStackRequest { StackName = "steady", TemplateBody = Queue }, CancellationToken.None);
        await server.SettleAsync(client, "steady");

        server.Faults.FailLogicalId("Work", "Resource handler returned message: \"Invalid visibility timeout\"");
        await client.UpdateStackAsync(
            new UpdateStackRequest { StackName = "steady", TemplateBody = Queue.Replace("VisibilityTimeout: 30", "VisibilityTimeout: 60", StringComparison.Ordinal) },
            CancellationToken.None);
        var stack = await server.SettleAsync(client, "steady");

        stack.StackStatus.ShouldBe(StackStatus.UpdateRollbackComplete);
        var statuses = (await client.EventsAsync("steady")).Where(e => e.LogicalResourceId == "steady").Select(e => e.ResourceStatus).Reverse().ToList();
        statuses.ShouldBe(["CREATE_IN_PROGRESS", "CREATE_COMPLETE", "UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"]);
        (await client.GetTemplateAsync(new GetTemplateRequest { StackName = "steady" }, CancellationToken.None)).TemplateBody.ShouldNotBeNull().ShouldContain("VisibilityTimeout: 30");
    }

    [Fact]
    public async Task TimeoutInMinutes_ShorterThanTheCreation_RollsTheStackBack()
    {
        await using var server = await SandboxServer.StartAsync();
        var client = server.CloudFormation();
        await client.CreateStackAsync(
            new CreateStackRequest { StackName = "slow", TemplateBody = Templates.Catalog("rds-postgres"), Parameters = StackLifecycleTests.RdsParameters(), TimeoutInMinutes = 5 },
            CancellationToken.None);

        var stack = await server.SettleAsync(client, "slow");
        stack.StackStatus.ShouldBe(StackStatus.RollbackComplete);
        var events = await client.EventsAsync("slow");
        events.ShouldContain(e => e.ResourceType == "AWS::RDS::DBInstance" && e.ResourceStatus == "CREATE_FAILED" && e.ResourceStatusReason == "Resource creation cancelled");
        events.Single(e => e.ResourceStatus == "ROLLBACK_IN_PROGRESS").ResourceStatusReason.ShouldNotBeNull().ShouldContain("exceeded the specified timeout");
    }

    [Fact]
    public async Task DeleteStack_RetriedWithItsTokenAfterCompletion_Succeeds()
    {
        await using var server = await SandboxServer.StartAsync();
        var client = server.CloudFormation();
        await client.CreateStackAsync(new CreateStackRequest { StackName = "bye", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);
        await server.SettleAsync(client, "bye");
        var delete = new DeleteStackRequest { StackName = "bye", ClientRequestToken = "delete-bye" };
        await client.DeleteStackAsync(delete, CancellationToken.None);
        server.Clock.Advance(TimeSpan.FromMinutes(5));

        await client.DeleteStackAsync(delete, CancellationToken.None);
    }

    [Fact]
    public async Task Latency_IsAddedToEveryCall()
    {
        await using var server = await SandboxServer.StartAsync();
        server.Faults.Latency = TimeSpan.FromMilliseconds(300);
        var watch = Stopwatch.StartNew();
        await server.CloudFormation().DescribeAccountLimitsAsync(new DescribeAccountLimitsRequest(), CancellationToken.None);
        watch.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(290));
    }

    [Fact]
    public async Task SandboxHost_RunsTheSandboxOnItsOwn()
    {
        var directory = Path.Combine(Path.GetTempPath(), "portal-sandbox-host-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var app = SandboxHost.BuildApp(["--urls=http://127.0.0.1:0", $"--Sandbox:DataDirectory={directory}", "--Logging:LogLevel:Default=Warning"]);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            using var http = new HttpClient();
            (await http.GetStringAsync($"{address}/healthz")).ShouldBe("Healthy");
            using var unsigned = await http.PostAsync($"{address}/sandbox/aws/cloudformation", new StringContent("Action=ListStacks"));
            unsigned.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            Directory.Exists(Path.Combine(directory, "stacks")).ShouldBeTrue();
            await app.StopAsync();
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
