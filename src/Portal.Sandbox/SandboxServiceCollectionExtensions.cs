using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Pricing;
using Portal.Sandbox.CloudFormation;
using Portal.Sandbox.CostExplorer;
using Portal.Sandbox.Http;
using Portal.Sandbox.State;

namespace Portal.Sandbox;

/// <summary>Registers and maps the AWS sandbox (CloudFormation and Cost Explorer over HTTP).</summary>
public static class SandboxServiceCollectionExtensions
{
    /// <summary>
    /// Binds and validates the <c>Sandbox</c> section and registers the sandbox's state, faults (<see cref="ISandboxFaults"/>),
    /// admin (<see cref="ISandboxAdmin"/>) and API handlers. Time comes from the registered <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddAwsSandbox(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SandboxOptions>()
            .Bind(configuration.GetSection(SandboxOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SandboxOptions>, SandboxOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => PriceCatalog.Default);
        services.TryAddSingleton<CostEstimator>();
        services.TryAddSingleton<SandboxStore>();
        services.TryAddSingleton<ISandboxFaults, SandboxFaults>();
        services.TryAddSingleton<ISandboxAdmin, SandboxAdmin>();
        services.TryAddSingleton<SigV4Verifier>();
        services.TryAddSingleton<CloudFormationApi>();
        services.TryAddSingleton<DriftState>();
        services.TryAddSingleton<ISandboxDrift, SandboxDrift>();
        services.TryAddSingleton<BillingEngine>();
        services.TryAddSingleton<CostExplorerApi>();
        services.TryAddSingleton<SandboxEndpoints>();
        return services;
    }

    /// <summary>Maps POST <c>{prefix}/cloudformation</c> and <c>{prefix}/ce</c>, anonymous to the host's policies (the sandbox checks SigV4 itself).</summary>
    public static IEndpointConventionBuilder MapAwsSandbox(this IEndpointRouteBuilder endpoints, string prefix = "/sandbox/aws")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(prefix).AllowAnonymous().DisableAntiforgery();
        group.MapPost("/cloudformation", (HttpContext context, SandboxEndpoints handlers) => handlers.CloudFormationAsync(context))
            .WithName("AwsSandboxCloudFormation").ExcludeFromDescription();
        group.MapPost("/ce", (HttpContext context, SandboxEndpoints handlers) => handlers.CostExplorerAsync(context))
            .WithName("AwsSandboxCostExplorer").ExcludeFromDescription();
        return group;
    }
}
