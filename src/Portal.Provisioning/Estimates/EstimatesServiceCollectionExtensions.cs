using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Pricing;

namespace Portal.Provisioning.Estimates;

/// <summary>Registers the environment estimator (with the tiers' purchase options) and the estimate calibration cache.</summary>
public static class EstimatesServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="EnvironmentEstimator"/> and <see cref="EstimateCalibration"/> as singletons, and
    /// <see cref="EstimateCalibrationOptions"/> (section <c>Pricing:Calibration</c>, validated at start). Needs <c>AddPricing()</c>
    /// and a <c>PortalDbContext</c> factory.
    /// </summary>
    public static IServiceCollection AddEstimates(this IServiceCollection services)
    {
        services.AddOptions<EstimateCalibrationOptions>().BindConfiguration(EstimateCalibrationOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EstimateCalibrationOptions>, EstimateCalibrationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new EnvironmentEstimator(sp.GetRequiredService<CostEstimator>(), sp.GetRequiredService<IOptions<PricingOptions>>()));
        services.TryAddSingleton<EstimateCalibration>();
        return services;
    }
}
