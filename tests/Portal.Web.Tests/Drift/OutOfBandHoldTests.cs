using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Jobs;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Drift;

/// <summary>
/// An environment marked changed outside the portal is held everywhere, not only at submit: an update approved after the mark
/// answers 409 with the reason (and stays pending), the job refuses an update marked between approval and run (no AWS call),
/// and the off-hours schedule skips it with an audit entry saying why. On PostgreSQL and SQLite.
/// </summary>
public abstract class OutOfBandHoldTests(DatabaseProvider provider) : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(provider, kestrel: true, settings: new Dictionary<string, string?>
    {
        // Business hours are one minute at midnight, so the off-hours job sees "outside business hours" now.
        ["OffHours:BusinessHoursStart"] = "00:00",
        ["OffHours:BusinessHoursEnd"] = "00:01",
        ["Drift:ScheduleEnabled"] = "false",
    }, services: services => services.AddSingleton<HeldProvisioningQueue>().Replace(
        ServiceDescriptor.Singleton<IProvisioningQueue>(sp => sp.GetRequiredService<HeldProvisioningQueue>())));

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task AnUpdateApprovedAfterTheStackWasChangedOutsideThePortal_Is409WithTheReason_AndStaysPending()
    {
        var workflow = _portal.Services.GetRequiredService<RequestWorkflow>();
        var dev = await _portal.ActorAsync("dev@example.com");
        var platform = await _portal.ActorAsync("platform@example.com");
        var created = await workflow.SubmitAsync(dev, new SubmitRequest("create", "static-site", "staging", Team: "payments", Name: "held-staging"), CancellationToken.None);
        created = await workflow.ApproveAsync(platform, created.Id, null, CancellationToken.None);
        var environmentId = created.EnvironmentId!.Value;
        await _portal.WaitForAsync(environmentId, EnvironmentStatus.Ready, 120);

        var update = await workflow.SubmitAsync(dev, new SubmitRequest(
            "update", EnvironmentId: environmentId, Parameters: new Dictionary<string, string> { ["Alias"] = "www.example.com", ["CertificateArn"] = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f" }, Justification: "custom domain"), CancellationToken.None);
        update.Status.ShouldBe(RequestStatus.PendingApproval, "staging needs a platform engineer");
        await MarkChangedOutsideAsync(environmentId);

        using var client = await _portal.CreateTokenClientAsync("platform@example.com");
        // Said before anyone tries: the request's approvalHold (the approval page disables Approve with it).
        using (var read = await client.GetAsync($"/api/v1/requests/{update.Id}"))
        {
            read.StatusCode.ShouldBe(HttpStatusCode.OK);
            using var json = System.Text.Json.JsonDocument.Parse(await read.Content.ReadAsStringAsync());
            json.RootElement.GetProperty("approvalHold").GetString().ShouldStartWith("Changed outside Portal");
        }

        using var approve = await client.PostAsync($"/api/v1/requests/{update.Id}/approve", null);
        var detail = await approve.ShouldBeProblemAsync(HttpStatusCode.Conflict);
        detail.ShouldContain("Changed outside Portal");
        detail.ShouldContain("accepts the change");

        await using var db = await _portal.DbAsync();
        (await db.EnvironmentRequests.SingleAsync(r => r.Id == update.Id)).Status.ShouldBe(RequestStatus.PendingApproval);
        var environment = await db.Environments.SingleAsync(e => e.Id == environmentId);
        environment.Status.ShouldBe(EnvironmentStatus.Ready);
        environment.ActiveOperationId.ShouldBeNull();
    }

    [Fact]
    public async Task AnUpdateMarkedBetweenApprovalAndRun_IsRefusedByTheJob_WithoutCallingCloudFormation()
    {
        var environmentId = await _portal.CreateDevSiteAsync("dev@example.com", "payments", "held-in-job");
        var ready = await _portal.WaitForAsync(environmentId, EnvironmentStatus.Ready, 120);
        var before = await StackAsync(ready);

        // Approved (dev: automatically), its job held back; then the mark lands before the job runs.
        _portal.Services.GetRequiredService<HeldProvisioningQueue>().Hold(environmentId);
        var update = await _portal.SubmitAsync("dev@example.com", new SubmitRequest(
            "update", EnvironmentId: environmentId, Parameters: new Dictionary<string, string> { ["Alias"] = "www.example.com", ["CertificateArn"] = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f" }, Justification: "custom domain"));
        update.Status.ShouldBe(RequestStatus.Approved, update.Reason);
        await using (var db = await _portal.DbAsync())
        {
            // As a watcher that read the row before the approval would write it (the row's version normally stops that).
            var row = await db.Environments.SingleAsync(e => e.Id == environmentId);
            row.Status.ShouldBe(EnvironmentStatus.Updating);
            var now = DateTimeOffset.UtcNow;
            typeof(PortalEnvironment).GetProperty(nameof(PortalEnvironment.OutOfBand))!.SetValue(row, OutOfBandChange.Changed);
            typeof(PortalEnvironment).GetProperty(nameof(PortalEnvironment.OutOfBandAt))!.SetValue(row, now);
            typeof(PortalEnvironment).GetProperty(nameof(PortalEnvironment.OutOfBandDetail))!.SetValue(row, "UPDATE_COMPLETE, last updated by hand");
            await db.SaveChangesAsync();
        }

        await _portal.Services.GetRequiredService<EnvironmentProvisioner>().RunAsync(environmentId, CancellationToken.None);

        await using var check = await _portal.DbAsync();
        var failed = await check.Environments.SingleAsync(e => e.Id == environmentId);
        failed.Status.ShouldBe(EnvironmentStatus.Failed);
        failed.FailureReason.ShouldNotBeNull().ShouldContain("Changed outside Portal");
        var request = await check.EnvironmentRequests.SingleAsync(r => r.Id == update.Id);
        request.Status.ShouldBe(RequestStatus.Failed);
        request.FailureReason.ShouldNotBeNull().ShouldContain("Changed outside Portal");
        var after = await StackAsync(ready);
        (after.StackStatus, after.LastUpdatedTime).ShouldBe((before.StackStatus, before.LastUpdatedTime), "the stack was not touched");
    }

    [Fact]
    public async Task OffHours_SkipsAnEnvironmentChangedOutsideThePortal_AuditsWhyOnce_AndMakesNoAwsCall()
    {
        var dev = await _portal.ActorAsync("dev@example.com");
        var outcome = await _portal.Services.GetRequiredService<RequestWorkflow>().SubmitAsync(
            dev, new SubmitRequest("create", "ecs-web-service", "dev", Team: "payments", Name: "held-nightly"), CancellationToken.None);
        var environmentId = outcome.EnvironmentId!.Value;
        var ready = await _portal.WaitForAsync(environmentId, EnvironmentStatus.Ready, 120);
        var before = await StackAsync(ready);
        await using (var db = await _portal.DbAsync())
        {
            // The schedule on and the mark in one save, so no run of the recurring job sees one without the other.
            var row = await db.Environments.SingleAsync(e => e.Id == environmentId);
            var now = DateTimeOffset.UtcNow;
            row.SetOffHoursSchedule(true, now);
            row.MarkChangedOutside("UPDATE_COMPLETE", now, "UPDATE_COMPLETE, last updated by hand", now);
            await db.SaveChangesAsync();
        }

        var job = _portal.Services.GetRequiredService<OffHoursJob>();
        await job.RunAsync(CancellationToken.None);
        await job.RunAsync(CancellationToken.None);

        await using var check = await _portal.DbAsync();
        var environment = await check.Environments.SingleAsync(e => e.Id == environmentId);
        environment.Status.ShouldBe(EnvironmentStatus.Ready, "not stopped");
        environment.ActiveOperationId.ShouldBeNull();
        var audits = await check.AuditEvents.Where(a => a.TargetId == environmentId.ToString() && a.Action.StartsWith("environment.")).Select(a => new { a.Action, a.Detail }).ToListAsync();
        audits.ShouldNotContain(a => a.Action == "environment.stopping");
        var skipped = audits.Where(a => a.Action == "environment.off-hours-skipped").ToList();
        skipped.Count.ShouldBe(1, "once per mark, not once per run");
        skipped[0].Detail.ShouldContain("Changed outside Portal");
        skipped[0].Detail.ShouldContain("Not stopped by the off-hours schedule");
        var after = await StackAsync(ready);
        (after.StackStatus, after.LastUpdatedTime).ShouldBe((before.StackStatus, before.LastUpdatedTime), "no AWS call changed the stack");
    }

    private async Task MarkChangedOutsideAsync(Guid environmentId)
    {
        await using var db = await _portal.DbAsync();
        var row = await db.Environments.SingleAsync(e => e.Id == environmentId);
        var now = DateTimeOffset.UtcNow;
        row.MarkChangedOutside("UPDATE_COMPLETE", now, "UPDATE_COMPLETE, last updated by hand", now);
        await db.SaveChangesAsync();
    }

    private async Task<Stack> StackAsync(PortalEnvironment environment)
    {
        var accounts = _portal.Services.GetRequiredService<AwsAccountDirectory>();
        var client = _portal.Services.GetRequiredService<ICloudFormationClientFactory>().Create(accounts.ContextFor(environment.AccountId), environment.Region);
        return (await client.FindStackAsync(environment.StackId!, CancellationToken.None)).ShouldNotBeNull();
    }
}

public sealed class OutOfBandHoldPostgresTests() : OutOfBandHoldTests(DatabaseProvider.Postgres);

public sealed class OutOfBandHoldSqliteTests() : OutOfBandHoldTests(DatabaseProvider.Sqlite);

/// <summary>The portal's queue, except that the steps of held environments are not enqueued (a job that has not run yet).</summary>
public sealed class HeldProvisioningQueue(Hangfire.IBackgroundJobClient jobs) : IProvisioningQueue
{
    private readonly ProvisioningQueue _inner = new(jobs);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, bool> _held = new();

    public void Hold(Guid environmentId) => _held[environmentId] = true;

    public Task EnqueueAsync(Guid environmentId, CancellationToken cancellationToken) =>
        _held.ContainsKey(environmentId) ? Task.CompletedTask : _inner.EnqueueAsync(environmentId, cancellationToken);
}
