using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Api;

/// <summary>The OpenAPI document at <c>/openapi/v1.json</c> lists exactly the API's endpoints (generated from the live endpoint list).</summary>
public sealed partial class OpenApiDocumentTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Document_ListsEveryApiEndpoint_AndNothingElse()
    {
        var endpoints = _portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .ToHashSet();
        using var client = _portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await _portal.CreateTokenAsync("dev@example.com", "read"));

        var response = await client.GetAsync("/openapi/v1.json");

        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var documented = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => $"{o.Name.ToUpperInvariant()} {Normalize(p.Name)}"))
            .Where(op => op.Contains(" /api/v1", StringComparison.Ordinal))
            .ToHashSet();
        endpoints.Count.ShouldBeGreaterThan(10, "the API's endpoints were found");
        endpoints.Except(documented).ShouldBeEmpty("endpoints missing from the OpenAPI document");
        documented.Except(endpoints).ShouldBeEmpty("documented operations without an endpoint");
    }

    /// <summary><c>/api/v1/requests/{id:guid}/</c> and <c>/api/v1/requests/{id}</c> name the same path.</summary>
    private static string Normalize(string path) => RouteConstraint().Replace(path, "{$1}").TrimEnd('/');

    [GeneratedRegex(@"\{([A-Za-z0-9_]+)(:[^}]*)?\}")]
    private static partial Regex RouteConstraint();
}
