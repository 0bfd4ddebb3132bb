using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Campaigns;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Campaigns;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Templates;
using Portal.TestSupport;

namespace Portal.Provisioning.Tests.Campaigns;

/// <summary>Template versions: the diff between two versions, the parameters an upgrade keeps, fills and drops, and the archive on both stores.</summary>
public sealed class TemplateVersionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Diff_BetweenTheFixtureVersions_NamesParametersAndResourcesAddedRemovedAndModified()
    {
        var (from, to) = await LoadBothAsync();

        var diff = TemplateDiff.Compare(from.Version, from.Template, to.Version, to.Template);

        diff.ParametersAdded.ShouldHaveSingleItem().ShouldBe(new ParameterDiff("DefaultTtlSeconds", "3600"));
        diff.ParametersRemoved.ShouldHaveSingleItem().Name.ShouldBe("CertificateArn");
        diff.ResourcesAdded.Select(r => r.LogicalId).Order().ShouldBe(["ErrorsTopic", "RedirectBucket"]);
        diff.ResourcesRemoved.ShouldBeEmpty();
        diff.ResourcesModified.Select(r => r.LogicalId).Order().ShouldBe(["AccessLogGroup", "Distribution"]);
        diff.ResourcesModified.Single(r => r.LogicalId == "AccessLogGroup").Changed.ShouldBe(["LogGroupName"]);
        TemplateDiff.Compare(from.Version, from.Template, from.Version, from.Template).IsEmpty.ShouldBeTrue();
    }

    [Fact]
    public async Task Parameters_OnUpgrade_AreKeptFilledWithTheirDefaultOrDroppedWithAWarning()
    {
        var (from, to) = await LoadBothAsync();
        var environment = PortalEnvironment.Create("site", Guid.NewGuid(), "payments", Guid.NewGuid(), "static-site", "1.0.0", EnvironmentTier.Dev, "123456789012", "us-east-1",
            """{"Alias":"www.example.com","CertificateArn":"arn:aws:acm:us-east-1:123456789012:certificate/abc-123"}""", null, false, Now);

        var (values, notes) = CampaignPlanner.Parameters(environment, to, from.Template);

        values.ShouldBe(new Dictionary<string, string> { ["Alias"] = "www.example.com" });
        notes.Single(n => n.Name == "Alias").Change.ShouldBe("kept");
        var dropped = notes.Single(n => n.Name == "CertificateArn");
        dropped.Change.ShouldBe("dropped");
        dropped.Detail.ShouldContain("no longer has CertificateArn");
        var filled = notes.Single(n => n.Name == "DefaultTtlSeconds");
        filled.Change.ShouldBe("filled");
        filled.Detail.ShouldContain("'3600'");
    }

    [Fact]
    public async Task Parameters_AddedWithoutADefaultOrValue_AreMissingAndBlockTheUpgrade()
    {
        var (from, to) = await LoadBothAsync();
        var strict = to with
        {
            Template = to.Template with
            {
                Parameters = to.Template.Parameters.ToDictionary(p => p.Key, p => p.Key == "DefaultTtlSeconds" ? p.Value with { Default = null } : p.Value),
            },
        };
        var environment = PortalEnvironment.Create("site", Guid.NewGuid(), "payments", Guid.NewGuid(), "static-site", "1.0.0", EnvironmentTier.Dev, "123456789012", "us-east-1", "{}", null, false, Now);

        var (_, notes) = CampaignPlanner.Parameters(environment, strict, from.Template);

        notes.ShouldHaveSingleItem().Change.ShouldBe("missing");
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task Archive_KeepsEveryVersionTheCatalogOffered_OnceEach_AndFillsTheHashOfOlderEnvironments(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await new DatabaseMigrator(database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var (teamId, ownerId) = await SeedAsync(database);
        Guid environmentId;
        await using (var db = database.CreateContext())
        {
            // Created before hashes were recorded: the version only.
            var environment = PortalEnvironment.Create("older", teamId, "payments", ownerId, "static-site", "1.0.0", EnvironmentTier.Dev, "123456789012", "us-east-1", "{}", null, false, Now);
            db.Environments.Add(environment);
            await db.SaveChangesAsync();
            environmentId = environment.Id;
        }

        using var catalog = UpgradeCatalog.Create();
        var archive = new TemplateVersionArchive(database.CreateFactory(), TimeProvider.System, NullLogger<TemplateVersionArchive>.Instance);
        using var provider_ = new CatalogProvider(
            Options.Create(new CatalogOptions { Directory = catalog.Directory }), new CatalogLoader(TemplateValidator.Default, TimeProvider.System), NullLogger<CatalogProvider>.Instance, [archive]);

        var first = await provider_.ReloadAsync(CancellationToken.None);
        await provider_.ReloadAsync(CancellationToken.None);
        catalog.PublishNextVersion();
        var second = await provider_.ReloadAsync(CancellationToken.None);

        var v1 = first.Find("static-site").ShouldNotBeNull();
        var v2 = second.Find("static-site").ShouldNotBeNull();
        v2.Version.ShouldBe("1.1.0");
        var versions = await archive.VersionsAsync("static-site", CancellationToken.None);
        versions.Select(v => (v.Version, v.ContentHash)).OrderBy(v => v.Version).ShouldBe([("1.0.0", v1.ContentHash), ("1.1.0", v2.ContentHash)]);
        (await archive.TemplateAsync("static-site", "1.0.0", v1.ContentHash, CancellationToken.None)).ShouldNotBeNull().Parameters.Keys.ShouldContain("CertificateArn");
        await using (var db = database.CreateContext())
        {
            (await db.Environments.SingleAsync(e => e.Id == environmentId)).TemplateContentHash.ShouldBe(v1.ContentHash, "filled from the version it was created with");
            var manifest = JsonDocument.Parse((await db.TemplateVersions.SingleAsync(v => v.ContentHash == v2.ContentHash)).ManifestJson);
            manifest.RootElement.GetProperty("version").GetString().ShouldBe("1.1.0");
        }

        var notice = await new TemplateVersionService(database.CreateFactory(), provider_, archive).ForEnvironmentAsync(environmentId, CancellationToken.None);
        notice.ShouldNotBeNull().AvailableVersion.ShouldBe("1.1.0");
        notice.Diff.ShouldNotBeNull().ParametersRemoved.ShouldHaveSingleItem().Name.ShouldBe("CertificateArn");
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task Campaign_AndItsTargets_RoundTrip_AndATargetIsUniquePerCampaignAndEnvironment(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await new DatabaseMigrator(database.CreateFactory(), TimeProvider.System, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var (teamId, ownerId) = await SeedAsync(database);
        var hash = new string('a', 64);
        var campaign = UpgradeCampaign.Create("fleet", "static-site", "1.1.0", hash, [EnvironmentTier.Prod, EnvironmentTier.Dev], ["payments"], 3, 1, ownerId, "platform@example.com", Now);
        var environment = PortalEnvironment.Create("site", teamId, "payments", ownerId, "static-site", "1.0.0", EnvironmentTier.Dev, "123456789012", "us-east-1", "{}", null, false, Now);
        var target = CampaignTarget.Create(campaign.Id, environment.Id, teamId, EnvironmentTier.Dev, 1, "1.0.0", 12.5m, Now);
        target.RecordPreview("""[{"action":"Modify","logicalResourceId":"AccessLogGroup","resourceType":"AWS::Logs::LogGroup","replacement":"True"}]""", "[]", 1, 2, 0, 1, 14.25m, Now);
        await using (var db = database.CreateContext())
        {
            db.Environments.Add(environment);
            db.UpgradeCampaigns.Add(campaign);
            db.CampaignTargets.Add(target);
            await db.SaveChangesAsync();
        }

        await using (var db = database.CreateContext())
        {
            var stored = await db.UpgradeCampaigns.SingleAsync();
            (stored.Tiers, stored.Teams, stored.Status, stored.WaveSize, stored.MaxFailures).ShouldBe(("dev,prod", "payments", CampaignStatus.Preparing, 3, 1));
            var row = await db.CampaignTargets.SingleAsync();
            (row.Status, row.Replaced, row.CurrentMonthlyUsd, row.TargetMonthlyUsd, row.CostDeltaUsd).ShouldBe((CampaignTargetStatus.Ready, 1, 12.5m, 14.25m, 1.75m));
            db.CampaignTargets.Add(CampaignTarget.Create(campaign.Id, environment.Id, teamId, EnvironmentTier.Dev, 2, "1.0.0", 0m, Now));
            await Should.ThrowAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }

        await using (var db = database.CreateContext())
        {
            // Deleting the environment takes its campaign rows with it; the campaign stays.
            await db.Environments.ExecuteDeleteAsync();
            (await db.CampaignTargets.CountAsync()).ShouldBe(0);
            (await db.UpgradeCampaigns.CountAsync()).ShouldBe(1);
        }
    }

    [Fact]
    public void Campaign_PausesOnlyWhenNewFailuresExceedWhatItTolerates()
    {
        var campaign = UpgradeCampaign.Create("fleet", "static-site", "1.1.0", new string('a', 64), [], [], 5, 0, Guid.NewGuid(), "platform", Now);
        campaign.MarkPrepared(Now);
        campaign.Start(Now);
        campaign.ShouldPause(0).ShouldBeFalse();
        campaign.ShouldPause(1).ShouldBeTrue();
        campaign.Pause("failed", Now);
        Should.Throw<InvalidTransitionException>(() => campaign.Start(Now));
        campaign.Resume(1, Now);
        campaign.ShouldPause(1).ShouldBeFalse("the failure seen before resuming is acknowledged");
        campaign.ShouldPause(2).ShouldBeTrue();
        Should.Throw<DomainValidationException>(() => UpgradeCampaign.Create("", "static-site", "1.1.0", new string('a', 64), [], [], 0, -1, Guid.NewGuid(), "p", Now))
            .Errors.Keys.Order().ShouldBe(["maxFailures", "name", "waveSize"]);
    }

    private static async Task<(CatalogEntry From, CatalogEntry To)> LoadBothAsync()
    {
        var loader = new CatalogLoader(TemplateValidator.Default, TimeProvider.System);
        var from = (await loader.LoadTemplateAsync(UpgradeCatalog.Fixture(UpgradeCatalog.FromVersion), CancellationToken.None));
        var to = (await loader.LoadTemplateAsync(UpgradeCatalog.Fixture(UpgradeCatalog.ToVersion), CancellationToken.None));
        from.Rejection.ShouldBeNull(string.Join("; ", from.Rejection?.Problems ?? []));
        to.Rejection.ShouldBeNull(string.Join("; ", to.Rejection?.Problems ?? []));
        return (from.Entry!, to.Entry!);
    }

    private static async Task<(Guid TeamId, Guid OwnerId)> SeedAsync(TestDatabase database)
    {
        await using var db = database.CreateContext();
        var team = Team.Create("payments", "Payments", "CC-1", 5000m, Now);
        db.Teams.Add(team);
        var owner = new PortalUser { Id = Guid.NewGuid(), UserName = "owner", NormalizedUserName = "OWNER", DisplayName = "Owner", CreatedAt = Now };
        db.Users.Add(owner);
        await db.SaveChangesAsync();
        return (team.Id, owner.Id);
    }
}
