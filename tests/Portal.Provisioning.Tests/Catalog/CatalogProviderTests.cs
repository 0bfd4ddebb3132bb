using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Tests.Catalog;

public sealed class CatalogProviderTests
{
    [Fact]
    public async Task ReloadAsync_SwapsInANewCatalog()
    {
        var folder = Directory.CreateTempSubdirectory("catalog-reload-");
        try
        {
            using var provider = new CatalogProvider(
                Options.Create(new CatalogOptions { Directory = folder.FullName }),
                new CatalogLoader(TemplateValidator.Default, TimeProvider.System),
                NullLogger<CatalogProvider>.Instance);
            var first = provider.Current;
            first.Offered.ShouldBeEmpty();

            var target = Directory.CreateDirectory(Path.Combine(folder.FullName, "queue-worker"));
            foreach (var file in new[] { "template.yaml", "portal.yaml" })
            {
                File.Copy(Path.Combine(CatalogLoaderTests.CatalogFolder, "queue-worker", file), Path.Combine(target.FullName, file));
            }

            provider.Current.ShouldBeSameAs(first);
            var reloaded = await provider.ReloadAsync(CancellationToken.None);
            reloaded.Offered.ShouldHaveSingleItem().Slug.ShouldBe("queue-worker");
            provider.Current.ShouldBeSameAs(reloaded);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ReloadAsync_ConcurrentWithReads_AlwaysGivesACompleteCatalog()
    {
        using var provider = new CatalogProvider(
            Options.Create(new CatalogOptions { Directory = CatalogLoaderTests.CatalogFolder }),
            new CatalogLoader(TemplateValidator.Default, TimeProvider.System),
            NullLogger<CatalogProvider>.Instance);

        var reloads = Enumerable.Range(0, 8).Select(_ => Task.Run(() => provider.ReloadAsync(CancellationToken.None)));
        var reads = Enumerable.Range(0, 8).Select(_ => Task.Run(() => provider.Current));
        var catalogs = await Task.WhenAll(reloads.Concat(reads));

        catalogs.ShouldAllBe(c => c.Offered.Count == 1 && c.Rejected.Count == 2);
    }

    [Fact]
    public void AddTemplateCatalog_ResolvesProviderFromConfiguration()
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Catalog:Directory"] = CatalogLoaderTests.CatalogFolder })
                .Build())
            .AddLogging()
            .AddTemplateCatalog();
        using var serviceProvider = services.BuildServiceProvider();

        serviceProvider.GetRequiredService<CatalogProvider>().Current.Offered.ShouldHaveSingleItem().Slug.ShouldBe("queue-worker");
        serviceProvider.GetRequiredService<TemplateValidator>().ShouldNotBeNull();
    }

    [Fact]
    public void AddTemplateCatalog_MissingDirectory_FailsNamingTheKey()
    {
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Catalog:Directory"] = "/no/such/folder" })
                .Build())
            .AddLogging()
            .AddTemplateCatalog();
        using var serviceProvider = services.BuildServiceProvider();

        Should.Throw<OptionsValidationException>(() => serviceProvider.GetRequiredService<IOptions<CatalogOptions>>().Value)
            .Message.ShouldContain("Catalog:Directory");
    }
}
