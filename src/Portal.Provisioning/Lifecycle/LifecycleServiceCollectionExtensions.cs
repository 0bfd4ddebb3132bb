using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Mail;

namespace Portal.Provisioning.Lifecycle;

/// <summary>DI registration for the self-service lifecycle's policy and allocator.</summary>
public static class LifecycleServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ApprovalPolicyOptions"/> (section <c>Policies</c>, validated at start), <see cref="ApprovalPolicy"/>
    /// and <see cref="CidrAllocator"/>. The caller registers an <see cref="IBudgetLedger"/> and the portal's data (<c>AddPortalData</c>).
    /// </summary>
    public static IServiceCollection AddLifecycle(this IServiceCollection services)
    {
        services.AddOptions<ApprovalPolicyOptions>()
            .BindConfiguration(ApprovalPolicyOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApprovalPolicyOptions>, ApprovalPolicyOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ApprovalPolicy>();
        services.TryAddSingleton<CidrAllocator>();
        services.AddOptions<StackWatcherOptions>().BindConfiguration(StackWatcherOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<Costs.CostForecasts>();
        services.TryAddSingleton<IBudgetLedger, TeamBudgetLedger>();
        services.TryAddSingleton<LifecycleSignals>();
        services.AddPortalMail(); // ApprovalEffects e-mails approvers when SMTP is set
        services.TryAddSingleton<ApprovalEffects>();
        services.TryAddSingleton<ChangeSetPreparer>();
        services.AddQuotaAdmission();
        services.TryAddSingleton<RequestWorkflow>();
        services.TryAddSingleton<EnvironmentCommands>();
        services.TryAddSingleton<EnvironmentProvisioner>();
        services.TryAddSingleton<StackWatcher>();
        services.AddHostedService<LifecycleChangeFeed>();
        return services;
    }
}
