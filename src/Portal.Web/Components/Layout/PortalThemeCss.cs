using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace Portal.Web.Components.Layout;

/// <summary>
/// The theme's CSS, rendered once per process by MudBlazor's own <see cref="MudThemeProvider"/> and written statically into
/// every page by <c>App.razor</c>: the light palette on <c>:root</c>, the dark one on <c>:root.portal-dark</c>, so dark mode is
/// the class the toggle sets on <c>&lt;html&gt;</c>. A <see cref="MudThemeProvider"/> in the layout kept a ~12,500-character
/// style string, its palette colours and a dark-mode watcher (a JS call and a .NET object reference) in every circuit
/// (README, Performance, Circuits).
/// </summary>
public static class PortalThemeCss
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static MarkupString? _css;

    /// <summary>The style blocks for the page's head (rendered on first use, then the same string for every request).</summary>
    public static async Task<MarkupString> GetAsync(IServiceScopeFactory scopes, ILoggerFactory loggers)
    {
        if (_css is { } css)
        {
            return css;
        }

        await Gate.WaitAsync();
        try
        {
            if (_css is { } raced)
            {
                return raced;
            }

            await using var scope = scopes.CreateAsyncScope();
            await using var renderer = new HtmlRenderer(scope.ServiceProvider, loggers);
            var light = await RenderAsync(renderer, dark: false);
            var dark = ThemeBlock(await RenderAsync(renderer, dark: true));
            if (!dark.Contains(":root{", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("MudThemeProvider's CSS has no :root{ block: the dark palette cannot be scoped to .portal-dark.");
            }

            _css = new MarkupString(light + "\n" + dark.Replace(":root{", ":root.portal-dark{", StringComparison.Ordinal));
            return _css.Value;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static Task<string> RenderAsync(HtmlRenderer renderer, bool dark) => renderer.Dispatcher.InvokeAsync(async () =>
    {
        var output = await renderer.RenderComponentAsync<MudThemeProvider>(ParameterView.FromDictionary(new Dictionary<string, object?>
        {
            [nameof(MudThemeProvider.Theme)] = PortalTheme.Theme,
            [nameof(MudThemeProvider.IsDarkMode)] = dark,
        }));
        return output.ToHtmlString();
    });

    // The palette's style element only (the scrollbar and chart rules are the same in both modes).
    private static string ThemeBlock(string html)
    {
        const string Start = "<style class='mud-theme-provider'>";
        var start = html.IndexOf(Start, StringComparison.Ordinal);
        var end = start < 0 ? -1 : html.IndexOf("</style>", start, StringComparison.Ordinal);
        return start < 0 || end < 0 ? html : html[start..(end + "</style>".Length)];
    }
}
