using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Tests.Templates;

public sealed class SchemaRegistryTests
{
    [Fact]
    public void Default_LoadsEmbeddedReferenceData()
    {
        var registry = SchemaRegistry.Default;

        registry.ResourceTypes.Count.ShouldBe(1604);
        registry.TypesWithSchema.Count().ShouldBe(53);
        registry.TypesWithSchema.ShouldAllBe(t => registry.ResourceTypes.Contains(t));
        registry.ParameterTypes.ShouldContain("List<AWS::EC2::Subnet::Id>");
        registry.PseudoParameters.ShouldContain("AWS::NoValue");
        registry.AttributesOf("AWS::RDS::DBInstance")!.ShouldContain("Endpoint.Address");
        registry.IsKnownResourceType("Custom::Anything").ShouldBeTrue();
        registry.IsKnownResourceType("AWS::EC2::Spaceship").ShouldBeFalse();
    }

    [Fact]
    public void WarmUp_CompilesEverySchema()
    {
        SchemaRegistry.Default.WarmUp();
        SchemaRegistry.Default.TypesWithSchema.ShouldAllBe(t => SchemaRegistry.Default.SchemaOf(t) != null);
    }

    [Fact]
    public void Parse_CanonicalJsonOfYamlTemplate_ParsesToTheSameTemplate()
    {
        var fromYaml = TestTemplates.Load("valid-vpc-rds.yaml");
        var fromJson = TemplateParser.Parse(fromYaml.Root.ToJsonString());

        fromJson.Root.ToJsonString().ShouldBe(fromYaml.Root.ToJsonString());
        TemplateValidator.Default.Validate(fromJson).ShouldBeEmpty();
    }
}
