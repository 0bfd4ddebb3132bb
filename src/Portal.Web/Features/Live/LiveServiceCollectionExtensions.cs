namespace Portal.Web.Features.Live;

public static class LiveServiceCollectionExtensions
{
    /// <summary>The node's live hubs: one read per change for every live page (see <c>src/Portal.Provisioning/Lifecycle/README.md</c>, Live changes).</summary>
    public static IServiceCollection AddLivePages(this IServiceCollection services)
    {
        services.AddSingleton<LiveReads>();
        services.AddSingleton<LiveRequestRows>();
        services.AddSingleton<LiveNotificationCounts>();
        return services;
    }
}
