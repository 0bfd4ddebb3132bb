// The portal's few browser calls, as one ES module (the CSP allows only same-origin scripts, no inline ones).

/** The browser's IANA time zone, e.g. "Europe/Berlin". */
export function timeZone() {
    try {
        return Intl.DateTimeFormat().resolvedOptions().timeZone || null;
    } catch {
        return null;
    }
}

/** Remembers the dark-mode choice for a year and marks the page, so static parts (reconnect dialog) follow it. */
export function rememberTheme(dark) {
    document.cookie = `portal-theme=${dark ? "dark" : "light"}; path=/; max-age=31536000; samesite=lax`;
    document.documentElement.classList.toggle("portal-dark", dark);
}

/** Shows a mode without remembering it (the system's preference while no choice is made): the theme's CSS keys on the class. */
export function showTheme(dark) {
    document.documentElement.classList.toggle("portal-dark", dark);
}

/** Whether the user has chosen a mode before; if not, the layout follows the system. */
export function hasThemeChoice() {
    return document.cookie.split(";").some(c => c.trim().startsWith("portal-theme="));
}

/** Whether the system prefers dark colours. */
export function prefersDark() {
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
}

/** Copies text to the clipboard; false when the browser refuses (insecure origin, no permission). */
export async function copyText(text) {
    try {
        await navigator.clipboard.writeText(text);
        return true;
    } catch {
        return false;
    }
}
