using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Aws.CostExplorer;
using Portal.Provisioning.Aws.Credentials;
using Portal.Provisioning.Aws.Transport;

namespace Portal.Provisioning.Aws;

public static class AwsServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates the <c>Aws</c> section and registers <see cref="ICloudFormationClientFactory"/>,
    /// <see cref="ICostExplorerClientFactory"/>, <see cref="AwsAccountDirectory"/>, <see cref="AwsUsageTracker"/>,
    /// the <c>Portal.Aws</c> telemetry and the named HttpClients the transport uses.
    /// </summary>
    public static IServiceCollection AddAwsClients(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AwsOptions>()
            .Bind(configuration.GetSection(AwsOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AwsOptions>, AwsOptionsValidator>());

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AwsTelemetry>();
        services.TryAddSingleton<AwsUsageTracker>();
        services.TryAddSingleton<AwsAccountDirectory>();
        services.TryAddSingleton<AwsEndpoints>();

        services.TryAddSingleton<IPortalCredentialsSource>(sp =>
            sp.GetRequiredService<IOptions<AwsOptions>>().Value.Mode == AwsMode.Aws
                ? new DefaultChainCredentialsSource()
                : new SandboxCredentialsSource());
        services.TryAddSingleton<IRoleAssumer, StsRoleAssumer>();
        services.TryAddSingleton<IAwsCredentialsProvider, AwsCredentialsProvider>();

        services.TryAddSingleton<AwsHttpTransport>();
        services.TryAddSingleton<ICloudFormationClientFactory, CloudFormationClientFactory>();
        services.TryAddSingleton<ICostExplorerClientFactory, CostExplorerClientFactory>();

        foreach (var name in new[] { CloudFormationClient.HttpClientName, CostExplorerClient.HttpClientName, StsRoleAssumer.HttpClientName })
        {
            services.AddHttpClient(name)
                .ConfigureHttpClient((sp, client) => client.Timeout = sp.GetRequiredService<IOptions<AwsOptions>>().Value.RequestTimeout);
        }

        return services;
    }
}
