using System.Text.Json.Nodes;
using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Tests.Templates;

public sealed class TemplateParserTests
{
    private static JsonNode? Value(string yaml)
    {
        var template = TemplateParser.Parse("Resources:\n  R:\n    Type: AWS::SNS::Topic\n    Properties:\n      V: " + yaml + "\n");
        return template.Resources["R"].Properties!["V"];
    }

    private static string Json(string yaml) => Value(yaml)!.ToJsonString();

    [Theory]
    [InlineData("!Ref Vpc", """{"Ref":"Vpc"}""")]
    [InlineData("!Sub '${AWS::StackName}-x'", """{"Fn::Sub":"${AWS::StackName}-x"}""")]
    [InlineData("!GetAtt Db.Endpoint.Address", """{"Fn::GetAtt":["Db","Endpoint.Address"]}""")]
    [InlineData("!GetAtt [Db, Endpoint.Port]", """{"Fn::GetAtt":["Db","Endpoint.Port"]}""")]
    [InlineData("!If [IsProd, 2, 1]", """{"Fn::If":["IsProd",2,1]}""")]
    [InlineData("!Equals [!Ref Tier, prod]", """{"Fn::Equals":[{"Ref":"Tier"},"prod"]}""")]
    [InlineData("!Not [!Condition IsProd]", """{"Fn::Not":[{"Condition":"IsProd"}]}""")]
    [InlineData("!And [!Condition A, !Condition B]", """{"Fn::And":[{"Condition":"A"},{"Condition":"B"}]}""")]
    [InlineData("!Or [!Condition A, !Condition B]", """{"Fn::Or":[{"Condition":"A"},{"Condition":"B"}]}""")]
    [InlineData("!Condition IsProd", """{"Condition":"IsProd"}""")]
    [InlineData("!Select [0, !GetAZs '']", """{"Fn::Select":[0,{"Fn::GetAZs":""}]}""")]
    [InlineData("!GetAZs us-west-2", """{"Fn::GetAZs":"us-west-2"}""")]
    [InlineData("!Join [',', [a, b]]", """{"Fn::Join":[",",["a","b"]]}""")]
    [InlineData("!Split [',', 'a,b']", """{"Fn::Split":[",","a,b"]}""")]
    [InlineData("!FindInMap [Sizes, !Ref Tier, Count]", """{"Fn::FindInMap":["Sizes",{"Ref":"Tier"},"Count"]}""")]
    [InlineData("!Cidr [!Ref VpcCidr, 6, 8]", """{"Fn::Cidr":[{"Ref":"VpcCidr"},6,8]}""")]
    [InlineData("!ImportValue shared-vpc", """{"Fn::ImportValue":"shared-vpc"}""")]
    [InlineData("!Base64 hello", """{"Fn::Base64":"hello"}""")]
    public void Parse_ShortForm_BecomesCanonicalJson(string yaml, string expected) => Json(yaml).ShouldBe(expected);

    [Fact]
    public void Parse_SubWithVariableMap_BecomesStringAndMap() =>
        Json("!Sub ['${Name}-${AWS::Region}', {Name: !Ref Env}]").ShouldBe("""{"Fn::Sub":["${Name}-${AWS::Region}",{"Name":{"Ref":"Env"}}]}""");

    [Fact]
    public void Parse_NestedShortFormsInBlockStyle_AreExpandedAtEveryLevel()
    {
        const string Yaml = """
            Resources:
              R:
                Type: AWS::SNS::Topic
                Properties:
                  V: !If
                    - IsProd
                    - !Join
                      - '-'
                      - - !Select [0, !Split ['/', !Ref Path]]
                        - !Base64
                          Fn::Sub: x${AWS::Region}
                    - !Ref AWS::NoValue
            """;
        var value = TemplateParser.Parse(Yaml).Resources["R"].Properties!["V"]!.ToJsonString();
        value.ShouldBe("""{"Fn::If":["IsProd",{"Fn::Join":["-",[{"Fn::Select":[0,{"Fn::Split":["/",{"Ref":"Path"}]}]},{"Fn::Base64":{"Fn::Sub":"x${AWS::Region}"}}]]},{"Ref":"AWS::NoValue"}]}""");
    }

    [Theory]
    [InlineData("42", "42")]
    [InlineData("-3.5", "-3.5")]
    [InlineData("8.0", "8.0")]
    [InlineData("true", "true")]
    [InlineData("False", "false")]
    [InlineData("'42'", "\"42\"")]
    [InlineData("\"true\"", "\"true\"")]
    [InlineData("yes", "\"yes\"")]
    [InlineData("012", "\"012\"")]
    [InlineData("1.2.3", "\"1.2.3\"")]
    [InlineData("0.0.0.0/0", "\"0.0.0.0/0\"")]
    [InlineData("1e3", "1e3")]
    [InlineData("0x1F", "\"0x1F\"")]
    [InlineData(".inf", "\".inf\"")]
    [InlineData("!!str 5", "\"5\"")]
    public void Parse_Scalars_KeepNumbersAndBooleansAndEverythingElseAsStrings(string yaml, string expected) => Json(yaml).ShouldBe(expected);

    [Fact]
    public void Parse_ShortFormOnNumberScalar_KeepsTextAsString() => Json("!Ref 5").ShouldBe("""{"Ref":"5"}""");

    [Fact]
    public void Parse_JsonTemplate_GivesSameModelAsYaml()
    {
        const string Json = """
            { "Parameters": { "Env": { "Type": "String", "Default": "dev" } },
              "Resources": { "Topic": { "Type": "AWS::SNS::Topic", "Properties": { "TopicName": { "Fn::Sub": "${Env}-t" } } } } }
            """;
        var template = TemplateParser.Parse(Json);
        template.Parameters["Env"].Default.ShouldBe("dev");
        template.Resources["Topic"].Properties!["TopicName"]!.ToJsonString().ShouldBe("""{"Fn::Sub":"${Env}-t"}""");
    }

    [Fact]
    public void Parse_BrokenYaml_ThrowsWithLineAndColumn()
    {
        var ex = Should.Throw<TemplateParseException>(() => TestTemplates.Load("broken-syntax.yaml"));
        ex.Line.ShouldBeGreaterThanOrEqualTo(5);
    }

    [Fact]
    public void Parse_DuplicateKey_ThrowsWithItsLine()
    {
        var ex = Should.Throw<TemplateParseException>(() => TemplateParser.Parse("Resources:\n  A:\n    Type: X\n  A:\n    Type: Y\n"));
        (ex.Line, ex.Column).ShouldBe((4, 3));
        ex.Message.ShouldContain("Duplicate key 'A'");
    }

    [Fact]
    public void Parse_UnknownTag_ThrowsWithItsLine()
    {
        var ex = Should.Throw<TemplateParseException>(() => TemplateParser.Parse("Resources:\n  A:\n    Type: !Reff X\n"));
        ex.Line.ShouldBe(3);
        ex.Message.ShouldContain("!Reff");
    }

    [Fact]
    public void Parse_BrokenJson_ThrowsWithLine()
    {
        var ex = Should.Throw<TemplateParseException>(() => TemplateParser.Parse("{\n \"Resources\": {\n  \"A\": ,\n }\n}"));
        ex.Line.ShouldBe(3);
    }

    [Fact]
    public void Parse_ByteOrderMarkAndCrLf_AreAccepted() =>
        TemplateParser.Parse("\uFEFFResources:\r\n  A:\r\n    Type: AWS::SNS::Topic\r\n").Resources["A"].Type.ShouldBe("AWS::SNS::Topic");

    [Fact]
    public void Parse_TwoShortFormsOnOneNode_IsAParseError() =>
        Should.Throw<TemplateParseException>(() => TemplateParser.Parse("Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties:\n      V: !Base64 !Sub x\n")).Line.ShouldBe(5);

    [Fact]
    public void Parse_TopLevelList_Throws() =>
        Should.Throw<TemplateParseException>(() => TemplateParser.Parse("- a\n- b\n"));

    [Fact]
    public void Parse_AnchorsAndAliases_AreCopied()
    {
        var template = TemplateParser.Parse("Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties: &p\n      TopicName: t\n  B:\n    Type: AWS::SNS::Topic\n    Properties: *p\n");
        template.Resources["B"].Properties!["TopicName"]!.GetValue<string>().ShouldBe("t");
    }

    [Fact]
    public void Parse_RealisticTemplate_ExposesTypedModel()
    {
        var template = TestTemplates.Load("valid-vpc-rds.yaml");

        template.Description.ShouldStartWith("VPC with two");
        template.Parameters.Keys.ShouldBe(["EnvironmentName", "VpcCidr", "DbInstanceClass", "DbAllocatedStorage", "MultiAz"]);
        var storage = template.Parameters["DbAllocatedStorage"];
        (storage.Type.IsNumber, storage.Default, storage.MinValue, storage.MaxValue).ShouldBe((true, "20", 20m, 1000m));
        template.Parameters["DbInstanceClass"].AllowedValues!.ShouldBe(["db.t3.micro", "db.t3.medium", "db.r6g.large"]);
        template.Parameters["EnvironmentName"].ConstraintDescription.ShouldNotBeNull();
        template.Conditions.Keys.ShouldBe(["IsMultiAz"]);
        var db = template.Resources["Database"];
        (db.Type, db.DeletionPolicy, db.UpdateReplacePolicy).ShouldBe(("AWS::RDS::DBInstance", "Snapshot", "Snapshot"));
        template.Resources["PublicRoute"].DependsOn.ShouldBe(["GatewayAttachment"]);
        template.Outputs["VpcId"].ExportName!.ToJsonString().ShouldBe("""{"Fn::Sub":"${AWS::StackName}-VpcId"}""");
        template.Outputs["DatabaseSecret"].Condition.ShouldBe("IsMultiAz");
        template.Interface!.ParameterGroups.Select(g => g.Label).ShouldBe(["Network", "Database"]);
        template.Interface.ParameterGroups[1].Parameters.ShouldBe(["DbInstanceClass", "DbAllocatedStorage", "MultiAz"]);
        template.Interface.ParameterLabels["VpcCidr"].ShouldBe("VPC CIDR block");
    }

    [Theory]
    [InlineData("String", false, "String", false)]
    [InlineData("Number", false, "Number", false)]
    [InlineData("CommaDelimitedList", true, "String", false)]
    [InlineData("List<Number>", true, "Number", false)]
    [InlineData("AWS::EC2::VPC::Id", false, "AWS::EC2::VPC::Id", false)]
    [InlineData("List<AWS::EC2::Subnet::Id>", true, "AWS::EC2::Subnet::Id", false)]
    [InlineData("AWS::SSM::Parameter::Value<String>", false, "String", true)]
    [InlineData("AWS::SSM::Parameter::Value<List<AWS::EC2::Image::Id>>", true, "AWS::EC2::Image::Id", true)]
    public void ParameterType_Parse_DecomposesListsAndSsm(string name, bool isList, string itemType, bool isSsm) =>
        CfnParameterType.Parse(name).ShouldBe(new CfnParameterType(name, isList, itemType, isSsm));
}
