using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Web.Features.Admin;
using Portal.Web.Features.Me;
using Portal.Web.Features.Tokens;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Api;

/// <summary>
/// Issue 18's statement budgets on a warm path, through the real pipeline on PostgreSQL: authentication runs no SQL (the
/// node's access cache), each request uses at most one connection, <c>/api/v1/me</c> ≤ 1 statement, an environment ≤ 3,
/// a page of the list ≤ 2, the template list none. And a cached caller still loses a revoked token or a removed role at once.
/// </summary>
public sealed class StatementBudgetTests : IAsyncLifetime
{
    private readonly SqlStatementCounter _counter = new();
    private PortalWebFactory _portal = default!;
    private Guid _paymentsEnvironment;

    public async Task InitializeAsync()
    {
        _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, services: _counter.AddTo);
        await using var db = await _portal.DbAsync();
        var owner = await db.Users.Where(u => u.Email == "dev@example.com").Select(u => u.Id).SingleAsync();
        // 120 environments in payments (more than a page) and 30 in search, with JSON the list must not read.
        await Benchmarks.CostBenchmarkData.ExecAsync(db, $$"""
            INSERT INTO "Environments" ("Id", "Name", "TeamId", "OwnerId", "TemplateSlug", "TemplateVersion", "Tier", "AccountId", "Region",
                "StackName", "Status", "OutputsJson", "ParametersJson", "OffHoursSchedule", "HoursSavedBySchedule", "CreatedAt", "UpdatedAt",
                "Version", "MonthlyEstimateUsd")
            SELECT gen_random_uuid(), t."Slug" || '-env-' || i, t."Id", '{{owner}}', 'static-site', '1.0.0', 'dev', '123456789012', 'us-east-1',
                t."Slug" || '-env-' || i, 'Ready', '{"Url":"https://example.com"}', '{"EnvironmentName":"x"}', false, 0,
                now() - i * interval '1 minute', now(), 1, 30
            FROM "Teams" t, generate_series(1, CASE WHEN t."Slug" = 'payments' THEN 120 ELSE 30 END) i
            WHERE t."Slug" IN ('payments', 'search')
            """);
        _paymentsEnvironment = await db.Environments.Where(e => e.Name == "payments-env-7").Select(e => e.Id).SingleAsync();
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Me_OnAWarmPath_RunsAtMostOneStatement()
    {
        using var client = await _portal.CreateTokenClientAsync("dev@example.com");

        var (statements, connections) = await CountWarmAsync(client, "/api/v1/me");

        statements.Count.ShouldBeLessThanOrEqualTo(1, string.Join("\n", statements));
        connections.ShouldBeLessThanOrEqualTo(1);
    }

    [Fact]
    public async Task EnvironmentById_OnAWarmPath_RunsAtMostThreeStatementsOnOneConnection()
    {
        using var client = await _portal.CreateTokenClientAsync("dev@example.com");

        var (statements, connections) = await CountWarmAsync(client, $"/api/v1/environments/{_paymentsEnvironment}");

        statements.Count.ShouldBeLessThanOrEqualTo(3, string.Join("\n", statements));
        connections.ShouldBe(1);
    }

    [Theory]
    [InlineData("platform@example.com", "")]
    [InlineData("platform@example.com", "&team=search")]
    [InlineData("dev@example.com", "")]
    public async Task EnvironmentList_OnAWarmPath_RunsAtMostTwoStatementsOnOneConnection_WithoutJsonColumns(string user, string filter)
    {
        using var client = await _portal.CreateTokenClientAsync(user);

        var (statements, connections) = await CountWarmAsync(client, $"/api/v1/environments?page=1&pageSize=50{filter}");

        statements.Count.ShouldBeLessThanOrEqualTo(2, string.Join("\n", statements));
        statements.ShouldAllBe(s => !s.Contains("Json"));
        connections.ShouldBe(1);
    }

    [Fact]
    public async Task EnvironmentList_PagesAndCounts_AsBefore()
    {
        using var client = await _portal.CreateTokenClientAsync("dev@example.com");

        var first = await client.GetFromJsonAsync<JsonElement>("/api/v1/environments?page=1&pageSize=50");
        var last = await client.GetFromJsonAsync<JsonElement>("/api/v1/environments?page=3&pageSize=50");
        var beyond = await client.GetFromJsonAsync<JsonElement>("/api/v1/environments?page=9&pageSize=50");

        first.GetProperty("total").GetInt32().ShouldBe(120);
        first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()).Take(2).ShouldBe(["payments-env-1", "payments-env-2"]);
        last.GetProperty("total").GetInt32().ShouldBe(120);
        last.GetProperty("items").GetArrayLength().ShouldBe(20);
        beyond.GetProperty("total").GetInt32().ShouldBe(120);
        beyond.GetProperty("items").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Templates_OnAWarmPath_RunNoSql_AndAnswer304ToTheirETag()
    {
        using var client = await _portal.CreateTokenClientAsync("dev@example.com");

        var (statements, _) = await CountWarmAsync(client, "/api/v1/templates");
        var response = await client.GetAsync("/api/v1/templates");
        var etag = response.Headers.ETag;
        using var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/templates");
        again.Headers.IfNoneMatch.Add(etag!);
        var notModified = await client.SendAsync(again);

        statements.ShouldBeEmpty();
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetArrayLength().ShouldBe(5);
        etag.ShouldNotBeNull();
        notModified.StatusCode.ShouldBe(HttpStatusCode.NotModified);
    }

    [Fact]
    public async Task WarmToken_Revoked_IsRefusedOnTheNextCall()
    {
        var token = await _portal.CreateTokenAsync("dev@example.com");
        using var client = Bearer(token);
        (await client.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await using (var db = await _portal.DbAsync())
        {
            var issued = await db.PersonalAccessTokens.SingleAsync(t => t.User!.Email == "dev@example.com");
            (await _portal.Services.GetRequiredService<TokenService>().RevokeAsync(issued.UserId, issued.Id, new(issued.UserId, "dev@example.com"), CancellationToken.None)).ShouldBeTrue();
        }

        (await (await client.GetAsync("/api/v1/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).ShouldContain("revoked");
    }

    [Fact]
    public async Task WarmCaller_RoleAndTeamChanged_SeesTheChangeOnTheNextCall()
    {
        using var client = await _portal.CreateTokenClientAsync("dev@example.com");
        (await client.GetFromJsonAsync<MeResponse>("/api/v1/me"))!.Roles.ShouldBe(["Developer"]);
        (await client.GetFromJsonAsync<JsonElement>("/api/v1/environments?pageSize=1")).GetProperty("total").GetInt32().ShouldBe(120);

        await ChangeAccessAsync(_portal.Services, "dev@example.com", ["Developer", "Finance"], ["search"]);

        var me = await client.GetFromJsonAsync<MeResponse>("/api/v1/me");
        me!.Roles.ShouldBe(["Developer", "Finance"]);
        me.Teams.Select(t => t.Slug).ShouldBe(["search"]);
        (await client.GetFromJsonAsync<JsonElement>("/api/v1/environments?pageSize=1")).GetProperty("total").GetInt32().ShouldBe(150, "finance sees every team");
    }

    /// <summary>Sets a user's roles and teams the way Admin → Members does.</summary>
    internal static async Task ChangeAccessAsync(IServiceProvider services, string email, string[] roles, string[] teams)
    {
        var factory = services.GetRequiredService<IDbContextFactory<PortalDbContext>>();
        Guid admin, user;
        await using (var db = await factory.CreateDbContextAsync())
        {
            admin = await db.Users.Where(u => u.Email == "admin@example.com").Select(u => u.Id).SingleAsync();
            user = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, admin.ToString()), new Claim(ClaimTypes.Email, "admin@example.com"), new Claim(ClaimTypes.Role, "Admin")], "test"));
        var result = await services.GetRequiredService<MemberService>().SaveAccessAsync(principal, user, roles, teams, CancellationToken.None);
        result.ShouldBe(Portal.Web.Features.Admin.FormResult.Ok);
    }

    /// <summary>Calls once to warm the caches, then again marked; the second call's statements and connections.</summary>
    private async Task<(IReadOnlyList<string> Statements, int Connections)> CountWarmAsync(HttpClient client, string path)
    {
        (await client.GetAsync(path)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var mark = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add(SqlStatementCounter.Header, mark);
        (await client.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);
        return (_counter.CommandsOf(mark), _counter.ConnectionsOf(mark));
    }

    private HttpClient Bearer(string token)
    {
        var client = _portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
