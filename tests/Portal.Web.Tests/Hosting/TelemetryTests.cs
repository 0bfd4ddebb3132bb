using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.TestSupport;
using Portal.Web.Hosting;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Hosting;

/// <summary>Telemetry leaves the process over OTLP only when an endpoint is configured.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task WithAnOtlpEndpoint_TracesAndMetricsAreExportedToIt()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        // As in production, the variables are there when the host is built (the factory's settings arrive later, at Build).
        var portal = new PortalWebFactory(await TestDatabase.CreateAsync(DatabaseProvider.Sqlite));
        var configured = portal.WithWebHostBuilder(b => b
            .UseSetting(PortalTelemetry.EndpointKey, receiver.Address)
            .UseSetting(PortalTelemetry.ProtocolKey, "http/protobuf"));
        using (var client = configured.CreateClient())
        {
            (await client.GetAsync("/healthz")).EnsureSuccessStatusCode();
            (await client.GetAsync("/api/v1/me")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);
        }

        // Spans leave on the batch processor's schedule (5 s); metrics are flushed when the host stops.
        await receiver.WaitForAsync("/v1/traces", TimeSpan.FromSeconds(20));
        await portal.DisposeAsync();
        await receiver.WaitForAsync("/v1/metrics", TimeSpan.FromSeconds(10));

        receiver.Received["/v1/traces"].ShouldBeGreaterThan(0);
        receiver.Received["/v1/metrics"].ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task ExportedTelemetry_CarriesNoTokenPasswordOrSqlParameter()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var portal = new PortalWebFactory(await TestDatabase.CreateAsync(DatabaseProvider.Postgres), settings: new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
        });
        var configured = portal.WithWebHostBuilder(b => b
            .UseSetting(PortalTelemetry.EndpointKey, receiver.Address)
            .UseSetting(PortalTelemetry.ProtocolKey, "http/protobuf"));
        _ = configured.Server;
        var token = await portal.CreateTokenAsync("dev@example.com");
        using (var client = configured.CreateClient())
        {
            // The token in the Authorization header and in a query string (where a careless client might put it).
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            (await client.GetAsync($"/api/v1/me?access_token={token}")).EnsureSuccessStatusCode();
            // A filter value the portal looks up with a SQL parameter: neither the redacted query string nor Npgsql's span has it.
            await client.GetAsync("/api/v1/environments?team=needle-in-a-parameter");
        }

        using (var browser = configured.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }))
        {
            await PortalWebFactory.PostLoginAsync(browser, "dev@example.com", "portal-demo");
        }

        await receiver.WaitForAsync("/v1/traces", TimeSpan.FromSeconds(20));
        await portal.DisposeAsync();

        var exported = receiver.Text();
        exported.ShouldContain("/api/v1/me", customMessage: "the request's span was exported");
        exported.ShouldContain("SELECT", customMessage: "Npgsql's spans (SQL text) were exported");
        exported.ShouldNotContain(token, Case.Sensitive);
        exported.ShouldNotContain("portal-demo", Case.Sensitive);
        exported.ShouldNotContain("needle-in-a-parameter", Case.Sensitive);
    }

    /// <summary>A minimal OTLP/HTTP collector on loopback that counts the bytes posted per signal and keeps them.</summary>
    private sealed class OtlpReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private OtlpReceiver(WebApplication app, string address)
        {
            _app = app;
            Address = address;
        }

        public string Address { get; }

        public ConcurrentDictionary<string, long> Received { get; } = new();

        private ConcurrentQueue<byte[]> Bodies { get; } = new();

        /// <summary>Everything received, as text (OTLP/protobuf carries strings as UTF-8 bytes).</summary>
        public string Text() => string.Join('\n', Bodies.Select(b => System.Text.Encoding.UTF8.GetString(b)));

        public static async Task<OtlpReceiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            OtlpReceiver? receiver = null;
            app.MapPost("/v1/{signal}", async (HttpContext context) =>
            {
                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                receiver!.Received.AddOrUpdate(context.Request.Path, body.Length, (_, n) => n + body.Length);
                receiver.Bodies.Enqueue(body.ToArray());
                context.Response.ContentType = "application/x-protobuf";
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            receiver = new OtlpReceiver(app, address);
            return receiver;
        }

        public async Task WaitForAsync(string path, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!Received.ContainsKey(path) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Received.Keys.ShouldContain(path, $"nothing was exported to {path} within {timeout.TotalSeconds} s");
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
