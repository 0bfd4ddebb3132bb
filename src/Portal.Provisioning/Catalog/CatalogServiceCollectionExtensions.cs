using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Catalog;

/// <summary>DI registration for the template catalog and the template engine it uses.</summary>
public static class CatalogServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="CatalogOptions"/> (section <c>Catalog</c>, validated at start), <see cref="SchemaRegistry"/>,
    /// <see cref="TemplateValidator"/>, <see cref="CatalogLoader"/> and the <see cref="CatalogProvider"/> singleton, and
    /// loads the catalog when the host starts.
    /// </summary>
    public static IServiceCollection AddTemplateCatalog(this IServiceCollection services)
    {
        services.AddOptions<CatalogOptions>()
            .BindConfiguration(CatalogOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CatalogOptions>, CatalogOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => SchemaRegistry.Default);
        services.TryAddSingleton(sp => new TemplateValidator(sp.GetRequiredService<SchemaRegistry>()));
        services.TryAddSingleton<CatalogLoader>();
        services.TryAddSingleton<CatalogProvider>();
        services.AddHostedService<CatalogWarmup>();
        return services;
    }
}

/// <summary>Loads the catalog (and compiles the schemas) at startup so the first request does not pay for it.</summary>
internal sealed class CatalogWarmup(CatalogProvider provider, SchemaRegistry schemas) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        schemas.WarmUp();
        await provider.ReloadAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
