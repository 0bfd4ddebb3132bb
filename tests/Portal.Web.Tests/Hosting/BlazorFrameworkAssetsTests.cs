using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using System.Text.RegularExpressions;
using Portal.Data;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Hosting;

/// <summary>The portal serves the SDK's own .NET 10 blazor.web.js, fingerprinted, not a script of its own (ADR 0011).</summary>
public sealed partial class BlazorFrameworkAssetsTests
{
    [Fact]
    public async Task Page_ReferencesTheFingerprintedScript_AndTheScriptServedIsDotNet10s()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite);
        using var client = portal.CreateClient();

        var page = await client.GetStringAsync("/account/login");
        var src = ScriptSource().Match(page);
        src.Success.ShouldBeTrue($"no blazor.web script in the page: {page}");
        src.Groups["path"].Value.ShouldMatch(@"^_framework/blazor\.web\.[a-z0-9]+\.js$");

        var response = await client.GetAsync("/" + src.Groups["path"].Value);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBeOneOf("text/javascript", "application/javascript");
        var script = await response.Content.ReadAsStringAsync();

        // The SignalR client inside names its framework version; circuit pause/resume arrived with .NET 10.
        SignalRVersion().Match(script).Groups["major"].Value.ShouldBe("10");
        script.ShouldContain("resumeCircuit");
    }

    /// <summary>
    /// Run from build output (tests, <c>dotnet run</c>, the load harnesses), the assets are served as a published portal serves
    /// them: ASP.NET Core's development reloader is off unless asked for, so a fingerprinted asset is cached for a year and no
    /// fallback route checks the file system on every request (issue 18: 2.4% of the by-id API's CPU under load).
    /// </summary>
    [Fact]
    public async Task Assets_AreServedAsPublished_CachedForAYear_WithNoFileSystemFallbackRoute()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite);
        using var client = portal.CreateClient();

        var page = await client.GetStringAsync("/account/login");
        var response = await client.GetAsync("/" + ScriptSource().Match(page).Groups["path"].Value);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.CacheControl.ShouldNotBeNull();
        response.Headers.CacheControl.NoCache.ShouldBeFalse();
        response.Headers.CacheControl.MaxAge.ShouldBe(TimeSpan.FromDays(365));
        response.Headers.CacheControl.Extensions.ShouldContain(e => e.Name == "immutable");

        var routes = portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText ?? "").ToList();
        routes.ShouldContain(r => r.StartsWith("_framework/blazor.web.", StringComparison.Ordinal));
        routes.ShouldNotContain(r => r.Contains(":file", StringComparison.Ordinal), "the static-asset reloader's file-system fallback route is mapped");
    }

    [GeneratedRegex("""<script src="(?<path>_framework/blazor\.web[^"]*)"[^>]*></script>""")]
    private static partial Regex ScriptSource();

    [GeneratedRegex(@"\(""(?<major>\d+)\.\d+\.\d+"",\s*"""",\s*""Browser""")]
    private static partial Regex SignalRVersion();
}
