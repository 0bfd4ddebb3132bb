using System.Net;
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

    [GeneratedRegex("""<script src="(?<path>_framework/blazor\.web[^"]*)"></script>""")]
    private static partial Regex ScriptSource();

    [GeneratedRegex(@"\(""(?<major>\d+)\.\d+\.\d+"",\s*"""",\s*""Browser""")]
    private static partial Regex SignalRVersion();
}
