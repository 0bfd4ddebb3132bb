using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Web.Features.Circuits;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Circuits;

/// <summary><c>GET /api/v1/admin/circuits</c> through the real pipeline, and the counter's instruments on the Portal.Circuits meter.</summary>
public sealed class CircuitDiagnosticsTests
{
    [Fact]
    public async Task Diagnostics_AreForPlatformEngineersAndAdmins_AndAForcedCollectionMustBeAllowed()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite);
        using var developer = await portal.CreateTokenClientAsync("dev@example.com");
        using var finance = await portal.CreateTokenClientAsync("finance@example.com");
        using var platform = await portal.CreateTokenClientAsync("platform@example.com");
        using var admin = await portal.CreateTokenClientAsync("admin@example.com");
        using var anonymous = portal.CreateClient();

        (await anonymous.GetAsync("/api/v1/admin/circuits")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await developer.GetAsync("/api/v1/admin/circuits")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await finance.GetAsync("/api/v1/admin/circuits")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var diagnostics = await platform.GetFromJsonAsync<CircuitDiagnostics>("/api/v1/admin/circuits");
        diagnostics.ShouldNotBeNull();
        diagnostics.Open.ShouldBe(0);
        diagnostics.ManagedHeapBytes.ShouldBeGreaterThan(0);
        diagnostics.WorkingSetBytes.ShouldBeGreaterThan(0);
        (await admin.GetAsync("/api/v1/admin/circuits")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var refused = await platform.GetAsync("/api/v1/admin/circuits?collect=true");
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).ShouldContain(CircuitRegistration.AllowForcedCollectionKey);
        (await platform.GetAsync("/api/v1/admin/circuits?collect=maybe")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task AForcedCollection_RunsWhenAllowed()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, settings: new Dictionary<string, string?>
        {
            [CircuitRegistration.AllowForcedCollectionKey] = "true",
        });
        using var platform = await portal.CreateTokenClientAsync("platform@example.com");
        var before = GC.CollectionCount(2);
        var diagnostics = await platform.GetFromJsonAsync<CircuitDiagnostics>("/api/v1/admin/circuits?collect=true");
        diagnostics.ShouldNotBeNull();
        diagnostics.Gen2Collections.ShouldBeGreaterThanOrEqualTo(before + 2);
    }

    [Fact]
    public void TheCounter_IsExportedOnThePortalCircuitsMeter()
    {
        var services = new ServiceCollection().AddMetrics().AddPortalCircuits().BuildServiceProvider();
        var counter = services.GetRequiredService<CircuitCounter>();
        services.GetServices<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler>().ShouldContain(counter);
        counter.OnCircuitOpenedAsync(null!, CancellationToken.None);
        counter.OnConnectionUpAsync(null!, CancellationToken.None);
        counter.OnCircuitOpenedAsync(null!, CancellationToken.None);
        counter.OnConnectionUpAsync(null!, CancellationToken.None);
        counter.OnConnectionDownAsync(null!, CancellationToken.None);

        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == CircuitCounter.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();

        seen["portal.circuits.open"].ShouldBe(2);
        seen["portal.circuits.connected"].ShouldBe(1);
        counter.ConnectionsDown.ShouldBe(1);
    }
}
