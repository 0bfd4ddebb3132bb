using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Provisioning.Mail;

namespace Portal.Provisioning.Costs;

/// <summary>DI registration for cost ingestion.</summary>
public static class CostServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="CostOptions"/> (section <c>Costs</c>, validated at start), <see cref="CostIngestion"/> and
    /// <see cref="CostForecasts"/> (which the lifecycle's budget ledger also uses), budget alerts, anomaly detection, the cost
    /// allocation tag check (also once at startup, in the background) and outgoing mail (<c>Smtp</c>).
    /// Requires the AWS clients (<c>AddAwsClients</c>) and the portal's data.
    /// </summary>
    public static IServiceCollection AddCosts(this IServiceCollection services)
    {
        services.AddOptions<CostOptions>().BindConfiguration(CostOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CostIngestion>();
        services.TryAddSingleton<CostForecasts>();
        services.AddPortalMail();
        services.TryAddSingleton<BudgetAlerts>();
        services.TryAddSingleton<CostAnomalyDetector>();
        services.TryAddSingleton<CostAllocationTags>();
        services.TryAddSingleton<CostEvaluation>();
        services.AddHostedService<CostAllocationTagStartupCheck>();
        return services;
    }
}
