using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Microsoft.Extensions.DependencyInjection;
using Portal.Provisioning.Lifecycle;
using Portal.Sandbox;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Api;

/// <summary>
/// One portal on PostgreSQL and Kestrel (the sandbox provisions for real) with three payments environments and one of
/// search, all Ready, shared by the environment and notification API tests.
/// </summary>
public sealed class EnvironmentApiFixture : IAsyncLifetime
{
    public PortalWebFactory Portal { get; private set; } = default!;

    public Guid Alpha { get; private set; }

    public Guid Search { get; private set; }

    private readonly Dictionary<string, HttpClient> _clients = [];

    public async Task InitializeAsync()
    {
        Portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true);
        Alpha = await Portal.CreateDevSiteAsync("dev@example.com", "payments", "alpha");
        var beta = await Portal.CreateDevSiteAsync("dev@example.com", "payments", "beta");
        var gamma = await Portal.CreateDevSiteAsync("dev@example.com", "payments", "gamma");
        Search = await Portal.CreateDevSiteAsync("dev2@example.com", "search", "delta");
        foreach (var id in new[] { Alpha, beta, gamma, Search })
        {
            await Portal.WaitForAsync(id, EnvironmentStatus.Ready);
        }
    }

    public async Task<HttpClient> ClientAsync(string email, string scopes = "read,write")
    {
        var key = email + "|" + scopes;
        if (!_clients.TryGetValue(key, out var client))
        {
            client = Portal.CreateClient();
            client.Timeout = TimeSpan.FromMinutes(6);
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Portal.CreateTokenAsync(email, scopes));
            _clients[key] = client;
        }

        return client;
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        await Portal.DisposeAsync();
    }
}

/// <summary>The environments API and the notifications API against real provisioning, on PostgreSQL.</summary>
public sealed class EnvironmentApiTests(EnvironmentApiFixture fixture) : IClassFixture<EnvironmentApiFixture>
{
    private PortalWebFactory Portal => fixture.Portal;

    [Fact]
    public async Task List_IsPagedAndFiltered_AndShowsDevelopersOnlyTheirTeams()
    {
        var dev = await fixture.ClientAsync("dev@example.com");
        var first = await ListAsync(dev, "?team=payments&pageSize=2&page=1");
        var second = await ListAsync(dev, "?team=payments&pageSize=2&page=2");

        first.Total.ShouldBeGreaterThanOrEqualTo(3);
        first.Items.Count.ShouldBe(2);
        second.Items.Count.ShouldBeGreaterThanOrEqualTo(1);
        first.Items.Select(i => i.Id).Intersect(second.Items.Select(i => i.Id)).ShouldBeEmpty();
        (await ListAsync(dev, "?pageSize=100")).Items.ShouldAllBe(i => i.Team == "payments");
        (await ListAsync(dev, "?status=ready&tier=dev&pageSize=100")).Items.ShouldAllBe(i => i.Status == EnvironmentStatus.Ready && i.Tier == "dev");
        (await ListAsync(dev, "?tier=prod")).Total.ShouldBe(0);

        var dev2 = await ListAsync(await fixture.ClientAsync("dev2@example.com"), "?pageSize=100");
        dev2.Items.ShouldNotBeEmpty();
        dev2.Items.ShouldAllBe(i => i.Team == "search");
        (await ListAsync(await fixture.ClientAsync("dev2@example.com"), "?team=payments")).Total.ShouldBe(0);

        var platform = await ListAsync(await fixture.ClientAsync("platform@example.com"), "?pageSize=100");
        platform.Items.Select(i => i.Team).Distinct().Order().ShouldBe(["payments", "search"]);
        platform.Total.ShouldBeGreaterThanOrEqualTo(4);
        (await ListAsync(await fixture.ClientAsync("finance@example.com"), "?team=search")).Total.ShouldBeGreaterThanOrEqualTo(1);
    }

    [Fact]
    public async Task List_WithAnUnknownTierOrStatusOrPageSize_Is422PerField()
    {
        var response = await (await fixture.ClientAsync("dev@example.com")).GetAsync("/api/v1/environments?tier=qa&status=Sleeping&pageSize=1000");

        await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var errors = await ErrorsAsync(response);
        errors.Keys.Order().ShouldBe(["pageSize", "status", "tier"]);
    }

    [Fact]
    public async Task Get_ReturnsEveryDetail_AndAnotherTeamsEnvironmentIs404()
    {
        var dev = await fixture.ClientAsync("dev@example.com");

        using var json = JsonDocument.Parse(await dev.GetStringAsync($"/api/v1/environments/{fixture.Alpha}"));

        var e = json.RootElement;
        e.GetProperty("id").GetGuid().ShouldBe(fixture.Alpha);
        e.GetProperty("name").GetString().ShouldBe("alpha");
        e.GetProperty("team").GetString().ShouldBe("payments");
        e.GetProperty("owner").GetString().ShouldBe("dev@example.com");
        e.GetProperty("template").GetString().ShouldBe("static-site");
        e.GetProperty("templateVersion").GetString().ShouldBe("1.0.0");
        e.GetProperty("tier").GetString().ShouldBe("dev");
        e.GetProperty("account").GetString()!.Length.ShouldBe(12);
        e.GetProperty("region").GetString().ShouldBe("us-east-1");
        e.GetProperty("status").GetString().ShouldBe("Ready");
        e.GetProperty("stackName").GetString().ShouldBe("payments-alpha-dev");
        e.GetProperty("stackId").GetString().ShouldStartWith("arn:aws:cloudformation:");
        e.GetProperty("outputs").GetProperty("SiteUrl").GetString().ShouldStartWith("https://");
        e.GetProperty("parameters").ValueKind.ShouldBe(JsonValueKind.Object);
        e.GetProperty("expiresAt").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddHours(70));
        e.GetProperty("offHoursSchedule").GetBoolean().ShouldBeFalse();
        e.GetProperty("monthlyEstimateUsd").GetDecimal().ShouldBeGreaterThan(0);
        e.GetProperty("failureReason").ValueKind.ShouldBe(JsonValueKind.Null);
        e.GetProperty("createdAt").GetDateTimeOffset().ShouldBeLessThan(DateTimeOffset.UtcNow);
        e.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("logicalId").GetString()).ShouldContain("SiteBucket");

        await (await (await fixture.ClientAsync("dev2@example.com")).GetAsync($"/api/v1/environments/{fixture.Alpha}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await dev.GetAsync($"/api/v1/environments/{Guid.NewGuid()}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await (await fixture.ClientAsync("platform@example.com")).GetAsync($"/api/v1/environments/{fixture.Alpha}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Events_AfterProvisioning_AreStoredOldestFirst_AndPageWithAfter()
    {
        var dev = await fixture.ClientAsync("dev@example.com");

        var all = await dev.GetFromJsonAsync<EventPage>($"/api/v1/environments/{fixture.Alpha}/events?limit=500");

        all!.Items.Count.ShouldBeGreaterThan(5);
        all.Items.Select(i => i.Timestamp).ShouldBeInOrder(SortDirection.Ascending);
        all.Items[0].ResourceStatus.ShouldBe("CREATE_IN_PROGRESS");
        var last = all.Items[^1].Timestamp;
        all.Items.ShouldContain(i => i.LogicalResourceId == "payments-alpha-dev" && i.ResourceStatus == "CREATE_COMPLETE" && i.Timestamp == last);
        all.More.ShouldBeFalse();

        var firstThree = await dev.GetFromJsonAsync<EventPage>($"/api/v1/environments/{fixture.Alpha}/events?limit=3");
        firstThree!.Items.Select(i => i.Id).ShouldBe(all.Items.Take(3).Select(i => i.Id));
        firstThree.More.ShouldBeTrue();
        var rest = await dev.GetFromJsonAsync<EventPage>($"/api/v1/environments/{fixture.Alpha}/events?after={firstThree.Next}&limit=500");
        rest!.Items.Select(i => i.Id).ShouldBe(all.Items.Skip(3).Select(i => i.Id));

        await (await (await fixture.ClientAsync("dev2@example.com")).GetAsync($"/api/v1/environments/{fixture.Alpha}/events")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Wait_ForReady_Returns200AsSoonAsItIsReady()
    {
        var id = await Portal.CreateDevSiteAsync("dev@example.com", "payments", "waiter");
        var dev = await fixture.ClientAsync("dev@example.com");

        var response = await dev.GetAsync($"/api/v1/environments/{id}/wait?status=Ready&timeoutSeconds=120");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await response.Content.ReadFromJsonAsync<WaitBody>();
        body!.Reached.ShouldBeTrue();
        body.Status.ShouldBe(EnvironmentStatus.Ready);
        body.Environment.GetProperty("stackName").GetString().ShouldBe("payments-waiter-dev");
    }

    [Fact]
    public async Task Wait_ForReady_AfterADestroy_Is409()
    {
        var id = await Portal.CreateDevSiteAsync("dev@example.com", "payments", "doomed");
        await Portal.WaitForAsync(id, EnvironmentStatus.Ready);
        var dev = await fixture.ClientAsync("dev@example.com");

        (await Portal.SubmitAsync("dev@example.com", new SubmitRequest("destroy", EnvironmentId: id))).Status.ShouldBe(RequestStatus.Approved);
        var destroyed = await dev.GetFromJsonAsync<WaitBody>($"/api/v1/environments/{id}/wait?status=destroyed&timeoutSeconds=120");
        destroyed!.Reached.ShouldBeTrue();

        var response = await dev.GetAsync($"/api/v1/environments/{id}/wait?status=Ready&timeoutSeconds=30");

        var detail = await response.ShouldBeProblemAsync(HttpStatusCode.Conflict);
        detail.ShouldContain("Destroyed");
        detail.ShouldContain("will not become Ready");
    }

    [Fact]
    public async Task FailedCreate_ShowsTheFailingResource_WaitIs409_AndRetryProvisionsAgain()
    {
        var faults = Portal.Services.GetRequiredService<ISandboxFaults>();
        faults.FailLogicalId("OriginAccessControl", "Resource handler returned message: \"OAC limit reached\"");
        Guid id;
        try
        {
            id = await Portal.CreateDevSiteAsync("dev@example.com", "payments", "broken");
            var dev = await fixture.ClientAsync("dev@example.com");

            var wait = await dev.GetAsync($"/api/v1/environments/{id}/wait?status=Ready&timeoutSeconds=120");

            (await wait.ShouldBeProblemAsync(HttpStatusCode.Conflict)).ShouldContain("is Failed");
            using var json = JsonDocument.Parse(await dev.GetStringAsync($"/api/v1/environments/{id}"));
            json.RootElement.GetProperty("status").GetString().ShouldBe("Failed");
            json.RootElement.GetProperty("failureReason").GetString().ShouldBe("OriginAccessControl (AWS::CloudFront::OriginAccessControl): Resource handler returned message: \"OAC limit reached\"");
            json.RootElement.GetProperty("failedFrom").GetString().ShouldBe("Provisioning");
            json.RootElement.GetProperty("failureEvents").EnumerateArray()
                .ShouldContain(e => e.GetProperty("logicalResourceId").GetString() == "OriginAccessControl" && e.GetProperty("resourceStatus").GetString() == "CREATE_FAILED");
        }
        finally
        {
            faults.Clear();
        }

        var client = await fixture.ClientAsync("dev@example.com");
        var retry = await client.PostAsync($"/api/v1/environments/{id}/retry", null);

        retry.StatusCode.ShouldBe(HttpStatusCode.Accepted, await retry.Content.ReadAsStringAsync());
        var ready = await client.GetFromJsonAsync<WaitBody>($"/api/v1/environments/{id}/wait?status=Ready&timeoutSeconds=120");
        ready!.Reached.ShouldBeTrue();
    }

    [Fact]
    public async Task Wait_WhenTheTimeIsUp_Is200WithReachedFalseAndTheCurrentStatus()
    {
        var dev = await fixture.ClientAsync("dev@example.com");
        var clock = Stopwatch.StartNew();

        var response = await dev.GetAsync($"/api/v1/environments/{fixture.Alpha}/wait?status=Stopped&timeoutSeconds=2");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1.9));
        var body = await response.Content.ReadFromJsonAsync<WaitBody>();
        body!.Reached.ShouldBeFalse();
        body.Status.ShouldBe(EnvironmentStatus.Ready);
    }

    [Fact]
    public async Task Wait_WithAnUnknownStatus_Is422()
    {
        var response = await (await fixture.ClientAsync("dev@example.com")).GetAsync($"/api/v1/environments/{fixture.Alpha}/wait?status=Sleeping");

        await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        (await ErrorsAsync(response)).Keys.ShouldBe(["status"]);
    }

    [Fact]
    public async Task Wait_ForAnotherTeamsEnvironment_Is404()
    {
        var response = await (await fixture.ClientAsync("dev2@example.com")).GetAsync($"/api/v1/environments/{fixture.Alpha}/wait?timeoutSeconds=1");

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Schedule_OnATemplateWithoutOffHoursResources_Is422WithAClearMessage()
    {
        var dev = await fixture.ClientAsync("dev@example.com");

        var response = await dev.PutAsJsonAsync($"/api/v1/environments/{fixture.Alpha}/schedule", new { offHours = true });

        var detail = await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        detail.ShouldBe("The static-site template has nothing that can be stopped off-hours.");
        (await ErrorsAsync(response)).Keys.ShouldBe(["offHours"]);

        var off = await dev.PutAsJsonAsync($"/api/v1/environments/{fixture.Alpha}/schedule", new { offHours = false });
        off.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Schedule_WithMalformedJsonOrNoValue_Is400Or422_NeverA500()
    {
        var dev = await fixture.ClientAsync("dev@example.com");

        var malformed = await dev.PutAsync($"/api/v1/environments/{fixture.Alpha}/schedule", new StringContent("{\"offHours\": ", new MediaTypeHeaderValue("application/json")));
        var wrongType = await dev.PutAsync($"/api/v1/environments/{fixture.Alpha}/schedule", new StringContent("{\"offHours\": \"yes\"}", new MediaTypeHeaderValue("application/json")));
        var empty = await dev.PutAsJsonAsync($"/api/v1/environments/{fixture.Alpha}/schedule", new { });

        malformed.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        wrongType.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        await empty.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Schedule_ByAnotherTeam_Is404_AndWithAReadOnlyToken_Is403()
    {
        var other = await (await fixture.ClientAsync("dev2@example.com")).PutAsJsonAsync($"/api/v1/environments/{fixture.Alpha}/schedule", new { offHours = false });
        var readOnly = await (await fixture.ClientAsync("dev@example.com", "read")).PutAsJsonAsync($"/api/v1/environments/{fixture.Alpha}/schedule", new { offHours = false });

        await other.ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await readOnly.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Retry_OfAnEnvironmentThatDidNotFail_Is409()
    {
        var response = await (await fixture.ClientAsync("dev@example.com")).PostAsync($"/api/v1/environments/{fixture.Alpha}/retry", null);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Conflict)).ShouldContain("only a failed environment can be retried");
    }

    [Fact]
    public async Task Environments_WithoutCredentials_Are401()
    {
        using var anonymous = Portal.CreateClient();

        (await anonymous.GetAsync("/api/v1/environments")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync("/api/v1/notifications")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Notifications_AreOnlyTheCallersOwn_AndCanBeMarkedRead()
    {
        var dev = await fixture.ClientAsync("dev@example.com");
        var dev2 = await fixture.ClientAsync("dev2@example.com");

        var mine = await dev.GetFromJsonAsync<NotificationsBody>("/api/v1/notifications");
        var theirs = await dev2.GetFromJsonAsync<NotificationsBody>("/api/v1/notifications");

        var ready = mine!.Items.First(n => n.Kind == "environment.ready" && n.Link == $"environments/{fixture.Alpha}");
        ready.Title.ShouldBe("Ready: alpha (dev)");
        theirs!.Items.ShouldNotBeEmpty();
        theirs.Items.Select(n => n.Id).Intersect(mine.Items.Select(n => n.Id)).ShouldBeEmpty();
        theirs.Items.ShouldAllBe(n => !n.Title.Contains("alpha"));
        await (await dev2.PostAsync($"/api/v1/notifications/{ready.Id}/read", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        var marked = await dev.PostAsync($"/api/v1/notifications/{ready.Id}/read", null);
        marked.StatusCode.ShouldBe(HttpStatusCode.OK);
        var after = await dev.GetFromJsonAsync<NotificationsBody>("/api/v1/notifications?unread=true");
        after!.Items.ShouldNotContain(n => n.Id == ready.Id);
        after.Unread.ShouldBe(mine.Unread - 1);

        var all = await dev.PostAsync("/api/v1/notifications/read-all", null);
        all.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await dev.GetFromJsonAsync<NotificationsBody>("/api/v1/notifications?unread=true"))!.Items.ShouldBeEmpty();
        (await dev2.GetFromJsonAsync<NotificationsBody>("/api/v1/notifications"))!.Unread.ShouldBe(theirs.Unread);
    }

    private static async Task<ListBody> ListAsync(HttpClient client, string query)
    {
        var response = await client.GetAsync("/api/v1/environments" + query);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ListBody>())!;
    }

    private static async Task<Dictionary<string, string[]>> ErrorsAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("errors").Deserialize<Dictionary<string, string[]>>()!;
    }

    private sealed record ListBody(List<ListItem> Items, int Total);

    private sealed record ListItem(Guid Id, string Name, string Team, string Tier, EnvironmentStatus Status);

    private sealed record EventPage(List<EventItem> Items, Guid? Next, bool More);

    private sealed record EventItem(Guid Id, DateTimeOffset Timestamp, string LogicalResourceId, string ResourceType, string ResourceStatus);

    private sealed record WaitBody(bool Reached, EnvironmentStatus Status, JsonElement Environment);

    private sealed record NotificationsBody(List<NotificationBody> Items, int Unread);

    private sealed record NotificationBody(Guid Id, string Kind, string Title, string? Link, DateTimeOffset? ReadAt);
}
