using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Estimates;
using Portal.Provisioning.Pricing;
using Portal.Provisioning.Templates;
using Portal.TestSupport;
using Portal.Web.Features.Catalog;

namespace Portal.Web.Tests.Components;

/// <summary>The estimate panel as the request form renders it (compact): expected and up to, per line and in total.</summary>
public sealed class EstimateTableTests : PortalComponentTest, IAsyncLifetime
{
    private TestDatabase _database = default!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await new DatabaseMigrator(_database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        Services.AddSingleton(new EstimateCalibration(_database.CreateFactory(), TimeProvider.System, Options.Create(new EstimateCalibrationOptions())));
    }

    // bunit's own disposal runs after the test; only the database is this fixture's.
    Task IAsyncLifetime.DisposeAsync() => _database.DisposeAsync().AsTask();

    [Fact]
    public async Task TheFormsEstimate_ShowsExpectedAndUpTo_PerLineAndInTotal()
    {
        var catalog = await new CatalogLoader(new TemplateValidator(SchemaRegistry.Default), TimeProvider.System).LoadAsync(RepositoryPaths.Templates, CancellationToken.None);
        var entry = catalog.Find("eks-platform")!;
        var estimate = new EnvironmentEstimator(new CostEstimator(PriceCatalog.Default), Options.Create(new PricingOptions()))
            .Estimate(entry, new EstimateRequest("dev", "us-east-1", EnvironmentEstimator.PreviewUserValues(entry))).Estimate!;

        var table = Render<EstimateTable>(p => p
            .Add(t => t.Estimate, estimate).Add(t => t.Compact, true).Add(t => t.HideFree, true).Add(t => t.TestId, "live-estimate-lines")
            .Add(t => t.Template, "eks-platform").Add(t => t.Tier, "dev"));

        table.WaitForAssertion(() => table.Find("[data-testid=estimate-range]").TextContent.Trim()
            .ShouldBe("Expected $230.80, up to $468.48 a month at maximum scale"));
        table.Find("[data-testid=estimate-total]").TextContent.ShouldBe("$230.80");
        table.Find("[data-testid=estimate-max-total]").TextContent.ShouldBe("$468.48");
        var spot = table.FindAll("[data-testid=live-estimate-lines] tbody tr").Single(r => r.TextContent.Contains("SpotNodeGroup", StringComparison.Ordinal));
        spot.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).Skip(1).ShouldBe(["$18.22", "$63.77"]);
        table.FindAll("[data-testid=estimate-calibration]").ShouldBeEmpty("no history yet");
    }
}
