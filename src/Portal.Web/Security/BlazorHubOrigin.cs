namespace Portal.Web.Security;

/// <summary>
/// Cross-site WebSocket hijacking guard for the Blazor hub (<c>/_blazor</c>: negotiate, the WebSocket, long polling): a
/// request a browser sends from a page of another origin is refused with 403 before SignalR sees it. A circuit runs as the
/// user whose cookie came with the connection, and SameSite=Lax sends that cookie from sibling subdomains and other ports
/// of the same host (the same site), so without this a page there could start a circuit and click through the portal as
/// the victim. Browsers always send <c>Origin</c> with a WebSocket handshake and a scripted POST; a request without one
/// (a .NET SignalR client, a load harness) is not a browser's and is let through.
/// </summary>
public static class BlazorHubOrigin
{
    public const string Detail = "Cross-origin connection refused: the portal's live pages connect only from the portal's own pages.";

    /// <summary>Refuses cross-origin requests to <c>/_blazor</c> with 403 problem details.</summary>
    public static IApplicationBuilder UseBlazorHubOrigin(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (IsRefused(context.Request))
        {
            await TypedResults.Problem(Detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden").ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    internal static bool IsRefused(HttpRequest request)
    {
        if (!request.Path.StartsWithSegments("/_blazor", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Fetch Metadata first: "same-origin" is the portal's own page; anything else a browser names is another origin.
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return true;
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            return false;
        }

        // The host and port only: behind a TLS-terminating load balancer the page is https and the request arrives as http.
        return !(Uri.TryCreate(origin, UriKind.Absolute, out var from)
            && from.Scheme is "http" or "https"
            && string.Equals(from.Authority, HostWithoutDefaultPort(request), StringComparison.OrdinalIgnoreCase));
    }

    private static string HostWithoutDefaultPort(HttpRequest request)
    {
        var host = request.Host;
        return host.Port is 80 or 443 ? host.Host : host.Value ?? "";
    }
}
