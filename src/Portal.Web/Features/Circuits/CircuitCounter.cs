using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Portal.Web.Features.Circuits;

/// <summary>
/// Counts this node's Blazor circuits: open (created and not yet closed, connected or waiting to be reconnected) and connected
/// (a live SignalR connection), with the totals opened and closed and the connections lost. A singleton
/// <see cref="CircuitHandler"/>: every circuit runs it, nothing is kept per circuit. Exported as the
/// <c>portal.circuits.*</c> instruments of the <see cref="MeterName"/> meter (OpenTelemetry picks up <c>Portal.*</c>) and read by
/// <c>GET /api/v1/admin/circuits</c> (<see cref="CircuitDiagnosticsEndpoints"/>).
/// </summary>
public sealed class CircuitCounter : CircuitHandler
{
    public const string MeterName = "Portal.Circuits";

    private readonly Counter<long> _openedCounter;
    private readonly Counter<long> _closedCounter;
    private readonly Counter<long> _downCounter;
    private long _open;
    private long _connected;
    private long _opened;
    private long _closed;
    private long _connectionsDown;

    public CircuitCounter(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        meter.CreateObservableUpDownCounter("portal.circuits.open", () => Open, "{circuit}", "Blazor circuits open on this node");
        meter.CreateObservableUpDownCounter("portal.circuits.connected", () => Connected, "{circuit}", "Blazor circuits with a live connection on this node");
        _openedCounter = meter.CreateCounter<long>("portal.circuits.opened", "{circuit}", "Blazor circuits opened");
        _closedCounter = meter.CreateCounter<long>("portal.circuits.closed", "{circuit}", "Blazor circuits closed");
        _downCounter = meter.CreateCounter<long>("portal.circuits.connections_down", "{connection}", "Circuit connections lost (the circuit waits to be reconnected)");
    }

    /// <summary>Runs before handlers registered later (ours only counts): lowest order first.</summary>
    public override int Order => -1000;

    public long Open => Interlocked.Read(ref _open);

    public long Connected => Interlocked.Read(ref _connected);

    public long Opened => Interlocked.Read(ref _opened);

    public long Closed => Interlocked.Read(ref _closed);

    public long ConnectionsDown => Interlocked.Read(ref _connectionsDown);

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _open);
        Interlocked.Increment(ref _opened);
        _openedCounter.Add(1);
        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _connected);
        return Task.CompletedTask;
    }

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Interlocked.Decrement(ref _connected);
        Interlocked.Increment(ref _connectionsDown);
        _downCounter.Add(1);
        return Task.CompletedTask;
    }

    public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        Interlocked.Decrement(ref _open);
        Interlocked.Increment(ref _closed);
        _closedCounter.Add(1);
        return Task.CompletedTask;
    }
}
