using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.Web.Security;

namespace Portal.Web.Hosting;

/// <summary>The <c>RateLimits</c> section: how many API calls one personal access token may make per minute.</summary>
public sealed class ApiRateLimitOptions
{
    public const string SectionName = "RateLimits";

    [Range(1, 1_000_000, ErrorMessage = "RateLimits:TokenPermitsPerMinute must be between 1 and 1000000.")]
    public int TokenPermitsPerMinute { get; set; } = 600;
}

/// <summary>
/// Per-token rate limit on <c>/api/v1</c> (ASP.NET Core's limiter, a fixed one-minute window per token id): over the
/// limit the API answers 429 problem details with <c>Retry-After</c>. Browser sessions are not limited here.
/// </summary>
public static class ApiRateLimits
{
    public const string Policy = "api-token";

    public static IServiceCollection AddApiRateLimits(this IServiceCollection services)
    {
        services.AddOptions<ApiRateLimitOptions>().BindConfiguration(ApiRateLimitOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(Policy, context =>
            {
                if (context.User.FindFirstValue(PortalAuthentication.TokenIdClaim) is not { } tokenId)
                {
                    return RateLimitPartition.GetNoLimiter("session");
                }

                // Read per request: configuration may come from the host after the service collection is built.
                var permits = context.RequestServices.GetRequiredService<IOptions<ApiRateLimitOptions>>().Value.TokenPermitsPerMinute;
                return RateLimitPartition.GetFixedWindowLimiter($"{tokenId}:{permits}", _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = permits,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await TypedResults.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many requests",
                    detail: $"This token made more than its {PermitsOf(context.HttpContext)} calls this minute; retry after {seconds} s.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    private static int PermitsOf(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<ApiRateLimitOptions>>().Value.TokenPermitsPerMinute;
}
