using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Portal.Provisioning.Drift;

/// <summary>Drift detection's services; the job and its trigger run on the job layer (<c>AddLifecycleJobs</c>).</summary>
public static class DriftServiceCollectionExtensions
{
    public static IServiceCollection AddDrift(this IServiceCollection services)
    {
        services.AddOptions<DriftOptions>().BindConfiguration(DriftOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<DriftDetector>();
        services.TryAddSingleton<DriftDetectionTrigger>();
        services.AddTransient<DriftDetectionJob>();
        return services;
    }
}
