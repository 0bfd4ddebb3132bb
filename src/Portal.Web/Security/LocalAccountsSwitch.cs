using Microsoft.Extensions.Options;

namespace Portal.Web.Security;

/// <summary>With <c>Auth:LocalAccounts:Enabled</c> false, a POST of the password form is refused before it reaches the page.</summary>
public static class LocalAccountsSwitch
{
    public const string LoginPath = "/account/login";

    public static IApplicationBuilder UseLocalAccountsSwitch(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (HttpMethods.IsPost(context.Request.Method)
            && context.Request.Path.Equals(LoginPath, StringComparison.OrdinalIgnoreCase)
            && !context.RequestServices.GetRequiredService<IOptionsMonitor<AuthOptions>>().CurrentValue.LocalAccounts.Enabled)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = 403, Title = "Forbidden", Detail = "Password sign-in is turned off: sign in with your company account." },
            });
            return;
        }

        await next(context);
    });
}
