using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Portal.Provisioning.Costs;

/// <summary>DI registration for cost ingestion.</summary>
public static class CostServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="CostOptions"/> (section <c>Costs</c>, validated at start), <see cref="CostIngestion"/> and
    /// <see cref="CostForecasts"/> (which the lifecycle's budget ledger also uses).
    /// Requires the AWS clients (<c>AddAwsClients</c>) and the portal's data.
    /// </summary>
    public static IServiceCollection AddCosts(this IServiceCollection services)
    {
        services.AddOptions<CostOptions>().BindConfiguration(CostOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CostIngestion>();
        services.TryAddSingleton<CostForecasts>();
        return services;
    }
}
