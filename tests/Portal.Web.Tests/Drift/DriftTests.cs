using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Drift;
using Portal.Provisioning.Jobs;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Drift;

/// <summary>
/// Drift and out-of-band changes end to end, against the sandbox, through the API: a resource changed by hand is reported
/// MODIFIED with expected and actual values by an on-demand detection (audited, the team told); a stack deleted by hand or
/// updated outside the portal is seen by the watcher in its ListStacks pages, marked, told to the team, audited, and
/// requests on it are 409 with the reason; a platform engineer accepts a change; detection starts are capped per account
/// per minute. On PostgreSQL and SQLite.
/// </summary>
public abstract class DriftTests(DatabaseProvider provider) : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(provider, kestrel: true, settings: new Dictionary<string, string?>
    {
        ["StackWatcher:OutOfBandInterval"] = "00:00:01",
        ["Drift:MaxDetectionsPerAccountPerMinute"] = "2",
        ["Drift:ScheduleEnabled"] = "false",
    });

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task AResourceChangedByHand_IsReportedModified_WithExpectedAndActualValues_ByADetectionAskedForThroughTheApi()
    {
        var environmentId = await _portal.CreateDevSiteAsync("dev@example.com", "payments", "drifty");
        await _portal.WaitForAsync(environmentId, EnvironmentStatus.Ready);
        using var admin = await _portal.CreateTokenClientAsync("admin@example.com");
        using var dev = await _portal.CreateTokenClientAsync("dev@example.com");

        var before = await dev.GetFromJsonAsync<EnvironmentDriftView>($"/api/v1/environments/{environmentId}/drift", Json);
        before!.Status.ShouldBe("NOT_CHECKED");

        using (var change = await admin.PostAsJsonAsync($"/api/v1/sandbox/environments/{environmentId}/resource-change", new
        {
            logicalResourceId = "SiteBucket",
            properties = new Dictionary<string, object> { ["VersioningConfiguration"] = new Dictionary<string, string> { ["Status"] = "Suspended" } },
        }))
        {
            change.StatusCode.ShouldBe(HttpStatusCode.NoContent, await change.Content.ReadAsStringAsync());
        }

        using (var detect = await dev.PostAsync($"/api/v1/environments/{environmentId}/drift", null))
        {
            detect.StatusCode.ShouldBe(HttpStatusCode.Accepted, await detect.Content.ReadAsStringAsync());
        }

        var view = await WaitForDriftAsync(dev, environmentId, v => v.CheckedAt is not null && !v.DetectionInProgress);
        view.Status.ShouldBe("DRIFTED", view.FailureReason);
        view.DriftedResourceCount.ShouldBe(1);
        var bucket = view.Resources.Single(r => r.LogicalResourceId == "SiteBucket");
        bucket.Status.ShouldBe("MODIFIED");
        bucket.ResourceType.ShouldBe("AWS::S3::Bucket");
        var difference = bucket.Differences.ShouldHaveSingleItem();
        difference.PropertyPath.ShouldBe("/VersioningConfiguration/Status");
        (difference.ExpectedValue, difference.ActualValue, difference.DifferenceType).ShouldBe(("Enabled", "Suspended", "NOT_EQUAL"));
        bucket.ExpectedProperties.ShouldNotBeNull().ShouldContain("Enabled");
        bucket.ActualProperties.ShouldNotBeNull().ShouldContain("Suspended");
        view.Resources.Where(r => r.LogicalResourceId != "SiteBucket").ShouldAllBe(r => r.Status == "IN_SYNC");

        await using var db = await _portal.DbAsync();
        (await db.AuditEvents.CountAsync(a => a.Action == "environment.drift-detected" && a.TargetId == environmentId.ToString())).ShouldBe(1);
        (await db.AuditEvents.CountAsync(a => a.Action == "sandbox.resource-changed-by-hand" && a.TargetId == environmentId.ToString())).ShouldBe(1);
        var devId = (await _portal.ActorAsync("dev@example.com")).UserId;
        (await db.Notifications.SingleAsync(n => n.UserId == devId && n.Kind == "environment.drifted")).Body.ShouldContain("SiteBucket (modified)");

        // The fleet view lists it for platform engineers, by team and by template.
        using var platform = await _portal.CreateTokenClientAsync("platform@example.com");
        var fleet = await platform.GetFromJsonAsync<JsonElement>("/api/v1/drift", Json);
        fleet.GetProperty("drifted").GetInt32().ShouldBe(1);
        fleet.GetProperty("byTemplate").EnumerateArray().Single().GetProperty("key").GetString().ShouldBe("static-site");
        fleet.GetProperty("environments").EnumerateArray().Single().GetProperty("id").GetGuid().ShouldBe(environmentId);

        // Paged (the figures and groups cover the whole fleet); bad paging is 422 per field.
        var second = await platform.GetFromJsonAsync<JsonElement>("/api/v1/drift?page=2&pageSize=1", Json);
        second.GetProperty("environments").GetArrayLength().ShouldBe(0);
        (second.GetProperty("environmentCount").GetInt32(), second.GetProperty("page").GetInt32(), second.GetProperty("drifted").GetInt32()).ShouldBe((1, 2, 1));
        (await (await platform.GetAsync("/api/v1/drift?pageSize=0")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity)).ShouldContain("Page size must be between 1 and 200");
    }

    [Fact]
    public async Task AStackDeletedByHand_IsMarkedDeletedOutsidePortal_TheTeamIsToldAndItIsAudited_AndRequestsOnItAre409()
    {
        var environmentId = await _portal.CreateDevSiteAsync("dev@example.com", "payments", "deleted-by-hand");
        var ready = await _portal.WaitForAsync(environmentId, EnvironmentStatus.Ready);
        using var admin = await _portal.CreateTokenClientAsync("admin@example.com");
        using (var delete = await admin.PostAsync($"/api/v1/sandbox/environments/{environmentId}/stack-delete", null))
        {
            delete.StatusCode.ShouldBe(HttpStatusCode.Accepted, await delete.Content.ReadAsStringAsync());
        }

        // Found by the stack watcher's out-of-band comparison (every second here: StackWatcher:OutOfBandInterval; the drift
        // schedule is off in this class). It did not happen within 150 s once in CI (session 18, SQLite, under the full run's
        // load), not reproduced; a timeout now says what the row and the watcher looked like.
        try
        {
            await _portal.WaitUntilAsync(async db => (await db.Environments.SingleAsync(e => e.Id == environmentId)).OutOfBand == OutOfBandChange.Deleted, TimeSpan.FromSeconds(150));
        }
        catch (TimeoutException e)
        {
            await using var db = await _portal.DbAsync();
            var row = await db.Environments.AsNoTracking().SingleAsync(x => x.Id == environmentId);
            var watcher = _portal.Services.GetRequiredService<StackWatcherService>();
            throw new TimeoutException(
                $"Not marked deleted: status {row.Status}, stack status {row.LastStackStatus}, out of band {row.OutOfBand}, active operation {row.ActiveOperationId}, "
                + $"updated {row.UpdatedAt:O}; the watcher sweeping: {watcher.IsSweeping}, its last sweep {watcher.LastSweepAt:O} (now {DateTimeOffset.UtcNow:O})", e);
        }

        await using (var db = await _portal.DbAsync())
        {
            var environment = await db.Environments.SingleAsync(e => e.Id == environmentId);
            environment.OutOfBandLabel.ShouldBe("Deleted outside Portal");
            environment.Status.ShouldBe(EnvironmentStatus.Failed);
            environment.IsGoneFromAws.ShouldBeTrue();
            (await db.AuditEvents.SingleAsync(a => a.Action == "environment.gone-from-aws" && a.TargetId == environmentId.ToString())).Detail.ShouldContain(ready.StackName);

            // Told to the whole team: every payments member, not only the owner.
            var members = await db.TeamMemberships.Where(m => m.TeamId == environment.TeamId).Select(m => m.UserId).ToListAsync();
            members.Count.ShouldBeGreaterThan(0);
            var told = await db.Notifications.Where(n => n.Kind == "environment.gone" && n.Link == $"environments/{environmentId}").Select(n => n.UserId).ToListAsync();
            told.ShouldBe(members.Append(environment.OwnerId).Distinct(), ignoreOrder: true);
        }

        using var dev = await _portal.CreateTokenClientAsync("dev@example.com");
        using var extend = await dev.PostAsJsonAsync("/api/v1/requests", new { kind = "extend", environmentId, ttlHours = 24, justification = "more time" });
        (await extend.ShouldBeProblemAsync(HttpStatusCode.Conflict)).ShouldContain("Deleted outside Portal");

        // Destroying it is still how it is released.
        using var destroy = await dev.PostAsJsonAsync("/api/v1/requests", new { kind = "destroy", environmentId, justification = "gone" });
        destroy.StatusCode.ShouldBe(HttpStatusCode.Created, await destroy.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AStackUpdatedOutsideThePortal_IsMarkedChangedOutsidePortal_Is409_UntilAPlatformEngineerAcceptsTheChange()
    {
        var environmentId = await _portal.CreateDevSiteAsync("dev@example.com", "payments", "changed-by-hand");
        var ready = await _portal.WaitForAsync(environmentId, EnvironmentStatus.Ready);
        var endpoint = new Uri(_portal.BaseAddress, "/sandbox/aws/cloudformation").ToString();
        var (code, _, stderr) = await AwsCli.CloudFormationAsync(
            endpoint, "update-stack", "--stack-name", ready.StackName, "--use-previous-template", "--parameters",
            "ParameterKey=EnvironmentName,UsePreviousValue=true", "ParameterKey=Tier,UsePreviousValue=true", "ParameterKey=Alias,UsePreviousValue=true",
            "ParameterKey=CertificateArn,UsePreviousValue=true", "ParameterKey=PriceClass,ParameterValue=PriceClass_200");
        code.ShouldBe(0, stderr);

        await _portal.WaitUntilAsync(async db => (await db.Environments.SingleAsync(e => e.Id == environmentId)).OutOfBand == OutOfBandChange.Changed, TimeSpan.FromSeconds(60));
        await using (var db = await _portal.DbAsync())
        {
            var environment = await db.Environments.SingleAsync(e => e.Id == environmentId);
            environment.Status.ShouldBe(EnvironmentStatus.Ready, "a change outside the portal holds the environment; it does not fail it");
            environment.OutOfBandLabel.ShouldBe("Changed outside Portal");
            (await db.AuditEvents.CountAsync(a => a.Action == "environment.changed-outside" && a.TargetId == environmentId.ToString())).ShouldBe(1);
            (await db.Notifications.CountAsync(n => n.Kind == "environment.changed-outside" && n.UserId == environment.OwnerId)).ShouldBe(1);
        }

        using var dev = await _portal.CreateTokenClientAsync("dev@example.com");
        using (var extend = await dev.PostAsJsonAsync("/api/v1/requests", new { kind = "extend", environmentId, ttlHours = 24, justification = "more time" }))
        {
            var detail = await extend.ShouldBeProblemAsync(HttpStatusCode.Conflict);
            detail.ShouldContain("Changed outside Portal");
            detail.ShouldContain("platform engineer accepts the change");
        }

        using (var byDev = await dev.PostAsync($"/api/v1/environments/{environmentId}/accept-change", null))
        {
            byDev.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        using var platform = await _portal.CreateTokenClientAsync("platform@example.com");
        using (var accepted = await platform.PostAsync($"/api/v1/environments/{environmentId}/accept-change", null))
        {
            accepted.StatusCode.ShouldBe(HttpStatusCode.OK, await accepted.Content.ReadAsStringAsync());
        }

        using (var again = await dev.PostAsJsonAsync("/api/v1/requests", new { kind = "extend", environmentId, ttlHours = 24, justification = "more time" }))
        {
            again.StatusCode.ShouldBe(HttpStatusCode.Created, await again.Content.ReadAsStringAsync());
        }

        await using var check = await _portal.DbAsync();
        (await check.AuditEvents.CountAsync(a => a.Action == "environment.change-accepted" && a.TargetId == environmentId.ToString())).ShouldBe(1);
    }

    [Fact]
    public async Task DetectionsAskedForAtOnce_StartAtMostTheCapPerAccountPerMinute_TheRestWait()
    {
        var ids = new List<Guid>();
        foreach (var name in new[] { "capped-a", "capped-b", "capped-c" })
        {
            ids.Add(await _portal.CreateDevSiteAsync("dev@example.com", "payments", name));
        }

        foreach (var id in ids)
        {
            await _portal.WaitForAsync(id, EnvironmentStatus.Ready);
        }

        // Under the job's own lock, so the recurring job cannot run a round beside this one.
        var locks = _portal.Services.GetRequiredService<JobLocks>();
        JobLocks.Held? held = null;
        for (var attempt = 0; held is null && attempt < 120; attempt++)
        {
            held = await locks.TryAcquireAsync(DriftDetectionJob.Id, TimeSpan.Zero, CancellationToken.None);
            if (held is null)
            {
                await Task.Delay(500);
            }
        }

        var detector = _portal.Services.GetRequiredService<DriftDetector>();
        var dev = await _portal.ActorAsync("dev@example.com");
        await using (held.ShouldNotBeNull())
        {
            foreach (var id in ids)
            {
                await detector.RequestAsync(dev, id, CancellationToken.None);
            }

            var round = await detector.RunAsync(CancellationToken.None);
            round.Started.ShouldBe(2, "Drift:MaxDetectionsPerAccountPerMinute is 2");
            round.Deferred.ShouldBe(1);
            var again = await detector.RunAsync(CancellationToken.None);
            again.Started.ShouldBe(0, "the minute's budget is spent");
        }

        await using var db = await _portal.DbAsync();
        var drifts = await db.EnvironmentDrifts.Where(d => ids.Contains(d.EnvironmentId)).ToListAsync();
        drifts.Count(d => d.DetectionStartedAt != null).ShouldBe(2);
        drifts.Count(d => d.RequestedAt != null).ShouldBe(1, "the third is still asked for");
    }

    private static async Task<EnvironmentDriftView> WaitForDriftAsync(HttpClient client, Guid environmentId, Func<EnvironmentDriftView, bool> condition)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(90);
        EnvironmentDriftView? view = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            view = await client.GetFromJsonAsync<EnvironmentDriftView>($"/api/v1/environments/{environmentId}/drift", Json);
            if (view is not null && condition(view))
            {
                return view;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"Drift of {environmentId} is {view?.Status} (in progress: {view?.DetectionInProgress}) after 90 s.");
    }
}

public sealed class DriftPostgresTests() : DriftTests(DatabaseProvider.Postgres);

public sealed class DriftSqliteTests() : DriftTests(DatabaseProvider.Sqlite);
