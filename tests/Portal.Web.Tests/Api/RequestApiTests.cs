using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Api;

/// <summary>
/// <c>/api/v1/requests</c> end to end, with the job layer and sandbox running (Kestrel): submit, read, decide, and every
/// error as problem details. Run on PostgreSQL and on the embedded SQLite default, which must behave the same.
/// </summary>
public abstract class RequestApiTests(DatabaseProvider provider) : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(provider, kestrel: true);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Create_DevRequest_IsAutoApproved_With201AndLocation()
    {
        using var dev = await ClientAsync("dev@example.com");

        var response = await dev.PostAsJsonAsync("/api/v1/requests", Create("ecs-web-service", "dev", "checkout"));

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        using var json = JsonDocument.Parse(body);
        var id = json.RootElement.GetProperty("id").GetGuid();
        response.Headers.Location!.ToString().ShouldBe($"/api/v1/requests/{id}");
        json.RootElement.GetProperty("status").GetString().ShouldBe("Approved");
        json.RootElement.GetProperty("decision").GetProperty("outcome").GetString().ShouldBe("AutoApproved");
        json.RootElement.GetProperty("decision").GetProperty("reason").GetString().ShouldStartWith("Auto-approved");
        json.RootElement.GetProperty("environmentId").GetGuid().ShouldNotBe(Guid.Empty);

        var detail = await dev.GetFromJsonAsync<JsonElement>($"/api/v1/requests/{id}");
        detail.GetProperty("requester").GetProperty("email").GetString().ShouldBe("dev@example.com");
        detail.GetProperty("team").GetProperty("slug").GetString().ShouldBe("payments");
        detail.GetProperty("template").GetString().ShouldBe("ecs-web-service");
        detail.GetProperty("templateVersion").GetString().ShouldNotBeNullOrEmpty();
        detail.GetProperty("tier").GetString().ShouldBe("dev");
        detail.GetProperty("accountId").GetString()!.Length.ShouldBe(12);
        detail.GetProperty("region").GetString().ShouldBe("us-east-1");
        detail.GetProperty("justification").GetString().ShouldBe("Load testing the checkout flow");
        detail.GetProperty("ttlHours").GetInt32().ShouldBeGreaterThan(0);
        detail.GetProperty("estimateLineItems").GetArrayLength().ShouldBeGreaterThan(0);
        detail.GetProperty("estimateMonthlyUsd").GetDecimal().ShouldBeGreaterThan(0);
        detail.GetProperty("environmentId").GetGuid().ShouldBe(json.RootElement.GetProperty("environmentId").GetGuid());
    }

    [Fact]
    public async Task Create_StagingRequest_WaitsForApproval_AndAPlatformEngineerApprovesIt()
    {
        using var dev = await ClientAsync("dev@example.com");
        using var platform = await ClientAsync("platform@example.com");

        var id = await SubmitAsync(dev, Create("static-site", "staging", "docs"), "PendingApproval");
        var pending = await dev.GetFromJsonAsync<JsonElement>("/api/v1/requests?status=PendingApproval&team=payments");
        pending.GetProperty("total").GetInt32().ShouldBe(1);
        pending.GetProperty("items")[0].GetProperty("id").GetGuid().ShouldBe(id);

        var approve = await platform.PostAsJsonAsync($"/api/v1/requests/{id}/approve", new { comment = "Release candidate, fine" });

        (await approve.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("Approved", await approve.Content.ReadAsStringAsync());
        var detail = await dev.GetFromJsonAsync<JsonElement>($"/api/v1/requests/{id}");
        detail.GetProperty("status").GetString().ShouldBeOneOf("Approved", "Completed");
        detail.GetProperty("approvals").GetInt32().ShouldBe(1);
        detail.GetProperty("approvalsRequired").GetInt32().ShouldBe(1);
        var decision = detail.GetProperty("decisions").EnumerateArray().ShouldHaveSingleItem();
        decision.GetProperty("decider").GetProperty("email").GetString().ShouldBe("platform@example.com");
        decision.GetProperty("verdict").GetString().ShouldBe("Approve");
        decision.GetProperty("comment").GetString().ShouldBe("Release candidate, fine");
        detail.GetProperty("decision").GetProperty("reason").GetString().ShouldBe("Needs 1 platform engineer: staging");
    }

    [Fact]
    public async Task Update_OfAReadyEnvironment_ShowsItsChangeSetAndCostDelta()
    {
        using var dev = await ClientAsync("dev@example.com");
        var created = await dev.PostAsJsonAsync("/api/v1/requests", Create("ecs-web-service", "dev", "checkout"));
        var environmentId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("environmentId").GetGuid();
        await _portal.WaitForAsync(environmentId, EnvironmentStatus.Ready);

        var response = await dev.PostAsJsonAsync(
            "/api/v1/requests",
            new { kind = "update", environmentId, parameters = new Dictionary<string, string> { ["ContainerImage"] = "public.ecr.aws/nginx/nginx:1.27" }, justification = "New image" });

        // A dev update within the cap, budget and remaining TTL is auto-approved; the change set is shown with it.
        var submitted = await response.Content.ReadFromJsonAsync<JsonElement>();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, submitted.ToString());
        submitted.GetProperty("status").GetString().ShouldBe("Approved", submitted.ToString());
        var id = submitted.GetProperty("id").GetGuid();

        var detail = await dev.GetFromJsonAsync<JsonElement>($"/api/v1/requests/{id}");
        detail.GetProperty("kind").GetString().ShouldBe("update");
        detail.GetProperty("parameters").GetProperty("ContainerImage").GetString().ShouldBe("public.ecr.aws/nginx/nginx:1.27");
        detail.GetProperty("changes").GetArrayLength().ShouldBeGreaterThan(0);
        detail.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("logicalResourceId").GetString()).ShouldContain("ApiTaskDefinition");
        detail.GetProperty("previousEstimateMonthlyUsd").GetDecimal().ShouldBeGreaterThan(0);
        detail.GetProperty("costDeltaMonthlyUsd").GetDecimal().ShouldBe(0m);
        detail.GetProperty("environmentId").GetGuid().ShouldBe(environmentId);
    }

    [Fact]
    public async Task Approve_WhenRequesterIsApprover_IsForbidden()
    {
        using var platform = await ClientAsync("platform@example.com");
        var id = await SubmitAsync(platform, Create("static-site", "staging", "own"), "PendingApproval");

        var detail = await (await platform.PostAsJsonAsync($"/api/v1/requests/{id}/approve", new { comment = "mine" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        detail.ShouldContain("own request");
        await AssertDecisionCountAsync(id, 0);
    }

    [Fact]
    public async Task Approve_ByDeveloper_IsForbidden()
    {
        using var dev = await ClientAsync("dev@example.com");
        using var dev2 = await ClientAsync("dev2@example.com");
        var id = await SubmitAsync(dev, Create("static-site", "staging", "docs"), "PendingApproval");

        await (await dev2.PostAsJsonAsync($"/api/v1/requests/{id}/approve", new { comment = "lgtm" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await dev.PostAsJsonAsync($"/api/v1/requests/{id}/approve", new { comment = "lgtm" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        await AssertDecisionCountAsync(id, 0);
    }

    [Fact]
    public async Task Approve_WithTokenLackingTheApproveScope_IsForbidden()
    {
        using var dev = await ClientAsync("dev@example.com");
        using var platform = await ClientAsync("platform@example.com", "read,write");
        var id = await SubmitAsync(dev, Create("static-site", "staging", "docs"), "PendingApproval");

        var detail = await (await platform.PostAsJsonAsync($"/api/v1/requests/{id}/approve", new { comment = "ok" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        detail.ShouldContain("approve");
    }

    [Fact]
    public async Task Get_AnotherTeamsRequest_IsNotFound()
    {
        using var dev = await ClientAsync("dev@example.com");
        using var dev2 = await ClientAsync("dev2@example.com");
        var id = await SubmitAsync(dev, Create("static-site", "staging", "docs"), "PendingApproval");

        await (await dev2.GetAsync($"/api/v1/requests/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await dev2.PostAsync($"/api/v1/requests/{id}/cancel", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await dev2.GetFromJsonAsync<JsonElement>("/api/v1/requests")).GetProperty("total").GetInt32().ShouldBe(0);
        using var finance = await ClientAsync("finance@example.com");
        (await finance.GetFromJsonAsync<JsonElement>("/api/v1/requests")).GetProperty("total").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Reject_WithoutComment_Is422OnComment_AndWithOneRejects()
    {
        using var dev = await ClientAsync("dev@example.com");
        using var platform = await ClientAsync("platform@example.com");
        var id = await SubmitAsync(dev, Create("static-site", "staging", "docs"), "PendingApproval");

        var response = await platform.PostAsJsonAsync($"/api/v1/requests/{id}/reject", new { comment = "  " });

        await AssertFieldErrorAsync(response, "comment");
        var rejected = await platform.PostAsJsonAsync($"/api/v1/requests/{id}/reject", new { comment = "Use the shared staging docs site" });
        (await rejected.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("Rejected");
        await (await platform.PostAsJsonAsync($"/api/v1/requests/{id}/approve", new { comment = "changed my mind" })).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        await (await platform.PostAsJsonAsync($"/api/v1/requests/{Guid.NewGuid()}/reject", new { comment = "" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Create_WithBadName_Is422OnName()
    {
        using var dev = await ClientAsync("dev@example.com");

        var response = await dev.PostAsJsonAsync("/api/v1/requests", Create("ecs-web-service", "dev", "Bad Name!"));

        await AssertFieldErrorAsync(response, "name");
        await using var db = await DbAsync();
        (await db.EnvironmentRequests.CountAsync()).ShouldBe(0);
    }

    [Theory]
    [InlineData("{\"kind\": \"create\", ")]
    [InlineData("{\"kind\": \"create\", \"ttlHours\": \"many\"}")]
    [InlineData("{\"kind\": \"create\", \"colour\": \"blue\"}")]
    public async Task Create_WithMalformedJson_Is400ProblemNotA500(string body)
    {
        using var dev = await ClientAsync("dev@example.com");

        var response = await dev.PostAsync("/api/v1/requests", new StringContent(body, new MediaTypeHeaderValue("application/json")));

        await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("status=Approvedish")]
    [InlineData("kind=rebuild")]
    public async Task List_WithUnknownFilterValue_Is400Problem(string query)
    {
        using var dev = await ClientAsync("dev@example.com");

        await (await dev.GetAsync($"/api/v1/requests?{query}")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Create_WithUnknownKind_Is422OnKind()
    {
        using var dev = await ClientAsync("dev@example.com");

        await AssertFieldErrorAsync(await dev.PostAsJsonAsync("/api/v1/requests", new { kind = "rebuild" }), "kind");
    }

    [Fact]
    public async Task Cancel_ByRequester_CancelsAPendingRequest()
    {
        using var dev = await ClientAsync("dev@example.com");
        var id = await SubmitAsync(dev, Create("static-site", "staging", "docs"), "PendingApproval");

        var response = await dev.PostAsync($"/api/v1/requests/{id}/cancel", null);

        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("Cancelled");
        await (await dev.PostAsync($"/api/v1/requests/{id}/cancel", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Approve_FiftyConcurrentTimes_ExactlyOneWins_AndTheRestAre409()
    {
        using var dev = await ClientAsync("dev@example.com");
        var token = await _portal.CreateTokenAsync("platform@example.com");
        var id = await SubmitAsync(dev, Create("static-site", "staging", "docs"), "PendingApproval");
        using var platform = Client(token);

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => platform.PostAsJsonAsync($"/api/v1/requests/{id}/approve", new { comment = $"approval {i}" })));

        var codes = responses.Select(r => r.StatusCode).ToList();
        codes.Count(c => c == HttpStatusCode.OK).ShouldBe(1, string.Join(", ", codes.GroupBy(c => c).Select(g => $"{g.Key}: {g.Count()}")));
        codes.Count(c => c == HttpStatusCode.Conflict).ShouldBe(49);
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            await conflict.ShouldBeProblemAsync(HttpStatusCode.Conflict);
        }

        await AssertDecisionCountAsync(id, 1);
        await using var db = await DbAsync();
        (await db.EnvironmentRequests.SingleAsync(r => r.Id == id)).Status.ShouldBeOneOf(RequestStatus.Approved, RequestStatus.Completed);
        (await db.Environments.CountAsync(e => e.Name == "docs")).ShouldBe(1);
    }

    private static object Create(string template, string tier, string name) => new
    {
        kind = "create",
        template,
        tier,
        region = "us-east-1",
        team = "payments",
        name,
        parameters = new Dictionary<string, string>(),
        justification = "Load testing the checkout flow",
    };

    private static async Task<Guid> SubmitAsync(HttpClient client, object body, string expectedStatus)
    {
        var response = await client.PostAsJsonAsync("/api/v1/requests", body);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        using var json = JsonDocument.Parse(text);
        json.RootElement.GetProperty("status").GetString().ShouldBe(expectedStatus, text);
        return json.RootElement.GetProperty("id").GetGuid();
    }

    private static async Task AssertFieldErrorAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        using var json = JsonDocument.Parse(body);
        json.RootElement.GetProperty("errors").TryGetProperty(field, out var messages).ShouldBeTrue(body);
        messages.GetArrayLength().ShouldBeGreaterThan(0);
    }

    private async Task AssertDecisionCountAsync(Guid requestId, int expected)
    {
        await using var db = await DbAsync();
        (await db.RequestDecisions.CountAsync(d => d.RequestId == requestId)).ShouldBe(expected);
    }

    private async Task<HttpClient> ClientAsync(string email, string scopes = "read,write,approve") => Client(await _portal.CreateTokenAsync(email, scopes));

    private HttpClient Client(string token)
    {
        var client = new HttpClient { BaseAddress = _portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private Task<PortalDbContext> DbAsync() =>
        _portal.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
}

public sealed class RequestApiPostgresTests() : RequestApiTests(DatabaseProvider.Postgres);

public sealed class RequestApiSqliteTests() : RequestApiTests(DatabaseProvider.Sqlite);
