using System.Net.Mime;
using Microsoft.AspNetCore.Diagnostics;

namespace Portal.Web.Components.Pages;

/// <summary>
/// Bodiless error statuses: a browser asking for a page (an address no page matches, such as a malformed id in
/// <c>/environments/{id:guid}</c>) gets the portal's not-found page; everything else (the API, scripts) keeps problem details.
/// </summary>
public static class StatusCodePages
{
    public const string NotFoundPath = "/not-found";

    public static IApplicationBuilder UsePortalStatusCodePages(this IApplicationBuilder app)
    {
        // Outer: problem details for everything that is not a page. Inner: pages re-execute to the not-found page (at the top
        // level, where re-execution routes again; a UseWhen branch would not). The inner one stands aside for other requests.
        app.UseStatusCodePages();
        app.UseStatusCodePagesWithReExecute(NotFoundPath, createScopeForStatusCodePages: true);
        app.Use((context, next) =>
        {
            if (!IsPageRequest(context) && context.Features.Get<IStatusCodePagesFeature>() is { } pages)
            {
                pages.Enabled = false;
            }

            return next(context);
        });
        return app;
    }

    /// <summary>A browser navigation: GET or HEAD, outside the API, accepting HTML.</summary>
    public static bool IsPageRequest(HttpContext context)
    {
        var request = context.Request;
        return (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            && !request.Path.StartsWithSegments("/api")
            && request.Headers.Accept.Any(a => a?.Contains(MediaTypeNames.Text.Html, StringComparison.OrdinalIgnoreCase) == true);
    }
}
