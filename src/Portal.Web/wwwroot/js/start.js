// Starts Blazor (App.razor loads blazor.web.js with autostart="false") so that every page's circuit saves two round trips
// (issue 18): the portal's packages have no JS initializers (`_blazor/initializers` answers [], asserted by
// Hosting/CircuitStartTests), so none are fetched; and the circuit's connection goes straight to a WebSocket without SignalR's
// negotiate request, unless the script tag says data-skip-negotiation="false" (Circuits:SkipNegotiation=false, for a proxy
// without WebSockets: SignalR then negotiates and may fall back to long polling).
(() => {
    const skipNegotiation = document.currentScript?.dataset.skipNegotiation !== "false";
    Blazor.start({
        circuit: {
            initializers: { beforeStart: [], afterStarted: [] },
            configureSignalR: builder => {
                if (skipNegotiation) {
                    builder.withUrl("_blazor", { skipNegotiation: true, transport: 1 /* WebSockets */ });
                }
            },
        },
    });
})();
