using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Jobs;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Lifecycle;

/// <summary>The lifecycle gauges report environments by status and the provisioning queue from the database.</summary>
public sealed class LifecycleGaugesTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Gauges_CountEnvironmentsByStatus_AndTheQueue()
    {
        var workflow = _portal.Services.GetRequiredService<RequestWorkflow>();
        var dev = await _portal.ActorAsync("dev@example.com");
        var first = await workflow.SubmitAsync(dev, new SubmitRequest("create", "static-site", "dev", Team: "payments", Name: "gauge-one"), CancellationToken.None);
        var second = await workflow.SubmitAsync(dev, new SubmitRequest("create", "static-site", "dev", Team: "payments", Name: "gauge-two"), CancellationToken.None);
        await _portal.WaitForAsync(first.EnvironmentId!.Value, EnvironmentStatus.Ready);
        await _portal.WaitForAsync(second.EnvironmentId!.Value, EnvironmentStatus.Ready);

        await _portal.Services.GetRequiredService<LifecycleGauges>().RefreshAsync(CancellationToken.None);
        var measured = Collect();

        measured[("portal.environments", "Ready")].ShouldBe(2);
        measured[("portal.environments", "Failed")].ShouldBe(0);
        measured[("portal.provisioning.queue_depth", "")].ShouldBe(0);
    }

    /// <summary>Reads this portal's gauges (its own meter instance, not another test portal's).</summary>
    private Dictionary<(string Instrument, string Status), long> Collect()
    {
        var meter = _portal.Services.GetRequiredService<IMeterFactory>().Create(LifecycleMetrics.MeterName);
        var measured = new Dictionary<(string, string), long>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var status = "";
            foreach (var tag in tags)
            {
                status = tag.Key == "status" ? tag.Value?.ToString() ?? "" : status;
            }

            measured[(instrument.Name, status)] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return measured;
    }
}
