using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Costs;

/// <summary>DI registration for cost ingestion.</summary>
public static class CostServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="CostOptions"/> (section <c>Costs</c>, validated at start), <see cref="CostIngestion"/>, and
    /// <see cref="CostFactSpend"/> as the lifecycle's <see cref="IMonthToDateSpend"/> (replacing the placeholder in either order).
    /// Requires the AWS clients (<c>AddAwsClients</c>) and the portal's data.
    /// </summary>
    public static IServiceCollection AddCosts(this IServiceCollection services)
    {
        services.AddOptions<CostOptions>().BindConfiguration(CostOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CostIngestion>();
        services.Replace(ServiceDescriptor.Singleton<IMonthToDateSpend, CostFactSpend>());
        return services;
    }
}
