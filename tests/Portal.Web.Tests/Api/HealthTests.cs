using Microsoft.AspNetCore.Mvc.Testing;
using System.Net;
using Portal.Data;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Api;

public sealed class HealthTests
{
    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task Healthz_And_Readyz_WhenMigrated_Return200WithoutSignIn(DatabaseProvider provider)
    {
        await using var portal = await PortalWebFactory.StartAsync(provider);
        using var client = portal.CreateClient();

        (await client.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var ready = await client.GetAsync("/readyz");
        ready.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ready.Content.ReadAsStringAsync()).ShouldBe("Healthy");
    }

    [Fact]
    public async Task Readyz_WhenDatabaseIsNotMigrated_Returns503()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, "Production", settings: new Dictionary<string, string?>
        {
            ["Database:MigrateOnStartup"] = "false",
            ["Portal:Demo:Enabled"] = "false",
        });
        using var client = portal.CreateClient();

        (await client.GetAsync("/healthz")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);

        (await portal.RunCommandAsync("migrate")).ExitCode.ShouldBe(0);
        (await client.GetAsync("/readyz")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Pages_WithoutSignIn_RedirectToTheSignInPage()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite);
        using var client = portal.CreateClient(new() { AllowAutoRedirect = false });

        var response = await client.GetAsync("/admin/teams");

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldContain("/account/login");
        (await client.GetAsync("/account/login")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}

public sealed class SecurityHeaderTests
{
    [Theory]
    [InlineData("/account/login")]
    [InlineData("/healthz")]
    [InlineData("/api/v1/me")]
    public async Task EveryResponse_CarriesTheSecurityHeaders(string path)
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite);

        var response = await portal.CreateClient().GetAsync(path);

        response.Headers.GetValues("Content-Security-Policy").Single().ShouldContain("frame-ancestors 'none'");
        response.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff");
        response.Headers.GetValues("Referrer-Policy").Single().ShouldBe("strict-origin-when-cross-origin");
    }

    [Fact]
    public async Task Production_OverHttps_SendsHsts_AndSecureHttpOnlyCookies()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, "Production");
        using var client = portal.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://portal.example.com"), AllowAutoRedirect = false });

        var response = await client.GetAsync("/account/login");

        response.Headers.GetValues("Strict-Transport-Security").Single().ShouldContain("max-age=");
        var cookies = response.Headers.GetValues("Set-Cookie").ToList();
        cookies.ShouldNotBeEmpty("the sign-in form sets its antiforgery cookie");
        cookies.ShouldAllBe(c => c.Contains("httponly", StringComparison.OrdinalIgnoreCase) && c.Contains("samesite", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Development_SendsNoHsts()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite);
        using var client = portal.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://portal.example.com"), AllowAutoRedirect = false });

        var response = await client.GetAsync("/account/login");

        response.Headers.Contains("Strict-Transport-Security").ShouldBeFalse();
    }

    [Fact]
    public async Task Json_WithAnUnknownField_Is400()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite);
        using var client = portal.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await portal.CreateTokenAsync("dev@example.com", "read"));

        var response = await client.PostAsync("/api/v1/templates/static-site/estimate",
            new StringContent("""{"tier":"dev","teir":"prod"}""", new System.Net.Http.Headers.MediaTypeHeaderValue("application/json")));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
