using System.Security.Cryptography;
using System.Text;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Templates;
using static Portal.Provisioning.Catalog.CatalogProblemCodes;

namespace Portal.Provisioning.Tests.Catalog;

public sealed class CatalogLoaderTests
{
    internal static string CatalogFolder => Path.Combine(AppContext.BaseDirectory, "TestData", "Templates", "Catalog");

    private static readonly string GoodTemplate = File.ReadAllText(Path.Combine(CatalogFolder, "queue-worker", "template.yaml"));
    private static readonly string GoodManifest = File.ReadAllText(Path.Combine(CatalogFolder, "queue-worker", "portal.yaml"));

    private static CatalogLoader Loader() => new(TemplateValidator.Default, TimeProvider.System);

    private static (CatalogEntry? Entry, RejectedTemplate? Rejection) Load(string manifest, string? template = null, string slug = "queue-worker") =>
        Loader().Load(slug, Encoding.UTF8.GetBytes(template ?? GoodTemplate), Encoding.UTF8.GetBytes(manifest));

    private static IReadOnlyList<CatalogProblem> Problems(string manifest, string? template = null, string slug = "queue-worker")
    {
        var (entry, rejection) = Load(manifest, template, slug);
        entry.ShouldBeNull();
        return rejection.ShouldNotBeNull().Problems;
    }

    private static void ShouldReport(IReadOnlyList<CatalogProblem> problems, string code, string path) =>
        problems.ShouldContain(p => p.Code == code && p.Path == path, $"expected {code} at {path}; got:\n{string.Join("\n", problems)}");

    [Fact]
    public async Task LoadAsync_Folder_OffersGoodTemplatesAndRejectsBrokenOnesWithReasons()
    {
        var catalog = await Loader().LoadAsync(CatalogFolder, CancellationToken.None);

        var entry = catalog.Offered.ShouldHaveSingleItem();
        (entry.Slug, entry.Version, entry.Manifest.Name).ShouldBe(("queue-worker", "1.2.0", "Queue worker"));
        entry.Template.Resources.Keys.ShouldContain("Queue");
        entry.TemplateBody.ShouldBe(GoodTemplate);
        entry.Warnings.ShouldBeEmpty();
        catalog.Find("queue-worker").ShouldBe(entry);

        catalog.Rejected.Select(r => r.Slug).ShouldBe(["broken-template", "missing-manifest"]);
        var broken = catalog.Rejected[0].Problems;
        broken.ShouldContain(p => p.File == "template.yaml" && p.Code == TemplateErrorCodes.UnknownProperty && p.Path == "Resources.DeadLetterQueue.Properties.RetentionDays");
        broken.ShouldContain(p => p.Code == TemplateErrorCodes.UnknownAttribute && p.Path == "Resources.Queue.Properties.RedrivePolicy.deadLetterTargetArn.Fn::GetAtt");
        broken.Count.ShouldBe(2);
        catalog.Rejected[1].Problems.ShouldHaveSingleItem().Code.ShouldBe(MissingFile);
    }

    [Fact]
    public void Load_ContentHash_IsSha256OfTemplateThenManifest()
    {
        var entry = Load(GoodManifest).Entry.ShouldNotBeNull();

        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(GoodTemplate + GoodManifest)));
        entry.ContentHash.ShouldBe(expected);
        entry.ShortHash.ShouldBe(expected[..12]);
        Load(GoodManifest.Replace("1.2.0", "1.2.1", StringComparison.Ordinal)).Entry!.ContentHash.ShouldNotBe(expected);
    }

    [Fact]
    public void Load_TemplateSyntaxError_IsRejectedWithLine()
    {
        var problem = Problems(GoodManifest, GoodTemplate.Replace("Type: AWS::SNS::Topic", "Type: [AWS::SNS::Topic", StringComparison.Ordinal)).ShouldHaveSingleItem();
        (problem.File, problem.Code).ShouldBe(("template.yaml", TemplateSyntax));
        problem.Path.ShouldStartWith("line ");
    }

    [Fact]
    public void Load_TemplateLargerThanCreateStackAccepts_IsRejected() =>
        Problems(GoodManifest, GoodTemplate + "# " + new string('x', CatalogLoader.MaxTemplateBodyBytes) + "\n").ShouldHaveSingleItem().Code.ShouldBe(TemplateTooLarge);

    [Fact]
    public void Load_ManifestWithUnknownField_IsRejected() =>
        Problems(GoodManifest + "colour: blue\n").ShouldHaveSingleItem().Code.ShouldBe(ManifestSyntax);

    [Fact]
    public void Load_SlugNotEqualToFolder_IsRejected() =>
        ShouldReport(Problems(GoodManifest, slug: "other-name"), SlugMismatch, "slug");

    [Fact]
    public void Load_FolderNameNotASlug_IsRejected() =>
        ShouldReport(Problems(GoodManifest.Replace("slug: queue-worker", "slug: Queue_Worker", StringComparison.Ordinal), slug: "Queue_Worker"), InvalidSlug, "slug");

    [Theory]
    [InlineData("1.2")]
    [InlineData("v1.2.0")]
    [InlineData("01.2.0")]
    public void Load_VersionNotSemantic_IsRejected(string version) =>
        ShouldReport(Problems(GoodManifest.Replace("version: 1.2.0", $"version: {version}", StringComparison.Ordinal)), InvalidVersion, "version");

    [Fact]
    public void Load_UnknownTier_IsRejected() =>
        ShouldReport(Problems(GoodManifest.Replace("  prod:", "  production:", StringComparison.Ordinal)), UnknownTier, "tiers.production");

    [Fact]
    public void Load_PresetForUnknownParameter_IsRejected() =>
        ShouldReport(Problems(GoodManifest.Replace("RetentionSeconds: \"86400\"", "RetentionSecs: \"86400\"", StringComparison.Ordinal)), UnknownParameter, "tiers.dev.parameters.RetentionSecs");

    [Fact]
    public void Load_PresetBreakingConstraint_IsRejected()
    {
        var problem = Problems(GoodManifest.Replace("RetentionSeconds: \"86400\"", "RetentionSeconds: \"30\"", StringComparison.Ordinal)).ShouldHaveSingleItem();
        (problem.Code, problem.Path).ShouldBe((InvalidPreset, "tiers.dev.parameters.RetentionSeconds"));
        problem.Message.ShouldContain("at least 60");
    }

    [Fact]
    public void Load_OffHoursValues_MustBeValidPresetsOfRealParameters()
    {
        var problems = Problems(GoodManifest.Replace(
            "  Tier: tier", "  Tier: tier\noffHours:\n  RetentionSeconds: \"30\"\n  Replicas: \"0\"\n  AlarmEmail: \"\"", StringComparison.Ordinal));
        ShouldReport(problems, InvalidPreset, "offHours.RetentionSeconds");
        ShouldReport(problems, UnknownParameter, "offHours.Replicas");
        ShouldReport(problems, ParameterListedTwice, "offHours.AlarmEmail");
    }

    [Fact]
    public void Load_UserOrPortalParameterNotInTemplate_IsRejected()
    {
        var problems = Problems(GoodManifest
            .Replace("userParameters: [AlarmEmail]", "userParameters: [AlarmEmail, Colour]", StringComparison.Ordinal)
            .Replace("  Tier: tier", "  Tier: tier\n  Region: region", StringComparison.Ordinal));
        ShouldReport(problems, UnknownParameter, "userParameters.Colour");
        ShouldReport(problems, UnknownParameter, "portalParameters.Region");
    }

    [Fact]
    public void Load_TtlDefaultAboveMax_IsRejected() =>
        ShouldReport(Problems(GoodManifest.Replace("defaultHours: 72, maxHours: 336", "defaultHours: 400, maxHours: 336", StringComparison.Ordinal)), InvalidTtl, "tiers.dev.ttl");

    [Fact]
    public void Load_ParameterWithoutDefaultNotCovered_IsRejected() =>
        ShouldReport(Problems(GoodManifest.Replace("userParameters: [AlarmEmail]", "userParameters: []", StringComparison.Ordinal)), ParameterWithoutValue, "parameters.AlarmEmail");

    [Fact]
    public void Load_ParameterWithoutDefaultPresetByEveryTier_IsAccepted() =>
        Load(GoodManifest
            .Replace("userParameters: [AlarmEmail]", "userParameters: []", StringComparison.Ordinal)
            .Replace("RetentionSeconds: \"86400\"", "RetentionSeconds: \"86400\"\n      AlarmEmail: a@b.c", StringComparison.Ordinal)
            .Replace("parameters: {}", "parameters: { AlarmEmail: ops@b.c }", StringComparison.Ordinal)).Entry.ShouldNotBeNull();

    [Fact]
    public void Load_UnknownUsageKey_IsRejected() =>
        ShouldReport(Problems(GoodManifest.Replace("dataTransferOutGb: 1", "dataTransferGb: 1", StringComparison.Ordinal)), UnknownUsageKey, "tiers.dev.usage.dataTransferGb");

    [Fact]
    public void Load_IamResourceWithoutCapability_IsRejected() =>
        ShouldReport(Problems(GoodManifest.Replace("capabilities: [CAPABILITY_IAM]", "capabilities: []", StringComparison.Ordinal)), MissingCapability, "capabilities");

    [Fact]
    public void Load_NamedIamResourceWithOnlyCapabilityIam_IsRejected() =>
        ShouldReport(Problems(GoodManifest, GoodTemplate.Replace("  WorkerRole:\n    Type: AWS::IAM::Role\n    Properties:\n", "  WorkerRole:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: worker\n", StringComparison.Ordinal)),
            MissingCapability, "capabilities");

    [Fact]
    public void Load_NeedsVpcCidrWithoutVpcCidrParameter_IsRejected() =>
        ShouldReport(Problems(GoodManifest.Replace("needsVpcCidr: false", "needsVpcCidr: true", StringComparison.Ordinal)), VpcCidrNotWired, "portalParameters");

    [Fact]
    public void Load_ManifestWithEmptySections_IsCheckedNotCrashed()
    {
        var problems = Problems("slug: queue-worker\nname: Q\ndescription: d\ncategory: Compute\nowner: me\nversion: 1.0.0\ncapabilities:\nuserParameters:\ntiers:\n  dev:\n");
        ShouldReport(problems, ParameterWithoutValue, "parameters.AlarmEmail");
        ShouldReport(problems, MissingCapability, "capabilities");
    }

    [Fact]
    public void Load_UnknownCategory_IsRejected() =>
        ShouldReport(Problems(GoodManifest.Replace("category: Compute", "category: Queues", StringComparison.Ordinal)), UnknownCategory, "category");

    [Fact]
    public void Load_TierWhosePresetsDoNotResolve_IsRejected()
    {
        var template = GoodTemplate
            .Replace("Conditions:", "Mappings:\n  Receives:\n    dev: { Max: 3 }\nConditions:", StringComparison.Ordinal)
            .Replace("maxReceiveCount: !If [IsProd, 10, 3]", "maxReceiveCount: !FindInMap [Receives, !Ref Tier, Max]", StringComparison.Ordinal);

        var problem = Problems(GoodManifest, template).ShouldHaveSingleItem();

        (problem.Code, problem.Path).ShouldBe((TierDoesNotResolve, "Resources"));
        problem.Message.ShouldContain("With the prod tier preset");
        problem.Message.ShouldContain("no 'prod'");
    }

    [Fact]
    public void Load_TierPresetBreakingResourceSchema_IsRejected()
    {
        var template = GoodTemplate
            .Replace("Conditions:", "  Delay:\n    Type: Number\n    Default: 0\nConditions:", StringComparison.Ordinal)
            .Replace("      MessageRetentionPeriod: !Ref RetentionSeconds", "      MessageRetentionPeriod: !Ref RetentionSeconds\n      DelaySeconds: !Ref Delay", StringComparison.Ordinal);
        var manifest = GoodManifest.Replace("RetentionSeconds: \"86400\"", "RetentionSeconds: \"86400\"\n      Delay: \"1000\"", StringComparison.Ordinal);

        var problem = Problems(manifest, template).ShouldHaveSingleItem();

        (problem.Code, problem.Path).ShouldBe((TemplateErrorCodes.ValueOutOfRange, "Resources.Queue.Properties.DelaySeconds"));
        problem.Message.ShouldStartWith("With the dev tier preset:");
    }

    [Fact]
    public void BuildParameters_MergesPresetsPortalAndUserValues()
    {
        var entry = Load(GoodManifest).Entry.ShouldNotBeNull();
        var portal = new Dictionary<string, string> { ["environment-name"] = "shop", ["tier"] = "dev" };

        var set = entry.BuildParameters("dev", portal, new Dictionary<string, string> { ["AlarmEmail"] = "ops@example.com" });

        set.IsValid.ShouldBeTrue(string.Join("; ", set.Errors));
        set.Values.ShouldBe(new Dictionary<string, string>
        {
            ["RetentionSeconds"] = "86400",
            ["EnvironmentName"] = "shop",
            ["Tier"] = "dev",
            ["AlarmEmail"] = "ops@example.com",
        }, ignoreOrder: true);
    }

    [Fact]
    public void BuildParameters_RejectsFixedParametersMissingValuesAndUnknownTiers()
    {
        var entry = Load(GoodManifest).Entry.ShouldNotBeNull();
        var portal = new Dictionary<string, string> { ["environment-name"] = "shop" };

        var set = entry.BuildParameters("dev", portal, new Dictionary<string, string> { ["RetentionSeconds"] = "60" });

        set.Errors.Select(e => e.Parameter).ShouldBe(["Tier", "RetentionSeconds", "AlarmEmail"], ignoreOrder: true);
        entry.BuildParameters("staging", portal, new Dictionary<string, string>()).Errors.ShouldHaveSingleItem().Parameter.ShouldBe("tier");
    }

    [Fact]
    public async Task LoadAsync_FiveTemplates_AreAllOffered()
    {
        var folder = Directory.CreateTempSubdirectory("catalog-speed-");
        try
        {
            foreach (var slug in new[] { "one-a", "two-b", "three-c", "four-d", "five-e" })
            {
                var target = Directory.CreateDirectory(Path.Combine(folder.FullName, slug));
                await File.WriteAllTextAsync(Path.Combine(target.FullName, "template.yaml"), TestTemplateWithSlug(), CancellationToken.None);
                await File.WriteAllTextAsync(Path.Combine(target.FullName, "portal.yaml"), GoodManifest.Replace("slug: queue-worker", $"slug: {slug}", StringComparison.Ordinal), CancellationToken.None);
            }

            // Speed is measured by tests/Portal.Benchmarks (CatalogLoadBenchmarks), not asserted here.
            var catalog = await Loader().LoadAsync(folder.FullName, CancellationToken.None);

            catalog.Offered.Count.ShouldBe(5, string.Join("\n", catalog.Rejected.SelectMany(r => r.Problems)));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string TestTemplateWithSlug() => GoodTemplate;
}
