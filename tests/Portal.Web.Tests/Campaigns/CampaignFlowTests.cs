using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Campaigns;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Campaigns;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Lifecycle;
using Portal.Sandbox;
using Portal.TestSupport;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Campaigns;

/// <summary>
/// An upgrade campaign end to end on PostgreSQL and on SQLite (the embedded default), through the API, the Hangfire jobs, the normal request policy and the sandbox:
/// 20 static sites in three tiers and two teams move from 1.0.0 to 1.1.0 in waves of 4; one site's upgrade fails (sandbox fault
/// injection on a resource only it gets), which pauses the campaign; resumed, the rest goes through, prod with two engineers.
/// </summary>
public abstract class CampaignFlowTests(DatabaseProvider provider) : IAsyncLifetime
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly UpgradeCatalog _catalog = UpgradeCatalog.Create();
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(provider, kestrel: true, settings: new Dictionary<string, string?>
    {
        ["Catalog:Directory"] = _catalog.Directory,
    });

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        _catalog.Dispose();
    }

    [Fact]
    public async Task Campaign_Over20EnvironmentsInThreeTiers_PausesOnTheInjectedFailure_ThenCompletesThroughTheNormalPolicy()
    {
        var environments = await CreateFleetAsync(_portal);
        environments.Count.ShouldBe(20);
        await PublishNextVersionAsync(_portal, _catalog);

        // The environment page's notice: version 1.1.0 available, with what changed.
        var notice = await _portal.Services.GetRequiredService<TemplateVersionService>().ForEnvironmentAsync(environments["p-dev-2"], CancellationToken.None);
        notice.ShouldNotBeNull().AvailableVersion.ShouldBe("1.1.0");
        notice.Diff.ShouldNotBeNull().ResourcesModified.Select(r => r.LogicalId).ShouldContain("AccessLogGroup");

        using var platform = await _portal.CreateTokenClientAsync("platform@example.com");
        using var developer = await _portal.CreateTokenClientAsync("dev@example.com");
        (await developer.PostAsJsonAsync("/api/v1/campaigns", new { name = "nope", template = "static-site" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var wrongVersion = await platform.PostAsJsonAsync("/api/v1/campaigns", new { name = "old", template = "static-site", targetVersion = "9.9.9" });
        wrongVersion.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await wrongVersion.Content.ReadAsStringAsync()).ShouldContain("targetVersion");

        var created = await platform.PostAsJsonAsync("/api/v1/campaigns", new { name = "static-site 1.1.0", template = "static-site", waveSize = 4 });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<CampaignDetail>(Json))!.Id;

        // The fleet-wide preview: a change set per environment, the log group's replacement flagged, parameters kept/filled/dropped.
        var preview = await WaitForAsync(platform, id, c => c.Status == CampaignStatus.Ready);
        preview.Targets.Count.ShouldBe(20);
        preview.Waves.ShouldBe(6, "dev 10 in 3 waves of 4, staging 6 in 2, prod 4 in 1");
        preview.Targets.Select(t => t.Tier).Distinct().Order().ShouldBe(["dev", "prod", "staging"]);
        preview.Targets.ShouldAllBe(t => t.Status == CampaignTargetStatus.Ready);
        preview.Targets.ShouldAllBe(t => t.Replaced == 1 && t.Changes.Any(c => c.LogicalResourceId == "AccessLogGroup" && c.Replacement == "True"));
        preview.Targets.ShouldAllBe(t => t.Parameters.Any(p => p.Name == "DefaultTtlSeconds" && p.Change == "filled"));
        preview.Totals.EnvironmentsWithReplacement.ShouldBe(20);
        preview.Totals.CostDeltaUsd.ShouldBe(preview.Targets.Sum(t => t.TargetMonthlyUsd - t.CurrentMonthlyUsd));
        var custom = preview.Targets.Single(t => t.Environment == "p-dev-1");
        custom.Wave.ShouldBe(1);
        custom.Changes.Select(c => c.LogicalResourceId).ShouldContain("RedirectBucket");
        custom.Parameters.Single(p => p.Name == "Alias").Change.ShouldBe("kept");
        custom.Parameters.Single(p => p.Name == "CertificateArn").Change.ShouldBe("dropped");
        preview.Totals.Warnings.ShouldBe(1);

        // Paged: a campaign's environments (the totals still cover all 20) and the campaign list; bad paging is 422 per field.
        var second = (await platform.GetFromJsonAsync<CampaignDetail>($"/api/v1/campaigns/{id}?page=2&pageSize=8", Json))!;
        (second.Page, second.PageSize, second.Totals.Environments).ShouldBe((2, 8, 20));
        second.Targets.Select(t => t.EnvironmentId).ShouldBe(preview.Targets.Skip(8).Take(8).Select(t => t.EnvironmentId));
        (await (await platform.GetAsync($"/api/v1/campaigns/{id}?pageSize=0")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity)).ShouldContain("Page size must be between 1 and 500");
        (await (await platform.GetAsync("/api/v1/campaigns?page=0")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity)).ShouldContain("Page starts at 1");
        var list = (await platform.GetFromJsonAsync<CampaignListResponse>("/api/v1/campaigns?pageSize=1", Json))!;
        (list.Total, list.Page, list.PageSize).ShouldBe((1, 1, 1));
        list.Items.Single().Id.ShouldBe(id);

        // The injected failure: only p-dev-1 (a custom domain) gets the redirect bucket, and the sandbox fails it.
        var faults = _portal.Services.GetRequiredService<ISandboxFaults>();
        faults.FailLogicalId("RedirectBucket", "Resource handler returned message: \"Bucket name already exists (Service: S3, Status Code: 409)\"");
        (await platform.PostAsync($"/api/v1/campaigns/{id}/start", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var paused = await WaitForAsync(platform, id, c => c.Status == CampaignStatus.Paused && c.Totals.InFlight == 0);
        paused.PauseReason.ShouldNotBeNull().ShouldContain("p-dev-1");
        paused.Targets.Single(t => t.Environment == "p-dev-1").Status.ShouldBe(CampaignTargetStatus.Failed);
        paused.Targets.Where(t => t.Wave == 1 && t.Environment != "p-dev-1").ShouldAllBe(t => t.Status == CampaignTargetStatus.Succeeded);
        paused.Targets.Where(t => t.Wave > 1).ShouldAllBe(t => t.Status == CampaignTargetStatus.Ready, "nothing past the failing wave was requested");
        await using (var db = await _portal.DbAsync())
        {
            var later = paused.Targets.Where(t => t.Wave > 1).Select(t => t.EnvironmentId).ToList();
            (await db.EnvironmentRequests.CountAsync(r => r.Kind == RequestKind.Update && later.Contains(r.EnvironmentId!.Value))).ShouldBe(0);
        }

        faults.Clear();
        (await platform.PostAsync($"/api/v1/campaigns/{id}/resume", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var done = await ApproveUntilAsync(platform, id, c => c.Status == CampaignStatus.Completed);

        done.Totals.Succeeded.ShouldBe(19);
        done.Totals.Failed.ShouldBe(1);
        await using (var db = await _portal.DbAsync())
        {
            var v2 = _portal.Services.GetRequiredService<CatalogProvider>().Current.Find("static-site")!.ContentHash;
            var upgraded = done.Targets.Where(t => t.Status == CampaignTargetStatus.Succeeded).Select(t => t.EnvironmentId).ToList();
            var rows = await db.Environments.Where(e => upgraded.Contains(e.Id)).ToListAsync();
            rows.ShouldAllBe(e => e.TemplateVersion == "1.1.0" && e.TemplateContentHash == v2 && e.Status == EnvironmentStatus.Ready);
            var failed = await db.Environments.SingleAsync(e => e.Id == environments["p-dev-1"]);
            failed.TemplateVersion.ShouldBe("1.0.0");

            // The normal policy decided each update: dev auto-approved, staging by one engineer, prod by two.
            var updates = await db.EnvironmentRequests.Include(r => r.Decisions).Where(r => r.Kind == RequestKind.Update).ToListAsync();
            updates.Count.ShouldBe(20);
            updates.Where(r => r.Tier == EnvironmentTier.Dev).ShouldAllBe(r => r.PolicyOutcome == PolicyOutcome.AutoApproved);
            updates.Where(r => r.Tier == EnvironmentTier.Staging).ShouldAllBe(r => r.Decisions.Count == 1);
            updates.Where(r => r.Tier == EnvironmentTier.Prod).ShouldAllBe(r => r.Decisions.Count == 2);
            updates.ShouldAllBe(r => r.Justification.Contains(CampaignRunner.Marker(id)));

            var actions = await db.AuditEvents.Where(a => a.TargetType == UpgradeCampaign.AuditTargetType && a.TargetId == id.ToString()).Select(a => a.Action).ToListAsync();
            actions.ShouldContain("campaign.created");
            actions.ShouldContain("campaign.started");
            actions.ShouldContain("campaign.paused");
            actions.ShouldContain("campaign.resumed");
            actions.ShouldContain("campaign.completed");
            actions.Count(a => a == "campaign.environment-submitted").ShouldBe(20);
        }

        (await platform.PostAsync($"/api/v1/campaigns/{id}/resume", null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    /// <summary>
    /// 20 static sites on 1.0.0: payments and search, each 5 dev, 3 staging, 2 prod (the quotas), approved as policy asks.
    /// p-dev-1 has a custom domain (and the certificate 1.0.0 requires with it).
    /// </summary>
    internal static async Task<Dictionary<string, Guid>> CreateFleetAsync(PortalWebFactory portal, int devPerTeam = 5, int stagingPerTeam = 3, int prodPerTeam = 2)
    {
        var workflow = portal.Services.GetRequiredService<RequestWorkflow>();
        var platform = await portal.ActorAsync("platform@example.com");
        var platform2 = await portal.ActorAsync("platform2@example.com");
        var ids = new Dictionary<string, Guid>();
        foreach (var (team, email, prefix) in new[] { ("payments", "dev@example.com", "p"), ("search", "dev2@example.com", "s") })
        {
            var requester = await portal.ActorAsync(email);
            foreach (var (tier, code, count) in new[] { ("dev", "dev", devPerTeam), ("staging", "stg", stagingPerTeam), ("prod", "prd", prodPerTeam) })
            {
                for (var i = 1; i <= count; i++)
                {
                    var name = $"{prefix}-{code}-{i}";
                    var parameters = name == "p-dev-1"
                        ? new Dictionary<string, string> { ["Alias"] = "www.example.com", ["CertificateArn"] = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f" }
                        : null;
                    var outcome = await workflow.SubmitAsync(requester, new SubmitRequest("create", "static-site", tier, Team: team, Name: name, Parameters: parameters), CancellationToken.None);
                    if (outcome.Status == RequestStatus.PendingApproval)
                    {
                        outcome = await workflow.ApproveAsync(platform, outcome.Id, null, CancellationToken.None);
                    }

                    if (outcome.Status == RequestStatus.PendingApproval)
                    {
                        outcome = await workflow.ApproveAsync(platform2, outcome.Id, null, CancellationToken.None);
                    }

                    outcome.Status.ShouldBe(RequestStatus.Approved, outcome.Reason);
                    ids[name] = outcome.EnvironmentId!.Value;
                }
            }
        }

        foreach (var id in ids.Values)
        {
            await portal.WaitForAsync(id, EnvironmentStatus.Ready, seconds: 120);
        }

        return ids;
    }

    internal static async Task PublishNextVersionAsync(PortalWebFactory portal, UpgradeCatalog catalog)
    {
        catalog.PublishNextVersion();
        var reloaded = await portal.Services.GetRequiredService<CatalogProvider>().ReloadAsync(CancellationToken.None);
        reloaded.Find("static-site").ShouldNotBeNull().Version.ShouldBe("1.1.0");
    }

    internal static async Task<CampaignDetail> WaitForAsync(HttpClient client, Guid id, Func<CampaignDetail, bool> condition, int seconds = 180)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(seconds);
        CampaignDetail? campaign = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            campaign = await client.GetFromJsonAsync<CampaignDetail>($"/api/v1/campaigns/{id}", Json);
            if (campaign is not null && condition(campaign))
            {
                return campaign;
            }

            await Task.Delay(300);
        }

        throw new TimeoutException($"Campaign {id} is {campaign?.Status} ({string.Join(", ", campaign?.Targets.GroupBy(t => t.Status).Select(g => $"{g.Key} {g.Count()}") ?? [])}) after {seconds} s.");
    }

    // Plays the platform engineers: approves every pending update (staging once, prod by two different engineers) until the condition holds.
    private async Task<CampaignDetail> ApproveUntilAsync(HttpClient client, Guid id, Func<CampaignDetail, bool> condition, int seconds = 300)
    {
        var workflow = _portal.Services.GetRequiredService<RequestWorkflow>();
        var engineers = new[] { await _portal.ActorAsync("platform2@example.com"), await _portal.ActorAsync("platform@example.com") };
        var deadline = DateTimeOffset.UtcNow.AddSeconds(seconds);
        CampaignDetail? campaign = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            campaign = (await client.GetFromJsonAsync<CampaignDetail>($"/api/v1/campaigns/{id}", Json))!;
            if (condition(campaign))
            {
                return campaign;
            }

            List<Guid> pending;
            await using (var db = await _portal.DbAsync())
            {
                pending = await db.EnvironmentRequests.Where(r => r.Kind == RequestKind.Update && r.Status == RequestStatus.PendingApproval).Select(r => r.Id).ToListAsync();
            }

            foreach (var request in pending)
            {
                foreach (var engineer in engineers)
                {
                    try
                    {
                        await workflow.ApproveAsync(engineer, request, "campaign test", CancellationToken.None);
                    }
                    catch (LifecycleConflictException)
                    {
                        // Already decided by this engineer or approved by now.
                    }
                    catch (InvalidTransitionException)
                    {
                    }
                }
            }

            await Task.Delay(300);
        }

        throw new TimeoutException($"Campaign {id} is {campaign?.Status} ({string.Join(", ", campaign?.Targets.GroupBy(t => t.Status).Select(g => $"{g.Key} {g.Count()}") ?? [])}) after {seconds} s.");
    }
}

public sealed class CampaignFlowPostgresTests() : CampaignFlowTests(DatabaseProvider.Postgres);

public sealed class CampaignFlowSqliteTests() : CampaignFlowTests(DatabaseProvider.Sqlite);
