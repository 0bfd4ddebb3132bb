using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Security;

/// <summary>
/// Every <c>/api/v1</c> endpoint × every caller (anonymous, each role, another team's developer, a read-only token) →
/// the expected allow or deny. The endpoint list is read from the running portal, so an endpoint without a rule here
/// fails the test. "Allowed" means the request passed authorization (any status but 401, 403 and 404); another team's
/// items are hidden as 404.
/// </summary>
public sealed class AuthorizationMatrixTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Allowed = "allowed";
    private const string Unauthorized = "401";
    private const string Forbidden = "403";
    private const string Hidden = "404";

    // Callers, in the order they call; each has a token with every scope unless the name says otherwise.
    private static readonly string[] Callers = ["anonymous", "dev", "dev-read-only", "other-team-dev", "platform", "finance", "admin"];

    private PortalWebFactory _portal = default!;
    private readonly Dictionary<string, string> _tokens = [];
    private Guid _environmentId;
    private Guid _requestId;
    private Guid _notificationId;
    private Guid _anomalyId;
    private Guid _campaignId;

    public async Task InitializeAsync()
    {
        _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true);
        _tokens["dev"] = await _portal.CreateTokenAsync("dev@example.com");
        _tokens["dev-read-only"] = await _portal.CreateTokenAsync("dev@example.com", "read");
        _tokens["other-team-dev"] = await _portal.CreateTokenAsync("dev2@example.com");
        _tokens["platform"] = await _portal.CreateTokenAsync("platform@example.com");
        _tokens["finance"] = await _portal.CreateTokenAsync("finance@example.com");
        _tokens["admin"] = await _portal.CreateTokenAsync("admin@example.com");

        // payments' objects: a dev environment, a staging request waiting for approval, and dev@'s notification about the first.
        var workflow = _portal.Services.GetRequiredService<RequestWorkflow>();
        var dev = await _portal.ActorAsync("dev@example.com");
        var created = await workflow.SubmitAsync(dev, new SubmitRequest("create", "static-site", "dev", Team: "payments", Name: "matrix"), CancellationToken.None);
        _environmentId = created.EnvironmentId!.Value;
        _requestId = (await workflow.SubmitAsync(dev, new SubmitRequest("create", "static-site", "staging", Team: "payments", Name: "matrix-stage"), CancellationToken.None)).Id;
        await using var db = await _portal.DbAsync();
        _notificationId = await db.Notifications.Where(n => n.UserId == dev.UserId).Select(n => n.Id).FirstAsync();
        var anomaly = Portal.Data.Entities.Costs.CostAnomaly.Detect(dev.TeamIds.Single(), null, new DateOnly(2026, 1, 15), 500m, 100m, 10m, 14, DateTimeOffset.UtcNow);
        db.CostAnomalies.Add(anomaly);
        await db.SaveChangesAsync();
        _anomalyId = anomaly.Id;
        var campaign = Portal.Data.Entities.Campaigns.UpgradeCampaign.Create(
            "matrix", "static-site", "1.0.0", new string('0', 64), [], [], 5, 0, dev.UserId, "platform@example.com", DateTimeOffset.UtcNow);
        db.UpgradeCampaigns.Add(campaign);
        await db.SaveChangesAsync();
        _campaignId = campaign.Id;
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    /// <summary>The rules: endpoint → expected outcome per caller (anonymous is always 401 and not listed).</summary>
    private static readonly Dictionary<string, Dictionary<string, string>> Rules = new()
    {
        ["GET /api/v1/me"] = Everyone(Allowed),
        ["GET /api/v1/templates"] = Everyone(Allowed),
        ["GET /api/v1/templates/{slug}"] = Everyone(Allowed),
        ["POST /api/v1/templates/{slug}/estimate"] = Everyone(Allowed),
        ["POST /api/v1/templates/{slug}/validate"] = Everyone(Allowed),

        // Requesting for payments: its members and platform engineers; a read-only token may not write.
        ["POST /api/v1/requests"] = Rule(dev: Allowed, readOnly: Forbidden, otherTeam: Forbidden, platform: Allowed, finance: Forbidden, admin: Forbidden),
        ["GET /api/v1/requests"] = Everyone(Allowed),
        ["GET /api/v1/requests/{id}"] = Rule(dev: Allowed, readOnly: Allowed, otherTeam: Hidden, platform: Allowed, finance: Allowed, admin: Allowed),
        ["POST /api/v1/requests/{id}/approve"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Allowed, finance: Forbidden, admin: Forbidden),
        ["POST /api/v1/requests/{id}/reject"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Allowed, finance: Forbidden, admin: Forbidden),
        ["POST /api/v1/requests/{id}/cancel"] = Rule(dev: Allowed, readOnly: Forbidden, otherTeam: Hidden, platform: Forbidden, finance: Forbidden, admin: Forbidden),

        // Environments: read by the team and by those who see every team; changed by the team and platform engineers.
        ["GET /api/v1/environments"] = Everyone(Allowed),
        ["GET /api/v1/environments/{id}"] = Rule(dev: Allowed, readOnly: Allowed, otherTeam: Hidden, platform: Allowed, finance: Allowed, admin: Allowed),
        ["GET /api/v1/environments/{id}/events"] = Rule(dev: Allowed, readOnly: Allowed, otherTeam: Hidden, platform: Allowed, finance: Allowed, admin: Allowed),
        ["GET /api/v1/environments/{id}/wait"] = Rule(dev: Allowed, readOnly: Allowed, otherTeam: Hidden, platform: Allowed, finance: Allowed, admin: Allowed),
        ["PUT /api/v1/environments/{id}/schedule"] = Rule(dev: Allowed, readOnly: Forbidden, otherTeam: Hidden, platform: Allowed, finance: Forbidden, admin: Forbidden),
        ["POST /api/v1/environments/{id}/retry"] = Rule(dev: Allowed, readOnly: Forbidden, otherTeam: Hidden, platform: Allowed, finance: Forbidden, admin: Forbidden),
        ["POST /api/v1/environments/{id}/start"] = Rule(dev: Allowed, readOnly: Forbidden, otherTeam: Hidden, platform: Allowed, finance: Forbidden, admin: Forbidden),

        // Drift: read like the environment; a detection asked for by the team or a platform engineer (409 here: the environment is
        // not Ready yet); accepting a change made outside the portal is a platform engineer's (409 here: nothing to accept);
        // the fleet view is for platform engineers and admins.
        ["GET /api/v1/environments/{id}/drift"] = Rule(dev: Allowed, readOnly: Allowed, otherTeam: Hidden, platform: Allowed, finance: Allowed, admin: Allowed),
        ["POST /api/v1/environments/{id}/drift"] = Rule(dev: Allowed, readOnly: Forbidden, otherTeam: Hidden, platform: Allowed, finance: Forbidden, admin: Forbidden),
        ["POST /api/v1/environments/{id}/accept-change"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Allowed, finance: Forbidden, admin: Forbidden),
        ["GET /api/v1/drift"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Allowed, finance: Forbidden, admin: Allowed),
        ["GET /api/v1/admin/circuits"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Allowed, finance: Forbidden, admin: Allowed),

        // Sandbox mode only: changing a stack "by hand" is an admin's (write scope).
        ["POST /api/v1/sandbox/environments/{id}/resource-change"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Forbidden, finance: Forbidden, admin: Allowed),
        ["POST /api/v1/sandbox/environments/{id}/stack-delete"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Forbidden, finance: Forbidden, admin: Allowed),

        // Notifications are the caller's own: someone else's is 404.
        ["GET /api/v1/notifications"] = Everyone(Allowed),
        ["POST /api/v1/notifications/{id}/read"] = Rule(dev: Allowed, readOnly: Forbidden, otherTeam: Hidden, platform: Hidden, finance: Hidden, admin: Hidden),
        ["POST /api/v1/notifications/read-all"] = Rule(dev: Allowed, readOnly: Forbidden, otherTeam: Allowed, platform: Allowed, finance: Allowed, admin: Allowed),

        // Costs: everyone reads (a developer only their teams' rows); ingestion on demand is finance's and admins' (write scope).
        ["GET /api/v1/costs/summary"] = Everyone(Allowed),
        ["GET /api/v1/costs/daily"] = Everyone(Allowed),
        ["GET /api/v1/costs/export.csv"] = Everyone(Allowed),
        ["POST /api/v1/costs/ingest"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Forbidden, finance: Allowed, admin: Allowed),

        // Cost dashboards: everyone reads (a developer only their teams' figures, never unallocated spend).
        ["GET /api/v1/costs/dashboard/monthly"] = Everyone(Allowed),
        ["GET /api/v1/costs/dashboard/teams"] = Everyone(Allowed),
        ["GET /api/v1/costs/dashboard/tiers"] = Everyone(Allowed),
        ["GET /api/v1/costs/dashboard/services"] = Everyone(Allowed),
        ["GET /api/v1/costs/dashboard/top-environments"] = Everyone(Allowed),
        ["GET /api/v1/costs/dashboard/daily"] = Everyone(Allowed),
        ["GET /api/v1/costs/dashboard/estimates"] = Everyone(Allowed),
        ["GET /api/v1/costs/dashboard/templates"] = Everyone(Allowed),
        ["GET /api/v1/costs/dashboard/approvers"] = Everyone(Allowed),
        ["GET /api/v1/costs/dashboard/waste"] = Everyone(Allowed),

        // Budgets: everyone reads (a developer only their teams); setting one is finance's and admins' (write scope).
        ["GET /api/v1/budgets"] = Everyone(Allowed),
        ["PUT /api/v1/budgets/{team}"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Forbidden, finance: Allowed, admin: Allowed),

        // Anomalies (payments' here): listed for everyone (their teams'); acknowledged by finance, admins and the team's members,
        // hidden from another team; a platform engineer sees it but may not acknowledge it. Dev acknowledges first, so finance
        // and admin get 409 (allowed, already acknowledged).
        ["GET /api/v1/costs/anomalies"] = Everyone(Allowed),
        ["POST /api/v1/costs/anomalies/{id}/acknowledge"] = Rule(dev: Allowed, readOnly: Forbidden, otherTeam: Hidden, platform: Forbidden, finance: Allowed, admin: Allowed),

        // Upgrade campaigns: platform engineers and admins only (writes need the write scope); template versions are read by everyone.
        ["GET /api/v1/campaigns"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Allowed, finance: Forbidden, admin: Allowed),
        ["POST /api/v1/campaigns"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Allowed, finance: Forbidden, admin: Allowed),
        ["GET /api/v1/campaigns/{id}"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Allowed, finance: Forbidden, admin: Allowed),
        ["POST /api/v1/campaigns/{id}/start"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Allowed, finance: Forbidden, admin: Allowed),
        ["POST /api/v1/campaigns/{id}/pause"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Allowed, finance: Forbidden, admin: Allowed),
        ["POST /api/v1/campaigns/{id}/resume"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Allowed, finance: Forbidden, admin: Allowed),
        ["POST /api/v1/campaigns/{id}/cancel"] = Rule(dev: Forbidden, readOnly: Forbidden, otherTeam: Forbidden, platform: Allowed, finance: Forbidden, admin: Allowed),
        ["GET /api/v1/templates/{slug}/versions"] = Everyone(Allowed),
    };

    [Fact]
    public async Task EveryEndpoint_ForEveryCaller_AllowsOrDeniesAsTheRulesSay()
    {
        var endpoints = _portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m, Pattern: e.RoutePattern.RawText!)))
            .OrderBy(e => e.Pattern, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal)
            .ToList();
        var keys = endpoints.Select(Key).ToHashSet();
        keys.Except(Rules.Keys).ShouldBeEmpty("every API endpoint needs an authorization rule in this test");
        Rules.Keys.Except(keys).ShouldBeEmpty("rules for endpoints that no longer exist");

        var failures = new List<string>();
        foreach (var endpoint in endpoints)
        {
            var key = Key(endpoint);
            foreach (var caller in Callers)
            {
                var expected = caller == "anonymous" ? Unauthorized : Rules[key][caller];
                var (actual, status) = await CallAsync(endpoint.Method, endpoint.Pattern, caller);
                output.WriteLine($"{key,-45} {caller,-15} expected {expected,-8} got {status}");
                if (status >= 500)
                {
                    failures.Add($"{key} as {caller}: {status} (never a 5xx)");
                }
                else if (actual != expected)
                {
                    failures.Add($"{key} as {caller}: expected {expected}, got {status}");
                }
            }
        }

        failures.ShouldBeEmpty();
    }

    /// <summary>
    /// The Hangfire dashboard at /jobs, signed in through the sign-in form (cookie): anonymous callers are sent to sign in,
    /// platform engineers read it, admins also get its commands (trigger, retry, delete), everyone else 403. Its pages carry
    /// no inline script, so the portal's CSP (script-src 'self') holds there too.
    /// </summary>
    [Theory]
    [InlineData(null, "sign-in")]
    [InlineData("dev@example.com", Forbidden)]
    [InlineData("dev2@example.com", Forbidden)]
    [InlineData("finance@example.com", Forbidden)]
    [InlineData("platform@example.com", "read")]
    [InlineData("admin@example.com", "read and write")]
    public async Task JobsDashboard_ForEveryRole_AllowsOrDeniesAsTheRulesSay(string? email, string expected)
    {
        // A plain client with its own cookies and no redirect following (the factory's client over Kestrel follows redirects).
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var client = new HttpClient(handler) { BaseAddress = _portal.BaseAddress };
        if (email is not null)
        {
            (await PortalWebFactory.PostLoginAsync(client, email, "portal-demo")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        using var response = await client.GetAsync("/jobs/recurring");
        var body = await response.Content.ReadAsStringAsync();
        switch (expected)
        {
            case "sign-in":
                response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
                response.Headers.Location!.ToString().ShouldContain("/account/login");
                break;
            case Forbidden:
                response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
                break;
            default:
                response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
                body.ShouldContain("reconciler");
                body.Contains("/jobs/recurring/trigger", StringComparison.Ordinal).ShouldBe(expected == "read and write", "only admins get the dashboard's commands");
                response.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("script-src 'self';");
                System.Text.RegularExpressions.Regex.Matches(body, @"<script(?![^>]*\ssrc=)").ShouldBeEmpty("no inline script, which the CSP would block");
                break;
        }
    }

    private async Task<(string Outcome, int Status)> CallAsync(string method, string pattern, string caller)
    {
        using var client = _portal.CreateClient();
        if (_tokens.TryGetValue(caller, out var token))
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var path = Path(pattern);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT")
        {
            request.Content = JsonContent.Create(Body(pattern));
        }

        using var response = await client.SendAsync(request);
        var status = (int)response.StatusCode;
        var outcome = status == (int)HttpStatusCode.Unauthorized ? Unauthorized
            : status == (int)HttpStatusCode.Forbidden ? Forbidden
            : status == (int)HttpStatusCode.NotFound ? Hidden
            : Allowed;
        return (outcome, status);
    }

    private string Path(string pattern)
    {
        var id = pattern.Contains("/campaigns/", StringComparison.Ordinal) ? _campaignId
            : pattern.Contains("/anomalies/", StringComparison.Ordinal) ? _anomalyId
            : pattern.Contains("/requests/", StringComparison.Ordinal) ? _requestId
            : pattern.Contains("/environments/", StringComparison.Ordinal) ? _environmentId
            : _notificationId;
        var path = new StringBuilder(pattern
            .Replace("{id:guid}", id.ToString(), StringComparison.Ordinal)
            .Replace("{slug}", "static-site", StringComparison.Ordinal)
            .Replace("{team}", "payments", StringComparison.Ordinal));
        if (pattern.EndsWith("/wait", StringComparison.Ordinal))
        {
            path.Append("?status=Ready&timeoutSeconds=1");
        }

        return path.ToString();
    }

    private static object Body(string pattern) => pattern switch
    {
        "/api/v1/requests/" or "/api/v1/requests" => new { kind = "create", template = "static-site", tier = "dev", team = "payments", name = "matrix-new" },
        _ when pattern.EndsWith("/estimate", StringComparison.Ordinal) || pattern.EndsWith("/validate", StringComparison.Ordinal) => new { tier = "dev" },
        _ when pattern.EndsWith("/schedule", StringComparison.Ordinal) => new { offHours = false },
        _ when pattern.StartsWith("/api/v1/budgets/", StringComparison.Ordinal) => new { monthlyUsd = 5000 },
        _ when pattern.EndsWith("/acknowledge", StringComparison.Ordinal) => new { note = "matrix" },
        _ when pattern.EndsWith("/approve", StringComparison.Ordinal) || pattern.EndsWith("/reject", StringComparison.Ordinal) => new { comment = "matrix" },
        _ => new { },
    };

    private static string Key((string Method, string Pattern) endpoint) =>
        $"{endpoint.Method} {endpoint.Pattern.Replace("{id:guid}", "{id}", StringComparison.Ordinal).TrimEnd('/')}";

    private static Dictionary<string, string> Everyone(string outcome) =>
        Rule(outcome, outcome, outcome, outcome, outcome, outcome);

    private static Dictionary<string, string> Rule(string dev, string readOnly, string otherTeam, string platform, string finance, string admin) => new()
    {
        ["dev"] = dev,
        ["dev-read-only"] = readOnly,
        ["other-team-dev"] = otherTeam,
        ["platform"] = platform,
        ["finance"] = finance,
        ["admin"] = admin,
    };
}
