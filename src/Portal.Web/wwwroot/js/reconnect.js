// Drives the themed reconnect dialog in App.razor: blazor.web.js finds #components-reconnect-modal, sets state classes on it
// and raises components-reconnect-state-changed; this opens and closes the <dialog> and wires its buttons.
const modal = document.getElementById("components-reconnect-modal");

if (modal) {
    modal.addEventListener("components-reconnect-state-changed", onStateChanged);
    document.getElementById("components-reconnect-retry")?.addEventListener("click", retry);
    document.getElementById("components-reconnect-resume")?.addEventListener("click", resume);
    document.getElementById("components-reconnect-reload")?.addEventListener("click", () => location.reload());
}

function onStateChanged(event) {
    const state = event.detail.state;
    if (state === "show" || state === "paused") {
        if (!modal.open) {
            modal.showModal();
        }
    } else if (state === "hide") {
        modal.close();
    } else if (state === "failed") {
        document.addEventListener("visibilitychange", retryWhenVisible);
    } else if (state === "rejected") {
        location.reload();
    }
}

async function retry() {
    document.removeEventListener("visibilitychange", retryWhenVisible);
    try {
        const reconnected = await Blazor.reconnect();
        if (!reconnected) {
            const resumed = await Blazor.resumeCircuit();
            if (!resumed) {
                location.reload();
            } else {
                modal.close();
            }
        }
    } catch {
        document.addEventListener("visibilitychange", retryWhenVisible);
    }
}

async function resume() {
    try {
        if (!await Blazor.resumeCircuit()) {
            location.reload();
        }
    } catch {
        location.reload();
    }
}

async function retryWhenVisible() {
    if (document.visibilityState === "visible") {
        await retry();
    }
}
