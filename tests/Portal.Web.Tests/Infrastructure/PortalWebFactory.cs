using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.TestSupport;
using Portal.Web.Cli;

namespace Portal.Web.Tests.Infrastructure;

/// <summary>
/// The real portal (Program, its configuration and pipeline) on a fresh database of the given provider.
/// With <c>kestrel: true</c> it listens on a free loopback port so a real browser can reach it.
/// </summary>
public sealed class PortalWebFactory(
    TestDatabase database, string environment = "Development", IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public TestDatabase Database { get; } = database;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "portal-tests", database.Name + "-data");

    /// <param name="provider">The database the portal runs on (a fresh one).</param>
    /// <param name="environment">The hosting environment.</param>
    /// <param name="kestrel">Listen on a loopback port (needed whenever AWS calls must reach the in-process sandbox).</param>
    /// <param name="settings">Configuration overrides.</param>
    /// <param name="services">Service overrides, applied after the portal's own registrations (e.g. a test clock).</param>
    public static async Task<PortalWebFactory> StartAsync(
        DatabaseProvider provider, string environment = "Development", bool kestrel = false, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var database = await TestDatabase.CreateAsync(provider);
        var factory = new PortalWebFactory(database, environment, settings, services);
        if (kestrel)
        {
            factory.UseKestrel(0);
            factory.StartServer();
        }
        else
        {
            _ = factory.Server;
        }

        return factory;
    }

    public Uri BaseAddress =>
        new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal));

    /// <summary>Runs a command-line verb against this portal's services; returns exit code and output.</summary>
    public async Task<(int ExitCode, string Stdout, string Stderr)> RunCommandAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await PortalCommandLine.RunAsync(Services, args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Issues a token through the CLI verb and returns it (the last line printed).</summary>
    public async Task<string> CreateTokenAsync(string email, string scopes = "read,write,approve", string? expiresDays = null)
    {
        var args = new List<string> { "tokens", "create", "--user", email, "--name", $"test-{Guid.NewGuid():N}"[..20], "--scopes", scopes };
        if (expiresDays is not null)
        {
            args.AddRange(["--expires-days", expiresDays]);
        }

        var (code, stdout, stderr) = await RunCommandAsync([.. args]);
        Assert.True(code == 0, stderr);
        return stdout.TrimEnd().Split('\n')[^1].Trim();
    }

    /// <summary>An HTTP client that calls the API with a fresh personal access token of the user (every scope unless told).</summary>
    public async Task<HttpClient> CreateTokenClientAsync(string email, string scopes = "read,write,approve")
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await CreateTokenAsync(email, scopes));
        return client;
    }

    /// <summary>Signs the client in through the real sign-in form (antiforgery token, cookie).</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string email, string password)
    {
        var page = await client.GetStringAsync("/account/login");
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(token), "The sign-in page carries no antiforgery token.");
        return await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        }));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        builder.ConfigureAppConfiguration((_, config) =>
        {
            var values = new Dictionary<string, string?>
            {
                ["Database:Provider"] = Database.Provider.ToString(),
                ["ConnectionStrings:Portal"] = Database.ConnectionString,
                ["Portal:DataDirectory"] = DataDirectory,
                ["Portal:Demo:Enabled"] = "true",

                ["Logging:LogLevel:Default"] = "Warning",

                // The sandbox builds stacks 2,000 times faster than AWS, and the watcher looks twice a second.
                ["Sandbox:Speed"] = "2000",
                ["StackWatcher:Interval"] = "00:00:00.500",
                ["StackWatcher:EventRefreshInterval"] = "00:00:00.500",
            };
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                values[key] = value;
            }

            config.AddInMemoryCollection(values);
        });
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Database.DisposeAsync();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}
