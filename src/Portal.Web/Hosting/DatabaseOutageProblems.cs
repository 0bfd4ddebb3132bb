using System.Net;
using Microsoft.AspNetCore.Mvc;
using Portal.Data;

namespace Portal.Web.Hosting;

/// <summary>
/// While the database is unreachable, a request that needed it answers 503 with <c>Retry-After</c> instead of 500: problem
/// details on <c>/api</c>, a short page that reloads itself elsewhere. Any other exception goes on to the usual handling.
/// </summary>
public static partial class DatabaseOutageProblems
{
    /// <summary>Seconds a client is asked to wait; background loops back off to 30 s, so a retry soon after is cheap.</summary>
    public const int RetryAfterSeconds = 10;

    public const string Title = "The database is unavailable";

    public const string Detail = "The portal cannot reach its database right now. Nothing was changed; retry shortly.";

    public static IApplicationBuilder UseDatabaseOutageProblems(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (DatabaseOutage.IsOutage(ex) && !context.Response.HasStarted)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseOutageProblems));
            LogAnswered(logger, context.Request.Method, context.Request.Path, ex.GetType().Name, ex.Message);
            await WriteAsync(context);
        }
    });

    private static async Task WriteAsync(HttpContext context)
    {
        context.Response.Clear();
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers.CacheControl = "no-store";
        if (context.Request.Path.StartsWithSegments("/api") || !AcceptsHtml(context.Request))
        {
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Title = Title,
                    Detail = Detail,
                    Type = "https://tools.ietf.org/html/rfc9110#section-15.6.4",
                },
            });
            return;
        }

        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(Page);
    }

    private static bool AcceptsHtml(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    // Self-contained (no layout, no script: the CSP allows none inline); the meta refresh retries on the same schedule.
    private static readonly string Page = $"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta http-equiv="refresh" content="{RetryAfterSeconds}">
          <title>{WebUtility.HtmlEncode(Title)} — Portal</title>
        </head>
        <body style="font-family: system-ui, sans-serif; margin: 4rem auto; max-width: 36rem; padding: 0 1rem;">
          <h1 data-testid="database-unavailable">{WebUtility.HtmlEncode(Title)} — retrying</h1>
          <p>{WebUtility.HtmlEncode(Detail)} This page reloads itself every {RetryAfterSeconds} seconds.</p>
        </body>
        </html>
        """;

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path} answered 503: the database is unavailable ({Reason}: {Message})")]
    private static partial void LogAnswered(ILogger logger, string method, PathString path, string reason, string message);
}
