using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Data;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Security;

/// <summary>
/// Bad input is the client's fault, in Development too: a body that is not JSON, JSON of the wrong shape, or a value of the
/// wrong type is a 400 with problem details that carry no exception text, and nothing is logged at warning or above.
/// </summary>
public sealed class BadRequestNoiseTests : IAsyncLifetime
{
    private readonly CapturedLogs _logs = new();
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() =>
        _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, environment: "Development", services: s => s.AddSingleton<ILoggerProvider>(_logs));

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Theory]
    [InlineData("POST", "/api/v1/requests", "{not json")]
    [InlineData("POST", "/api/v1/requests", "[1, 2, 3]")]
    [InlineData("POST", "/api/v1/requests", "{\"kind\": \"create\", \"ttlHours\": \"forever\"}")]
    [InlineData("PUT", "/api/v1/budgets/payments", "{\"monthlyBudgetUsd\": \"lots\"}")]
    [InlineData("POST", "/api/v1/templates/static-site/estimate", "{\"tier\": ")]
    public async Task BadJson_Is400ProblemDetails_WithoutExceptionText_AndIsNotLoggedAsAnError(string method, string path, string body)
    {
        using var client = await _portal.CreateTokenClientAsync(path.Contains("budgets", StringComparison.Ordinal) ? "admin@example.com" : "dev@example.com");

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") });

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        text.ShouldNotContain("Exception", Case.Insensitive);
        text.ShouldNotContain("   at ");
        text.ShouldNotContain("System.");
        var loud = _logs.Text().Split('\n').Where(l => l.StartsWith("Error ", StringComparison.Ordinal) || l.StartsWith("Critical ", StringComparison.Ordinal) || l.StartsWith("Warning ", StringComparison.Ordinal)).ToList();
        loud.Where(l => l.Contains("BadHttpRequestException", StringComparison.Ordinal) || l.Contains("JsonException", StringComparison.Ordinal) || l.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase))
            .ShouldBeEmpty();
    }
}
