using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Data;
using Portal.Web.Features.Me;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Security;

/// <summary>
/// Reverse-proxy identity headers (oauth2-proxy style) over real loopback TCP, so the portal sees a real remote address
/// (127.0.0.1): trusted when that address is configured, ignored otherwise.
/// </summary>
public sealed class ProxyHeaderTests
{
    private static Dictionary<string, string?> Settings(string trusted) => new()
    {
        ["Auth:Proxy:Enabled"] = "true",
        ["Auth:Proxy:TrustedAddresses:0"] = trusted,
        ["Auth:GroupMappings:payments"] = "role:Developer, team:payments",
        ["Auth:GroupMappings:finance"] = "role:Finance",
    };

    private static HttpClient Client(PortalWebFactory portal, string email, string groups)
    {
        var client = new HttpClient { BaseAddress = portal.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Forwarded-Email", email);
        client.DefaultRequestHeaders.Add("X-Forwarded-User", "erin");
        client.DefaultRequestHeaders.Add("X-Forwarded-Preferred-Username", "Erin Proxy");
        client.DefaultRequestHeaders.Add("X-Forwarded-Groups", groups);
        return client;
    }

    [Fact]
    public async Task FromATrustedAddress_TheHeadersSignTheUserIn_WithMappedRolesAndTeams()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, kestrel: true, settings: Settings("127.0.0.0/8"));
        using var client = Client(portal, "erin.proxy@example.com", "payments,finance");

        var me = await client.GetFromJsonAsync<MeResponse>("/api/v1/me");

        me!.Email.ShouldBe("erin.proxy@example.com");
        me.DisplayName.ShouldBe("Erin Proxy");
        me.Roles.ShouldBe(["Developer", "Finance"]);
        me.Teams.Select(t => t.Slug).ShouldBe(["payments"]);
        var page = await client.GetStringAsync("/");
        page.ShouldContain("data-testid=\"user-email\">erin.proxy@example.com<");
    }

    [Fact]
    public async Task FromAnUntrustedAddress_TheHeadersAreIgnored()
    {
        var logs = new CapturedLogs();
        var settings = Settings("10.20.0.0/16");
        settings["Logging:LogLevel:Portal.Web.Security"] = "Debug";
        await using var portal = await PortalWebFactory.StartAsync(
            DatabaseProvider.Sqlite, kestrel: true, settings: settings, services: s => s.AddSingleton<ILoggerProvider>(logs));
        using var client = Client(portal, "mallory.proxy@example.com", "finance-secret-group");

        var detail = await (await client.GetAsync("/api/v1/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);

        detail.ShouldContain("Sign in");
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = portal.BaseAddress };
        noRedirects.DefaultRequestHeaders.Add("X-Forwarded-Email", "mallory.proxy@example.com");
        var page = await noRedirects.GetAsync("/");
        page.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        page.Headers.Location!.ToString().ShouldContain("/account/login");
        await using var db = portal.Database.CreateContext();
        (await db.Users.AnyAsync(u => u.Email == "mallory.proxy@example.com")).ShouldBeFalse();

        // Logged at debug, with the address and without the values the untrusted caller sent.
        var text = logs.Text();
        text.ShouldContain("Debug Portal.Web.Security.TrustedProxies Ignored reverse-proxy identity headers from untrusted address 127.0.0.1");
        text.ShouldNotContain("mallory.proxy@example.com");
        text.ShouldNotContain("finance-secret-group");
    }
}
