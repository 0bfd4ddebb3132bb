using Portal.Data;

namespace Portal.Web.Security;

public static class AccessCacheRegistration
{
    /// <summary>The per-node cache of callers, its in-process invalidation on every save and its PostgreSQL listener.</summary>
    public static IServiceCollection AddAccessCache(this IServiceCollection services)
    {
        services.AddOptions<AccessCacheOptions>().BindConfiguration(AccessCacheOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<AccessCache>();
        services.AddSingleton<AccessChangeInterceptor>();
        services.AddSingleton<TokenUsage>();
        services.AddHostedService<AccessChangeListener>();
        services.ConfigureDbContext<PortalDbContext>((sp, options) => options.AddInterceptors(sp.GetRequiredService<AccessChangeInterceptor>()), ServiceLifetime.Singleton);
        return services;
    }
}
