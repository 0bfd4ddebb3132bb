namespace Portal.Web.Security;

/// <summary>
/// Cross-site request forgery guard for browser sessions: an unsafe request (POST, PUT, PATCH, DELETE) to <c>/api</c> or to
/// <c>/account/logout</c> that a browser session authenticated (the sign-in cookie, or an ALB or proxy session) must prove it
/// comes from this portal's own pages — <c>Sec-Fetch-Site: same-origin</c>, or an <c>Origin</c> equal to the portal's own.
/// SameSite=Lax stops other sites but not sibling subdomains or other ports of the same host; this stops them too.
/// Bearer-token calls carry no ambient credential and are not checked.
/// </summary>
public static class SameOriginWrites
{
    public const string Detail =
        "Cross-site request refused: a change made with a browser session must come from the portal's own pages. API clients authenticate with a bearer token.";

    /// <summary>Refuses cross-origin unsafe requests authenticated by a browser session with 403 problem details; after authentication.</summary>
    public static IApplicationBuilder UseSameOriginWrites(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (IsRefused(context))
        {
            await TypedResults.Problem(Detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden").ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    internal static bool IsRefused(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        {
            return false;
        }

        var guarded = request.IsApiRequest() || request.Path.Equals("/account/logout", StringComparison.OrdinalIgnoreCase);
        if (!guarded || context.User.Identity?.IsAuthenticated != true || PortalAuthentication.SelectScheme(context) == PersonalAccessTokenHandler.SchemeName)
        {
            return false;
        }

        return !IsSameOrigin(request);
    }

    private static bool IsSameOrigin(HttpRequest request)
    {
        // Browsers that send Fetch Metadata say where the request comes from; "none" is the user's own action (address bar, bookmark).
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0)
        {
            return site is "same-origin" or "none";
        }

        // Otherwise the Origin header, which browsers send with every cross-origin request and every POST; "null" never matches.
        var origin = request.Headers.Origin.ToString();
        return origin.Length > 0
            && Uri.TryCreate(origin, UriKind.Absolute, out var from)
            && string.Equals(from.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(from.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }
}
