using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Security;

/// <summary>
/// Cross-site request forgery: every unsafe <c>/api/v1</c> endpoint (read from the running portal, like the authorization
/// matrix) and the sign-out form, called with a signed-in browser cookie from another origin — another site, a sibling
/// subdomain (same site, so SameSite=Lax lets the cookie through), another port, or with no origin at all — is refused with
/// 403 problem details before it acts. The portal's own pages (same origin) and bearer-token clients are unaffected.
/// </summary>
public sealed class CsrfSweepTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Portal = "http://localhost";

    // (Origin, Sec-Fetch-Site) a forged request arrives with; null leaves the header out.
    private static readonly (string? Origin, string? Site)[] Forgeries =
    [
        ("https://evil.example", "cross-site"),
        ("http://attacker.localhost", "same-site"),
        ("http://localhost:8081", "same-site"),
        ("http://attacker.localhost", null),
        ("null", null),
        (null, null),
    ];

    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task EveryUnsafeEndpoint_CalledCrossOriginWithTheCookie_Is403()
    {
        using var browser = await SignedInAsync("platform@example.com");
        var endpoints = _portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .Where(e => e.Method is not ("GET" or "HEAD" or "OPTIONS"))
            .Append(("POST", "/account/logout"))
            .ToList();
        endpoints.Count.ShouldBeGreaterThan(10);

        var failures = new List<string>();
        foreach (var (method, pattern) in endpoints)
        {
            foreach (var (origin, site) in Forgeries)
            {
                using var response = await browser.SendAsync(Forged(method, Fill(pattern), origin, site));
                var body = await response.Content.ReadAsStringAsync();
                output.WriteLine($"{method} {pattern} from {origin ?? "-"} ({site ?? "-"}): {(int)response.StatusCode}");
                if (response.StatusCode != HttpStatusCode.Forbidden || response.Content.Headers.ContentType?.MediaType != "application/problem+json"
                    || !body.Contains("Cross-site request refused", StringComparison.Ordinal))
                {
                    failures.Add($"{method} {pattern} from {origin ?? "no origin"} ({site ?? "no Sec-Fetch-Site"}): {(int)response.StatusCode} {body[..Math.Min(200, body.Length)]}");
                }
            }
        }

        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task ForgedCancelAndApprove_ChangeNothing_WhileTheSameCallsFromThePortalsOwnPagesAct()
    {
        var dev = await _portal.ActorAsync("dev@example.com");
        var workflow = _portal.Services.GetRequiredService<RequestWorkflow>();
        var toCancel = (await workflow.SubmitAsync(dev, new SubmitRequest("create", "static-site", "staging", Team: "payments", Name: "csrf-cancel"), CancellationToken.None)).Id;
        var toApprove = (await workflow.SubmitAsync(dev, new SubmitRequest("create", "static-site", "staging", Team: "payments", Name: "csrf-approve"), CancellationToken.None)).Id;
        using var developer = await SignedInAsync("dev@example.com");
        using var platform = await SignedInAsync("platform@example.com");

        (await developer.SendAsync(Forged("POST", $"/api/v1/requests/{toCancel}/cancel", "http://attacker.localhost", "same-site"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await platform.SendAsync(Forged("POST", $"/api/v1/requests/{toApprove}/approve", "https://evil.example", "cross-site"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await StatusAsync(toCancel)).ShouldBe(RequestStatus.PendingApproval);
        (await StatusAsync(toApprove)).ShouldBe(RequestStatus.PendingApproval);

        (await developer.SendAsync(Forged("POST", $"/api/v1/requests/{toCancel}/cancel", Portal, "same-origin"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var approve = Forged("POST", $"/api/v1/requests/{toApprove}/approve", Portal, null);
        approve.Content = JsonContent.Create(new { comment = "Fine" });
        (await platform.SendAsync(approve)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await StatusAsync(toCancel)).ShouldBe(RequestStatus.Cancelled);
        (await StatusAsync(toApprove)).ShouldBeOneOf(RequestStatus.Approved, RequestStatus.Completed);
    }

    [Fact]
    public async Task BearerTokenCalls_AreNotChecked_AndSignOutFromThePortalsOwnPageWorks()
    {
        using var api = _portal.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await _portal.CreateTokenAsync("dev@example.com"));
        using var fromAnywhere = await api.SendAsync(Forged("POST", "/api/v1/notifications/read-all", "https://evil.example", "cross-site"));
        fromAnywhere.IsSuccessStatusCode.ShouldBeTrue(await fromAnywhere.Content.ReadAsStringAsync());

        using var browser = await SignedInAsync("dev@example.com");
        (await browser.SendAsync(Forged("POST", "/account/logout", "https://evil.example", "cross-site"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await browser.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "a forged sign-out leaves the session alone");

        using var signOut = await browser.SendAsync(Forged("POST", "/account/logout", Portal, "same-origin"));
        signOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await browser.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    private async Task<HttpClient> SignedInAsync(string email)
    {
        var client = _portal.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var signIn = await PortalWebFactory.PostLoginAsync(client, email, "portal-demo");
        signIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return client;
    }

    // A form post with no body, as a forging page sends it, from the given origin.
    private static HttpRequestMessage Forged(string method, string path, string? origin, string? site)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>()),
        };
        if (origin is not null)
        {
            request.Headers.TryAddWithoutValidation("Origin", origin);
        }

        if (site is not null)
        {
            request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", site);
        }

        return request;
    }

    private static string Fill(string pattern) => pattern
        .Replace("{id}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{id:guid}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
        .Replace("{slug}", "static-site", StringComparison.Ordinal)
        .Replace("{team}", "payments", StringComparison.Ordinal);

    private async Task<RequestStatus> StatusAsync(Guid id)
    {
        await using var db = await _portal.DbAsync();
        return await db.EnvironmentRequests.Where(r => r.Id == id).Select(r => r.Status).SingleAsync();
    }
}
