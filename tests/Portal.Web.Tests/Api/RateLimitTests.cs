using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Portal.Data;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Api;

/// <summary>Per-token rate limit on the API: over the limit, 429 problem details with Retry-After; other tokens unaffected.</summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(
        DatabaseProvider.Postgres, settings: new Dictionary<string, string?> { ["RateLimits:TokenPermitsPerMinute"] = "5" });

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task TokenOverItsLimit_Gets429WithRetryAfter_WhileAnotherTokenStillWorks()
    {
        using var busy = Client(await _portal.CreateTokenAsync("dev@example.com", "read"));
        using var other = Client(await _portal.CreateTokenAsync("dev@example.com", "read"));

        for (var i = 0; i < 5; i++)
        {
            (await busy.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK, $"call {i + 1} of 5 is within the limit");
        }

        var limited = await busy.GetAsync("/api/v1/me");

        limited.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        limited.Headers.RetryAfter.ShouldNotBeNull();
        limited.Headers.RetryAfter.Delta!.Value.TotalSeconds.ShouldBeInRange(1, 60);
        limited.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        using var problem = JsonDocument.Parse(await limited.Content.ReadAsStringAsync());
        problem.RootElement.GetProperty("status").GetInt32().ShouldBe(429);
        (problem.RootElement.GetProperty("detail").GetString() ?? "").ShouldContain("5 calls");
        (await other.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "the limit is per token");
    }

    private HttpClient Client(string token)
    {
        var client = _portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
