using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Lifecycle;

/// <summary>
/// A stack deleted outside the portal (with the AWS CLI, the sandbox's configured key): an update submitted afterwards is a
/// 409 that says so, never a 500, and the environment is marked gone from AWS (failed with that reason, audited); an update
/// approved before the deletion and run by the job afterwards ends the same way. On PostgreSQL and SQLite.
/// </summary>
public abstract class StackGoneTests(DatabaseProvider provider) : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(provider, kestrel: true);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task AnUpdate_OfAStackDeletedOutsideThePortal_Is409_AndTheEnvironmentIsMarkedGoneFromAws()
    {
        var created = await _portal.SubmitAsync("dev@example.com", new SubmitRequest("create", "ecs-web-service", "dev", Team: "payments", Name: "vanished"));
        var environmentId = created.EnvironmentId!.Value;
        var ready = await _portal.WaitForAsync(environmentId, EnvironmentStatus.Ready);
        await DeleteOutOfBandAsync(ready.StackName);
        using var dev = await _portal.CreateTokenClientAsync("dev@example.com");

        using var response = await dev.PostAsJsonAsync("/api/v1/requests", new
        {
            kind = "update",
            environmentId,
            parameters = new Dictionary<string, string> { ["ContainerImage"] = "public.ecr.aws/nginx/nginx:1.27" },
            justification = "New image",
        });

        var detail = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict);
        detail.ShouldContain($"The CloudFormation stack {ready.StackName} no longer exists in AWS");
        await AssertGoneAsync(environmentId, ready.StackName);
    }

    [Fact]
    public async Task AnApprovedUpdate_RunByTheJobAfterTheStackWasDeleted_MarksTheEnvironmentGone_AndFailsTheRequestWithTheReason()
    {
        var workflow = _portal.Services.GetRequiredService<RequestWorkflow>();
        var dev = await _portal.ActorAsync("dev@example.com");
        var platform = await _portal.ActorAsync("platform@example.com");
        var created = await workflow.SubmitAsync(dev, new SubmitRequest("create", "ecs-web-service", "staging", Team: "payments", Name: "vanishing"), CancellationToken.None);
        var environmentId = (await workflow.ApproveAsync(platform, created.Id, "fine", CancellationToken.None)).EnvironmentId!.Value;
        var ready = await _portal.WaitForAsync(environmentId, EnvironmentStatus.Ready);

        // Submitted while the stack exists (its change set prepared), approved after it was deleted.
        var update = await workflow.SubmitAsync(
            dev,
            new SubmitRequest("update", EnvironmentId: environmentId, Parameters: new Dictionary<string, string> { ["ContainerImage"] = "public.ecr.aws/nginx/nginx:1.27" }, Justification: "New image"),
            CancellationToken.None);
        update.Status.ShouldBe(RequestStatus.PendingApproval, update.Reason);
        await DeleteOutOfBandAsync(ready.StackName);
        await workflow.ApproveAsync(platform, update.Id, "go", CancellationToken.None);

        await _portal.WaitUntilAsync(async db => (await db.Environments.SingleAsync(e => e.Id == environmentId)).Status == EnvironmentStatus.Failed);
        await AssertGoneAsync(environmentId, ready.StackName);
        await using var check = await _portal.DbAsync();
        var request = await check.EnvironmentRequests.SingleAsync(r => r.Id == update.Id);
        request.Status.ShouldBe(RequestStatus.Failed);
    }

    private async Task DeleteOutOfBandAsync(string stackName)
    {
        var endpoint = new Uri(_portal.BaseAddress, "/sandbox/aws/cloudformation").ToString();
        var (code, _, stderr) = await AwsCli.CloudFormationAsync(endpoint, "delete-stack", "--stack-name", stackName);
        code.ShouldBe(0, stderr);
        (code, _, stderr) = await AwsCli.CloudFormationAsync(endpoint, "wait", "stack-delete-complete", "--stack-name", stackName);
        code.ShouldBe(0, stderr);
    }

    private async Task AssertGoneAsync(Guid environmentId, string stackName)
    {
        await using var db = await _portal.DbAsync();
        var environment = await db.Environments.SingleAsync(e => e.Id == environmentId);
        environment.Status.ShouldBe(EnvironmentStatus.Failed);
        environment.IsGoneFromAws.ShouldBeTrue();
        environment.FailureReason.ShouldBe(environment.GoneFromAwsReason);
        environment.ActiveOperationId.ShouldBeNull();
        var audited = await db.AuditEvents.Where(a => a.Action == "environment.gone-from-aws" && a.TargetId == environmentId.ToString()).ToListAsync();
        audited.ShouldHaveSingleItem().Detail.ShouldContain(stackName);
    }
}

public sealed class StackGonePostgresTests() : StackGoneTests(DatabaseProvider.Postgres);

public sealed class StackGoneSqliteTests() : StackGoneTests(DatabaseProvider.Sqlite);
