using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Web.Features.Me;
using Portal.Web.Features.Tokens;
using Portal.Web.Tests.Api;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Security;

/// <summary>
/// Two nodes on one PostgreSQL, each caching its callers: a token revoked and a role changed on one node take effect on the
/// other within seconds. The other node is told to trust its cache for minutes, so only PostgreSQL's notification
/// (migration 0011's triggers, the node's LISTEN) can explain it.
/// </summary>
public sealed class AccessCacheAcrossNodesTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);
    private PortalWebFactory _first = default!;
    private PortalProcess _second = default!;

    public async Task InitializeAsync()
    {
        _first = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres);
        _second = await PortalProcess.StartAsync("access-cache-node-2", _first.Database, Path.Combine(_first.DataDirectory, "node-2"), new Dictionary<string, string>
        {
            ["Auth:Cache:Ttl"] = "00:05:00",
            ["Auth:Cache:UnconfirmedTtl"] = "00:01:00",
        });
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    [Fact]
    public async Task TokenRevokedOnOneNode_IsRefusedByTheOtherWithinSeconds()
    {
        var token = await _first.CreateTokenAsync("dev@example.com");
        using var second = SecondNode(token);
        (await second.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await second.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "cached");

        await using (var db = await _first.DbAsync())
        {
            var issued = await db.PersonalAccessTokens.SingleAsync(t => t.User!.Email == "dev@example.com");
            (await _first.Services.GetRequiredService<TokenService>().RevokeAsync(issued.UserId, issued.Id, new(issued.UserId, "dev@example.com"), CancellationToken.None)).ShouldBeTrue();
        }

        var status = await UntilAsync(async () => (await second.GetAsync("/api/v1/me")).StatusCode, s => s == HttpStatusCode.Unauthorized);
        status.ShouldBe(HttpStatusCode.Unauthorized, $"node 2 still accepted the revoked token after {Within.TotalSeconds:0} s");
    }

    [Fact]
    public async Task RoleChangedOnOneNode_ShowsOnTheOtherWithinSeconds()
    {
        var token = await _first.CreateTokenAsync("dev2@example.com");
        using var second = SecondNode(token);
        (await second.GetFromJsonAsync<MeResponse>("/api/v1/me"))!.Roles.ShouldBe(["Developer"]);

        await StatementBudgetTests.ChangeAccessAsync(_first.Services, "dev2@example.com", ["Developer", "Finance"], ["search"]);

        var roles = await UntilAsync(async () => (await second.GetFromJsonAsync<MeResponse>("/api/v1/me"))!.Roles, r => r.Contains("Finance"));
        roles.ShouldBe(["Developer", "Finance"], $"node 2 still showed the old roles after {Within.TotalSeconds:0} s");
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var clock = Stopwatch.StartNew();
        var value = await read();
        while (!done(value) && clock.Elapsed < Within)
        {
            await Task.Delay(100);
            value = await read();
        }

        return value;
    }

    private HttpClient SecondNode(string token)
    {
        var client = new HttpClient { BaseAddress = _second.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
