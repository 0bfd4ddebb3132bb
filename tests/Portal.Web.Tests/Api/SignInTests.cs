using System.Net;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Api;

/// <summary>The sign-in form through the real pipeline (antiforgery, cookies, lockout) on PostgreSQL.</summary>
public sealed class SignInTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task SignIn_WithRightPassword_SetsTheCookieAndOpensPages()
    {
        using var client = _portal.CreateClient(new() { AllowAutoRedirect = false });

        var response = await PostLoginAsync(client, "dev@example.com", "portal-demo");

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.GetValues("Set-Cookie").ShouldContain(c => c.StartsWith("portal.auth=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
        (await client.GetAsync("/tokens")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task SignIn_WithWrongPassword_ShowsAGenericMessage_AndLocksOutAfterFiveFailures()
    {
        using var client = _portal.CreateClient(new() { AllowAutoRedirect = false });

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var html = await (await PostLoginAsync(client, "dev@example.com", "wrong-password")).Content.ReadAsStringAsync();
            html.ShouldContain("Invalid email or password.");
        }

        var fifth = await (await PostLoginAsync(client, "dev@example.com", "wrong-password")).Content.ReadAsStringAsync();
        fifth.ShouldContain("locked");

        var rightPasswordWhileLocked = await PostLoginAsync(client, "dev@example.com", "portal-demo");
        rightPasswordWhileLocked.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await rightPasswordWhileLocked.Content.ReadAsStringAsync()).ShouldContain("locked");

        await using var db = _portal.Database.CreateContext();
        (await db.Users.SingleAsync(u => u.Email == "dev@example.com")).LockoutEnd.ShouldNotBeNull();
    }

    [Fact]
    public async Task SignIn_WithUnknownEmail_ShowsTheSameGenericMessage()
    {
        using var client = _portal.CreateClient(new() { AllowAutoRedirect = false });

        var html = await (await PostLoginAsync(client, "nobody@example.com", "whatever1")).Content.ReadAsStringAsync();

        html.ShouldContain("Invalid email or password.");
    }

    [Fact]
    public async Task SignInPage_InDevelopment_ShowsTheDemoPassword_ButNotInProduction()
    {
        (await _portal.CreateClient().GetStringAsync("/account/login")).ShouldContain("portal-demo");

        await using var production = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, "Production");
        (await production.CreateClient().GetStringAsync("/account/login")).ShouldNotContain("portal-demo");
    }

    private static Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string email, string password) =>
        PortalWebFactory.PostLoginAsync(client, email, password);
}
