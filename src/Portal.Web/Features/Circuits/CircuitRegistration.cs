using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Portal.Web.Features.Circuits;

/// <summary>The circuit counter and the circuit options chosen for many idle circuits per node (README, Performance, Circuits).</summary>
public static class CircuitRegistration
{
    public const string AllowForcedCollectionKey = "Circuits:AllowForcedCollection";

    /// <summary>
    /// On by default: the browser opens the circuit's WebSocket without SignalR's negotiate request first (App.razor). Off for a
    /// proxy that does not pass WebSockets: SignalR then negotiates and may fall back to long polling.
    /// </summary>
    public const string SkipNegotiationKey = "Circuits:SkipNegotiation";

    public static IServiceCollection AddPortalCircuits(this IServiceCollection services)
    {
        services.AddSingleton<CircuitCounter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<CircuitHandler, CircuitCounter>(sp => sp.GetRequiredService<CircuitCounter>()));
        services.Configure<CircuitOptions>(options =>
        {
            // A disconnected circuit keeps all its memory until it is reconnected or evicted. The default keeps 100 for 3 minutes;
            // closing tabs are disposed at once (the browser says goodbye), so these are dropped networks: 3 minutes still covers
            // a laptop lid or a train tunnel, and the cap stays the default.
            options.DisconnectedCircuitMaxRetained = 100;
            options.DisconnectedCircuitRetentionPeriod = TimeSpan.FromMinutes(3);

            // A JS call that never answers holds its task and closure in the circuit: 30 s, not the default minute (the portal's
            // calls are quick: a time zone, focus, MudBlazor's observers).
            options.JSInteropDefaultCallTimeout = TimeSpan.FromSeconds(30);

            // Render batches the client has not acknowledged are kept (their bytes) until it does: a slow client holds at most 4,
            // not 10, so a stalled tab costs less; a live page acknowledges each batch in milliseconds.
            options.MaxBufferedUnacknowledgedRenderBatches = 4;
        });
        return services;
    }
}
