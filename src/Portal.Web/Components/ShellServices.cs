using Portal.Web.Components.Layout;
using Portal.Web.Features.Home;

namespace Portal.Web.Components;

/// <summary>The shell's and the home page's services (one call from the host's registration).</summary>
public static class ShellServices
{
    public static IServiceCollection AddPortalShell(this IServiceCollection services)
    {
        services.AddSingleton<ApprovalsWaiting>();
        services.AddSingleton<HomeQueries>();
        return services;
    }
}
