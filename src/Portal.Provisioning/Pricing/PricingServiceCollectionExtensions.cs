using Microsoft.Extensions.DependencyInjection;

namespace Portal.Provisioning.Pricing;

/// <summary>Registers the price catalog and the cost estimator.</summary>
public static class PricingServiceCollectionExtensions
{
    /// <summary>Adds <see cref="PriceCatalog.Default"/> and <see cref="CostEstimator"/> as singletons.</summary>
    public static IServiceCollection AddPricing(this IServiceCollection services)
    {
        services.AddSingleton(_ => PriceCatalog.Default);
        services.AddSingleton<CostEstimator>();
        return services;
    }
}
