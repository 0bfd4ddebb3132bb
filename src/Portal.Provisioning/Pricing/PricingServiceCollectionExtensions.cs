using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Portal.Provisioning.Pricing;

/// <summary>Registers the price catalog and the cost estimator.</summary>
public static class PricingServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="PriceCatalog.Default"/> and <see cref="CostEstimator"/> as singletons, and <see cref="PricingOptions"/>
    /// (section <c>Pricing</c>, validated at start: a wrong share or discount stops the portal and names its key).
    /// </summary>
    public static IServiceCollection AddPricing(this IServiceCollection services)
    {
        services.AddOptions<PricingOptions>().BindConfiguration(PricingOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PricingOptions>, PricingOptionsValidator>());
        services.AddSingleton(_ => PriceCatalog.Default);
        services.AddSingleton<CostEstimator>();
        return services;
    }
}
