using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Jobs;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Lifecycle;

/// <summary>Day-2 operations through the real jobs and the sandbox on PostgreSQL: off-hours stop/start and TTL expiry.</summary>
public sealed class LifecycleDayTwoTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true, settings: new Dictionary<string, string?>
    {
        // Business hours are one minute at midnight, so the off-hours job sees "outside business hours" now.
        ["OffHours:BusinessHoursStart"] = "00:00",
        ["OffHours:BusinessHoursEnd"] = "00:01",
    });

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task OffHours_StopsTheStackByUpdatingItsParameters_AndStartsItAgain()
    {
        var dev = await _portal.ActorAsync("dev@example.com");
        var commands = _portal.Services.GetRequiredService<EnvironmentCommands>();
        var environment = await CreateReadyAsync(dev, "ecs-web-service", "nightly");
        var stackId = environment.StackId;
        (await StackParametersAsync(environment))["WorkerDesiredCount"].ShouldBe("1");

        await commands.SetOffHoursScheduleAsync(dev, environment.Id, true, CancellationToken.None);
        await TriggerAsync<OffHoursJob>((j, ct) => j.RunAsync(ct));

        var stopped = await _portal.WaitForAsync(environment.Id, EnvironmentStatus.Stopped);
        stopped.StackId.ShouldBe(stackId, "stopping updates the stack; it never replaces it");
        stopped.StoppedAt.ShouldNotBeNull();
        var parameters = await StackParametersAsync(stopped);
        (parameters["ApiDesiredCount"], parameters["ApiMinCapacity"], parameters["WorkerDesiredCount"]).ShouldBe(("0", "0", "0"));
        parameters["DbInstanceClass"].ShouldBe("db.t3.micro", "the database and its data stay");

        // Turning the schedule off starts a stopped environment at once, with the tier's presets back.
        await commands.SetOffHoursScheduleAsync(dev, environment.Id, false, CancellationToken.None);
        await TriggerAsync<OffHoursJob>((j, ct) => j.RunAsync(ct));

        var started = await _portal.WaitForAsync(environment.Id, EnvironmentStatus.Ready);
        started.StoppedAt.ShouldBeNull();
        started.HoursSavedBySchedule.ShouldBeGreaterThanOrEqualTo(0m);
        (await StackParametersAsync(started))["ApiDesiredCount"].ShouldBe("1");
        await using var db = await _portal.DbAsync();
        var actions = await db.AuditEvents.Where(a => a.TargetId == environment.Id.ToString()).Select(a => a.Action).ToListAsync();
        actions.ShouldContain("environment.stopping");
        actions.ShouldContain("environment.starting");
    }

    [Fact]
    public async Task Update_PreparesAChangeSetAtSubmit_ThenExecutesItOnTheSameStack()
    {
        var dev = await _portal.ActorAsync("dev@example.com");
        var workflow = _portal.Services.GetRequiredService<RequestWorkflow>();
        var environment = await CreateReadyAsync(dev, "ecs-web-service", "upgrade");

        var update = await workflow.SubmitAsync(dev, new SubmitRequest(
            "update", EnvironmentId: environment.Id, Parameters: new Dictionary<string, string> { ["ContainerImage"] = "public.ecr.aws/nginx/nginx:1.27" }), CancellationToken.None);

        update.Reason.ShouldStartWith("Auto-approved");
        update.Status.ShouldBe(RequestStatus.Approved);
        await using (var db = await _portal.DbAsync())
        {
            var request = await db.EnvironmentRequests.SingleAsync(r => r.Id == update.Id);
            request.ChangesJson.ShouldNotBeNull().ShouldContain("ApiTaskDefinition", customMessage: "the change set lists the task definition it replaces");
            request.PreviousEstimateMonthlyUsd.ShouldBe(environment.MonthlyEstimateUsd);
        }

        await _portal.WaitUntilStatusLeftAsync(environment.Id, EnvironmentStatus.Ready);
        var updated = await _portal.WaitForAsync(environment.Id, EnvironmentStatus.Ready);
        updated.StackId.ShouldBe(environment.StackId);
        (await StackParametersAsync(updated))["ContainerImage"].ShouldBe("public.ecr.aws/nginx/nginx:1.27");
        await using (var db = await _portal.DbAsync())
        {
            (await db.EnvironmentRequests.SingleAsync(r => r.Id == update.Id)).Status.ShouldBe(RequestStatus.Completed);
        }
    }

    [Fact]
    public async Task OffHours_OnATemplateWithNothingToStop_IsRefusedWithAReason()
    {
        var dev = await _portal.ActorAsync("dev@example.com");
        var environment = await CreateReadyAsync(dev, "static-site", "brochure");

        var error = await Should.ThrowAsync<DomainValidationException>(() =>
            _portal.Services.GetRequiredService<EnvironmentCommands>().SetOffHoursScheduleAsync(dev, environment.Id, true, CancellationToken.None));

        error.Errors.Keys.ShouldContain("offHoursSchedule");
        error.Message.ShouldContain("static-site");
    }

    [Fact]
    public async Task Expiry_WarnsOnceADay_ThenThePortalDestroysTheEnvironment()
    {
        var dev = await _portal.ActorAsync("dev@example.com");
        var environment = await CreateReadyAsync(dev, "static-site", "shortlived", ttlHours: 20);

        await TriggerAsync<ExpiryJob>((j, ct) => j.RunAsync(ct));
        await TriggerAsync<ExpiryJob>((j, ct) => j.RunAsync(ct));

        await _portal.WaitUntilAsync(async db => await db.Notifications.CountAsync(n => n.Kind == "environment.expiring") == 1);
        await Task.Delay(500);
        await using (var db = await _portal.DbAsync())
        {
            (await db.Notifications.CountAsync(n => n.Kind == "environment.expiring")).ShouldBe(1, "a warning level is sent once");
            await db.Environments.Where(e => e.Id == environment.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1)));
        }

        await TriggerAsync<ExpiryJob>((j, ct) => j.RunAsync(ct));

        var destroyed = await _portal.WaitForAsync(environment.Id, EnvironmentStatus.Destroyed);
        destroyed.DestroyedAt.ShouldNotBeNull();
        await using (var db = await _portal.DbAsync())
        {
            var request = await db.EnvironmentRequests.SingleAsync(r => r.EnvironmentId == environment.Id && r.Kind == RequestKind.Destroy);
            request.PolicyOutcome.ShouldBe(PolicyOutcome.AutoApproved);
            request.PolicyReason.ShouldContain("TTL ended");
            request.Status.ShouldBe(RequestStatus.Completed);
        }
    }

    [Fact]
    public async Task AnEnvironmentWithoutAStack_IsRefusedAStartWithTheReason_BeforeCloudFormation()
    {
        var dev = await _portal.ActorAsync("dev@example.com");
        var environment = await CreateReadyAsync(dev, "ecs-web-service", "stackless");
        await using (var db = await _portal.DbAsync())
        {
            // Not a state the portal makes; a hand-edited or imported row could be in it.
            var row = await db.Environments.SingleAsync(e => e.Id == environment.Id);
            row.BeginStop(DateTimeOffset.UtcNow);
            row.MarkStopped(DateTimeOffset.UtcNow);
            typeof(PortalEnvironment).GetProperty(nameof(PortalEnvironment.StackId))!.SetValue(row, null);
            await db.SaveChangesAsync();
        }

        // Stopped without the schedule: the off-hours job starts it, and the provisioner refuses with the reason.
        await TriggerAsync<OffHoursJob>((j, ct) => j.RunAsync(ct));

        var failed = await _portal.WaitForAsync(environment.Id, EnvironmentStatus.Failed);
        failed.FailureReason.ShouldBe("Environment stackless has no CloudFormation stack, so it cannot be updated, stopped or started.");
    }

    private async Task<PortalEnvironment> CreateReadyAsync(LifecycleActor dev, string template, string name, int? ttlHours = null)
    {
        var outcome = await _portal.Services.GetRequiredService<RequestWorkflow>().SubmitAsync(
            dev, new SubmitRequest("create", template, "dev", Team: "payments", Name: name, TtlHours: ttlHours), CancellationToken.None);
        outcome.Status.ShouldBe(RequestStatus.Approved, outcome.Reason);
        return await _portal.WaitForAsync(outcome.EnvironmentId!.Value, EnvironmentStatus.Ready);
    }

    // Runs the recurring job now, as its schedule would.
    private Task TriggerAsync<TJob>(Func<TJob, CancellationToken, Task> run)
        where TJob : notnull => run(_portal.Services.GetRequiredService<TJob>(), CancellationToken.None);

    private async Task<Dictionary<string, string>> StackParametersAsync(PortalEnvironment environment)
    {
        var accounts = _portal.Services.GetRequiredService<AwsAccountDirectory>();
        var client = _portal.Services.GetRequiredService<ICloudFormationClientFactory>().Create(accounts.ContextFor(environment.AccountId), environment.Region);
        var stack = (await client.FindStackAsync(environment.StackId!, CancellationToken.None)).ShouldNotBeNull();
        return stack.Parameters!.ToDictionary(p => p.ParameterKey!, p => p.ParameterValue ?? "");
    }
}
