using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Tests.Lifecycle;

public sealed class PortalStackTagsTests
{
    [Fact]
    public void For_AnEnvironment_GivesTheSevenCatalogTags()
    {
        var id = Guid.Parse("0190f6a4-0000-7000-8000-000000000001");

        var tags = PortalStackTags.For(id, "payments", "dev@example.com", "dev", "ecs-web-service", "1.0.0", "CC-1001");

        tags.Select(t => t.Key).ShouldBe(["portal:environment-id", "portal:team", "portal:owner", "portal:tier", "portal:template", "portal:template-version", "cost-center"]);
        tags.ToDictionary(t => t.Key, t => t.Value)["portal:environment-id"].ShouldBe(id.ToString());
        tags.ToDictionary(t => t.Key, t => t.Value)["portal:owner"].ShouldBe("dev@example.com");
    }

    [Fact]
    public void For_AValueAwsWouldRefuse_Throws()
    {
        Should.Throw<ArgumentException>(() => PortalStackTags.For(Guid.NewGuid(), "payments", "dev@example.com", "dev", "x", "1.0.0", "CC#1"))
            .Message.ShouldContain("cost-center");
    }
}
