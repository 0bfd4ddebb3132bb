using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Security;

/// <summary>
/// Hostile input against every <c>/api/v1</c> endpoint (read from the running portal): malformed JSON, wrong types,
/// unknown fields, huge strings, script payloads, unknown ids and nonsense query values. Every answer is a 4xx
/// problem document or a success, never a 5xx; and a script payload that is stored comes back escaped in the UI.
/// </summary>
public sealed class BadInputSweepTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Script = "<script>alert('x')</script>";
    private PortalWebFactory _portal = default!;
    private string _token = default!;
    private string _adminToken = default!;

    public async Task InitializeAsync()
    {
        _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres);
        _token = await _portal.CreateTokenAsync("platform@example.com");
        _adminToken = await _portal.CreateTokenAsync("admin@example.com");
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    public static IEnumerable<object[]> Bodies() =>
    [
        ["malformed", "{\"kind\": \"create\", "],
        ["not an object", "[1, 2, 3]"],
        ["wrong types", "{\"kind\": 5, \"template\": true, \"tier\": [], \"ttlHours\": \"soon\", \"parameters\": \"none\", \"offHours\": \"yes\", \"comment\": 7, \"environmentId\": \"not-a-guid\"}"],
        ["unknown field", "{\"kind\": \"create\", \"colour\": \"blue\"}"],
        ["huge strings", "{\"kind\": \"create\", \"template\": \"static-site\", \"tier\": \"dev\", \"team\": \"payments\", \"name\": \"" + new string('a', 200_000) + "\", \"comment\": \"" + new string('b', 200_000) + "\"}"],
        ["script payloads", "{\"kind\": \"" + Script + "\", \"template\": \"" + Script + "\", \"tier\": \"" + Script + "\", \"team\": \"" + Script + "\", \"name\": \"" + Script + "\", \"comment\": \"" + Script + "\"}"],
        ["empty", ""],
    ];

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task EveryWritingEndpoint_AnswersHostileBodiesWithA4xxProblem(string label, string body)
    {
        var failures = new List<string>();
        foreach (var (method, pattern) in Endpoints().Where(e => e.Method is "POST" or "PUT"))
        {
            using var client = Client(pattern);
            using var request = new HttpRequestMessage(new HttpMethod(method), Fill(pattern, Guid.NewGuid()))
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            using var response = await client.SendAsync(request);
            Check(failures, $"{method} {pattern} ({label})", response);
        }

        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task EveryEndpoint_WithUnknownIdsAndNonsenseQueries_AnswersA4xxProblemOrSuccess()
    {
        var failures = new List<string>();
        foreach (var (method, pattern) in Endpoints())
        {
            foreach (var query in new[] { "", "?page=-1&pageSize=100000&status=%3Cscript%3E&tier=gold&team=" + Uri.EscapeDataString(Script) + "&from=yesterday&to=2026-13-45&timeoutSeconds=-5&after=zzz&limit=abc&unread=maybe" })
            {
                using var client = Client(pattern);
                using var request = new HttpRequestMessage(new HttpMethod(method), Fill(pattern, Guid.NewGuid()) + query);
                if (method is "POST" or "PUT")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await client.SendAsync(request);
                Check(failures, $"{method} {pattern}{query}", response);
                if (pattern.Contains("{id", StringComparison.Ordinal) && method == "GET" && query.Length == 0 && response.StatusCode != HttpStatusCode.NotFound)
                {
                    failures.Add($"{method} {pattern} with an unknown id: {(int)response.StatusCode}, expected 404");
                }
            }
        }

        failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task ScriptPayload_IsStoredAsText_AndRenderedEscapedInThePage()
    {
        using var client = Client();
        var body = "{\"kind\": \"create\", \"template\": \"static-site\", \"tier\": \"staging\", \"team\": \"payments\", \"name\": \"escaped\", \"justification\": \"" + Script + "\"}";
        using var created = await client.PostAsync("/api/v1/requests", new StringContent(body, Encoding.UTF8, "application/json"));
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var location = created.Headers.Location!.ToString();

        var json = await client.GetStringAsync(location);
        json.ShouldContain("alert", customMessage: "the API returns the justification as data");

        using var browser = _portal.CreateClient();
        await PortalWebFactory.PostLoginAsync(browser, "platform@example.com", "portal-demo");
        var page = await browser.GetStringAsync(location.Replace("/api/v1", "", StringComparison.Ordinal));
        page.ShouldNotContain(Script, customMessage: "the page must not echo the payload as markup");
        page.ShouldContain("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;");
    }

    private void Check(List<string> failures, string what, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        output.WriteLine($"{status} {what[..Math.Min(what.Length, 140)]}");
        if (status >= 500)
        {
            failures.Add($"{what[..Math.Min(what.Length, 140)]}: {status}");
        }
        else if (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            failures.Add($"{what[..Math.Min(what.Length, 140)]}: {status} without problem details ({response.Content.Headers.ContentType})");
        }
        else if (status is 401 or 403)
        {
            failures.Add($"{what[..Math.Min(what.Length, 140)]}: {status} for a caller allowed to call it (the sweep must reach the handlers)");
        }
    }

    /// <summary>A caller allowed to reach the endpoint's handler: a platform engineer, or an admin for what only finance and admins do (ingest, set budgets) and the sandbox's by-hand changes.</summary>
    private HttpClient Client(string pattern = "")
    {
        var client = _portal.CreateClient();
        var token = pattern.Contains("/costs/ingest", StringComparison.Ordinal) || pattern.StartsWith("/api/v1/budgets/", StringComparison.Ordinal)
            || pattern.StartsWith("/api/v1/sandbox/", StringComparison.Ordinal) ? _adminToken : _token;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private List<(string Method, string Pattern)> Endpoints() =>
        [.. _portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (m, e.RoutePattern.RawText!)))
            .OrderBy(e => e.Item2, StringComparer.Ordinal)];

    private static string Fill(string pattern, Guid id) =>
        pattern.Replace("{id:guid}", id.ToString(), StringComparison.Ordinal).Replace("{slug}", "static-site", StringComparison.Ordinal)
            .Replace("{team}", "payments", StringComparison.Ordinal);
}
