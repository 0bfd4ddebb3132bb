// Drives the themed reconnect dialog in App.razor: blazor.web.js finds #components-reconnect-modal, sets state classes on it
// and raises components-reconnect-state-changed; this opens and closes the <dialog> and wires its buttons.
const modal = document.getElementById("components-reconnect-modal");

if (modal) {
    modal.addEventListener("components-reconnect-state-changed", onStateChanged);
    document.getElementById("components-reconnect-retry")?.addEventListener("click", retry);
    document.getElementById("components-reconnect-resume")?.addEventListener("click", resume);
    document.getElementById("components-reconnect-reload")?.addEventListener("click", () => location.reload());
}

// While the connection is down, every reconnect attempt whose socket cannot open makes blazor.web.js show its error bar ("An
// unhandled error has occurred"), which says nothing about the circuit (an error in it can only arrive over a live
// connection, as JS.Error). Once reconnected, the bar goes back to how it was before the outage (CI, session 18: it stayed up
// on a page that worked again).
let errorBarBefore = null;

function rememberErrorBar() {
    if (errorBarBefore === null) {
        errorBarBefore = document.getElementById("blazor-error-ui")?.style.display ?? "";
    }
}

function restoreErrorBar() {
    const bar = document.getElementById("blazor-error-ui");
    if (bar && errorBarBefore !== null) {
        bar.style.display = errorBarBefore;
    }
    errorBarBefore = null;
}

function onStateChanged(event) {
    const state = event.detail.state;
    if (state === "show" || state === "paused") {
        rememberErrorBar();
        if (!modal.open) {
            modal.showModal();
        }
    } else if (state === "hide") {
        modal.close();
        restoreErrorBar();
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
                restoreErrorBar();
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
        } else {
            restoreErrorBar();
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
