using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Web.Features.Me;
using Portal.Web.Features.Tokens;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Api;

/// <summary>The API's identity: personal access tokens, scopes and problem details, on PostgreSQL.</summary>
public sealed class MeEndpointTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Me_WithTokenFromTheCli_ReturnsTheUsersRolesAndTeams()
    {
        var token = await _portal.CreateTokenAsync("dev@example.com");
        using var client = Client(token);

        var me = await client.GetFromJsonAsync<MeResponse>("/api/v1/me");

        me.ShouldNotBeNull();
        me.Email.ShouldBe("dev@example.com");
        me.DisplayName.ShouldBe("Dana Developer");
        me.Roles.ShouldBe(["Developer"]);
        me.Teams.ShouldBe([new MeTeam("payments", "Payments")]);
    }

    [Fact]
    public async Task Me_WithTokenOfAnotherUser_DescribesThatUser()
    {
        var token = await _portal.CreateTokenAsync("platform@example.com");
        var me = await Client(token).GetFromJsonAsync<MeResponse>("/api/v1/me");

        me!.Roles.ShouldBe(["PlatformEngineer"]);
        me.Teams.ShouldBeEmpty();
    }

    [Fact]
    public async Task Me_WithoutCredentials_Returns401ProblemDetails()
    {
        var detail = await (await _portal.CreateClient().GetAsync("/api/v1/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);

        detail.ShouldContain("Bearer");
    }

    [Theory]
    [InlineData("portal_pat_thisTokenWasNeverIssuedByThePortal0000000000", "not valid")]
    [InlineData("some-other-vendor-token", "not a Portal personal access token")]
    public async Task Me_WithUnknownToken_Returns401NamingTheProblem(string token, string expected)
    {
        var detail = await (await Client(token).GetAsync("/api/v1/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);

        detail.ShouldContain(expected);
    }

    [Fact]
    public async Task Me_WithExpiredToken_Returns401SayingItExpired()
    {
        var token = await _portal.CreateTokenAsync("dev@example.com", expiresDays: "1");
        await using (var db = _portal.Database.CreateContext())
        {
            // Move the expiry into the past as time would.
            await db.Database.ExecuteSqlRawAsync("UPDATE \"PersonalAccessTokens\" SET \"ExpiresAt\" = now() - interval '1 minute'");
        }

        var detail = await (await Client(token).GetAsync("/api/v1/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);

        detail.ShouldContain("expired");
    }

    [Fact]
    public async Task Me_WithRevokedToken_Returns401SayingItWasRevoked()
    {
        var token = await _portal.CreateTokenAsync("dev@example.com");
        var tokens = _portal.Services.GetRequiredService<TokenService>();
        await using (var db = _portal.Database.CreateContext())
        {
            var issued = await db.PersonalAccessTokens.Include(t => t.User).SingleAsync();
            (await tokens.RevokeAsync(issued.UserId, issued.Id, new(issued.UserId, "dev@example.com"), CancellationToken.None)).ShouldBeTrue();
        }

        var detail = await (await Client(token).GetAsync("/api/v1/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);

        detail.ShouldContain("revoked");
    }

    [Fact]
    public async Task Me_WithTokenLackingReadScope_Returns403NamingTheScope()
    {
        var token = await _portal.CreateTokenAsync("dev@example.com", scopes: "write");

        var detail = await (await Client(token).GetAsync("/api/v1/me")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);

        detail.ShouldContain("'read' scope");
    }

    [Fact]
    public async Task Token_WhenUsed_RecordsLastUseAndStoresOnlyItsHash()
    {
        var token = await _portal.CreateTokenAsync("finance@example.com");

        (await Client(token).GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await using var db = _portal.Database.CreateContext();
        var stored = await db.PersonalAccessTokens.SingleAsync();
        stored.LastUsedAt.ShouldNotBeNull();
        stored.TokenHash.ShouldNotBe(token);
        stored.TokenHash.Length.ShouldBe(64);
        token.ShouldStartWith(stored.Prefix);
        (await db.AuditEvents.Select(e => e.Detail).ToListAsync()).ShouldAllBe(d => !d.Contains(token));
    }

    private HttpClient Client(string token)
    {
        var client = _portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
