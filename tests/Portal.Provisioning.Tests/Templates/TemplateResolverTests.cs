using System.Text.Json.Nodes;
using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Tests.Templates;

public sealed class TemplateResolverTests
{
    private static readonly StackContext Stack = new("dev-shop", "us-east-1", "111122223333");

    private static ResolvedTemplate Resolve(string yaml, Dictionary<string, string>? parameters = null, StackContext? stack = null) =>
        TemplateResolver.Resolve(TemplateParser.Parse(yaml), parameters ?? [], stack ?? Stack);

    /// <summary>Resolves the value <paramref name="expression"/> as property V of a topic, with the given extra template sections.</summary>
    private static JsonNode? Value(string expression, string sections = "", Dictionary<string, string>? parameters = null, StackContext? stack = null)
    {
        var yaml = sections + "\nResources:\n  Other:\n    Type: AWS::SNS::Topic\n  R:\n    Type: AWS::SNS::Topic\n    Properties:\n      V: " + expression + "\n";
        return Resolve(yaml, parameters, stack).Resources["R"].Properties["V"];
    }

    private static string Json(JsonNode? node) => node?.ToJsonString() ?? "null";

    private const string TierParameter = "Parameters:\n  Tier:\n    Type: String\n    Default: dev\n  Subnets:\n    Type: CommaDelimitedList\n    Default: 'a, b,c'\n";

    [Fact]
    public void Resolve_RefToParameter_UsesGivenValueOrDefault()
    {
        Json(Value("!Ref Tier", TierParameter)).ShouldBe("\"dev\"");
        Json(Value("!Ref Tier", TierParameter, new() { ["Tier"] = "prod" })).ShouldBe("\"prod\"");
    }

    [Fact]
    public void Resolve_RefToListParameter_GivesTrimmedArray() =>
        Json(Value("!Ref Subnets", TierParameter)).ShouldBe("""["a","b","c"]""");

    [Theory]
    [InlineData("AWS::Region", "\"us-east-1\"")]
    [InlineData("AWS::AccountId", "\"111122223333\"")]
    [InlineData("AWS::StackName", "\"dev-shop\"")]
    [InlineData("AWS::Partition", "\"aws\"")]
    [InlineData("AWS::URLSuffix", "\"amazonaws.com\"")]
    [InlineData("AWS::NotificationARNs", "[]")]
    public void Resolve_RefToPseudoParameter_UsesStackContext(string name, string expected) =>
        Json(Value("!Ref " + name)).ShouldBe(expected);

    [Fact]
    public void Resolve_SsmParameterType_UsesStoredValueWhenKnown()
    {
        const string Sections = "Parameters:\n  Ami:\n    Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>\n    Default: /aws/ami\n";
        Json(Value("!Ref Ami", Sections)).ShouldBe("\"/aws/ami\"");
        Json(Value("!Ref Ami", Sections, stack: Stack with { SsmParameterValues = new Dictionary<string, string> { ["/aws/ami"] = "ami-123" } })).ShouldBe("\"ami-123\"");
    }

    [Fact]
    public void Resolve_StackId_DefaultsToArnOfStack() =>
        Value("!Ref AWS::StackId")!.GetValue<string>().ShouldStartWith("arn:aws:cloudformation:us-east-1:111122223333:stack/dev-shop/");

    [Fact]
    public void Resolve_ChinaRegion_UsesItsPartitionAndSuffix() =>
        Json(Value("!Sub '${AWS::Partition} ${AWS::URLSuffix}'", stack: Stack with { Region = "cn-north-1" })).ShouldBe("\"aws-cn amazonaws.com.cn\"");

    [Fact]
    public void Resolve_WhenConditionFalse_DropsResourceAndOutput()
    {
        const string Yaml = TierParameter + """
            Conditions:
              IsProd: !Equals [!Ref Tier, prod]
            Resources:
              Always:
                Type: AWS::SNS::Topic
              ProdOnly:
                Type: AWS::SNS::Topic
                Condition: IsProd
            Outputs:
              ProdTopic:
                Condition: IsProd
                Value: !Ref ProdOnly
              Topic:
                Value: !Ref Always
            """;
        var dev = Resolve(Yaml);
        dev.Resources.Keys.ShouldBe(["Always"]);
        dev.Outputs.Keys.ShouldBe(["Topic"]);
        dev.Conditions["IsProd"].ShouldBeFalse();

        var prod = Resolve(Yaml, new() { ["Tier"] = "prod" });
        prod.Resources.Keys.ShouldBe(["Always", "ProdOnly"]);
        prod.Outputs.Keys.ShouldBe(["ProdTopic", "Topic"]);
    }

    [Theory]
    [InlineData("dev", false, true, true, false)]
    [InlineData("prod", true, false, true, true)]
    [InlineData("staging", false, false, false, false)]
    public void Resolve_ConditionFunctions_Evaluate(string tier, bool isProd, bool isDev, bool devOrProd, bool prodAndNotDev)
    {
        var yaml = TierParameter + """
            Conditions:
              IsProd: !Equals [!Ref Tier, prod]
              IsDev: !Equals [dev, !Ref Tier]
              DevOrProd: !Or [!Condition IsDev, !Condition IsProd]
              ProdAndNotDev: !And [!Condition IsProd, !Not [!Condition IsDev]]
            Resources:
              T:
                Type: AWS::SNS::Topic
            """;
        var conditions = Resolve(yaml, new() { ["Tier"] = tier }).Conditions;
        (conditions["IsProd"], conditions["IsDev"], conditions["DevOrProd"], conditions["ProdAndNotDev"]).ShouldBe((isProd, isDev, devOrProd, prodAndNotDev));
    }

    [Fact]
    public void Resolve_FnIf_PicksBranch()
    {
        const string Sections = TierParameter + "Conditions:\n  IsProd: !Equals [!Ref Tier, prod]\n";
        Json(Value("!If [IsProd, 3, 1]", Sections)).ShouldBe("1");
        Json(Value("!If [IsProd, 3, 1]", Sections, new() { ["Tier"] = "prod" })).ShouldBe("3");
    }

    [Fact]
    public void Resolve_FnIfWithNoValue_RemovesPropertyAndListItem()
    {
        const string Yaml = TierParameter + """
            Conditions:
              IsProd: !Equals [!Ref Tier, prod]
            Resources:
              R:
                Type: AWS::SNS::Topic
                Properties:
                  Removed: !If [IsProd, x, !Ref AWS::NoValue]
                  Plain: !Ref AWS::NoValue
                  Kept: y
                  List: [a, !If [IsProd, b, !Ref AWS::NoValue], c]
            """;
        Json(Resolve(Yaml).Resources["R"].Properties).ShouldBe("""{"Kept":"y","List":["a","c"]}""");
    }

    [Theory]
    [InlineData("!Select [1, [a, b, c]]", "\"b\"")]
    [InlineData("!Select ['0', !Ref Subnets]", "\"a\"")]
    [InlineData("!Join ['-', [x, !Ref Tier, !Ref AWS::Region]]", "\"x-dev-us-east-1\"")]
    [InlineData("!Join [',', !Ref Subnets]", "\"a,b,c\"")]
    [InlineData("!Join ['', []]", "\"\"")]
    [InlineData("!Split ['/', 'a/b//c']", """["a","b","","c"]""")]
    [InlineData("!Select [2, !Split [',', 'x,y,z']]", "\"z\"")]
    [InlineData("!FindInMap [Sizes, !Ref Tier, Count]", "1")]
    [InlineData("!FindInMap [Sizes, prod, Zones]", """["a","b"]""")]
    [InlineData("!Base64 'hello ${x}'", "\"aGVsbG8gJHt4fQ==\"")]
    [InlineData("!Base64 {'Fn::Sub': '${Tier}'}", "\"ZGV2\"")]
    [InlineData("!Sub '${Tier}-${AWS::Region}-${!Literal}'", "\"dev-us-east-1-${Literal}\"")]
    [InlineData("!Sub ['${Name}.${Tier}', {Name: !FindInMap [Sizes, prod, Count]}]", "\"3.dev\"")]
    [InlineData("!Sub '${Subnets}'", "\"a,b,c\"")]
    public void Resolve_Intrinsic_Evaluates(string expression, string expected)
    {
        const string Sections = TierParameter + "Mappings:\n  Sizes:\n    dev: {Count: 1}\n    prod: {Count: 3, Zones: [a, b]}\n";
        Json(Value(expression, Sections)).ShouldBe(expected);
    }

    [Theory]
    [InlineData("us-east-1", """["us-east-1a","us-east-1b","us-east-1c","us-east-1d","us-east-1e","us-east-1f"]""")]
    [InlineData("us-west-2", """["us-west-2a","us-west-2b","us-west-2c","us-west-2d"]""")]
    [InlineData("eu-west-1", """["eu-west-1a","eu-west-1b","eu-west-1c"]""")]
    public void Resolve_GetAZs_ListsZonesOfStackRegion(string region, string expected) =>
        Json(Value("!GetAZs ''", stack: Stack with { Region = region })).ShouldBe(expected);

    [Fact]
    public void Resolve_GetAZsWithRegion_UsesThatRegion() =>
        Json(Value("!Select [3, !GetAZs us-west-2]")).ShouldBe("\"us-west-2d\"");

    [Theory]
    [InlineData("10.0.0.0/16", 4, 8, "10.0.0.0/24,10.0.1.0/24,10.0.2.0/24,10.0.3.0/24")]
    [InlineData("10.20.0.0/16", 3, 12, "10.20.0.0/20,10.20.16.0/20,10.20.32.0/20")]
    [InlineData("192.168.1.0/24", 4, 6, "192.168.1.0/26,192.168.1.64/26,192.168.1.128/26,192.168.1.192/26")]
    [InlineData("10.1.2.3/16", 2, 14, "10.1.0.0/18,10.1.64.0/18")]
    [InlineData("172.16.0.0/12", 2, 16, "172.16.0.0/16,172.17.0.0/16")]
    [InlineData("2600:1f18:abc:de00::/56", 3, 64, "2600:1f18:abc:de00::/64,2600:1f18:abc:de01::/64,2600:1f18:abc:de02::/64")]
    [InlineData("10.0.0.0/28", 16, 0, "10.0.0.0/32,10.0.0.1/32,10.0.0.2/32,10.0.0.3/32,10.0.0.4/32,10.0.0.5/32,10.0.0.6/32,10.0.0.7/32,10.0.0.8/32,10.0.0.9/32,10.0.0.10/32,10.0.0.11/32,10.0.0.12/32,10.0.0.13/32,10.0.0.14/32,10.0.0.15/32")]
    public void Resolve_Cidr_CarvesConsecutiveSubnets(string block, int count, int bits, string expected)
    {
        var result = Value($"!Cidr ['{block}', {count}, {bits}]")!.AsArray().Select(n => n!.GetValue<string>());
        string.Join(',', result).ShouldBe(expected);
    }

    [Fact]
    public void Resolve_CidrFromParameterWithStringArguments_Evaluates() =>
        Json(Value("!Select [5, !Cidr [!Ref Block, '6', '8']]", "Parameters:\n  Block:\n    Type: String\n    Default: 10.30.0.0/16\n"))
            .ShouldBe("\"10.30.5.0/24\"");

    [Theory]
    [InlineData("!Cidr ['10.0.0.0/24', 5, 6]")]
    [InlineData("!Cidr ['10.0.0.0/24', 1, 9]")]
    [InlineData("!Cidr ['not-an-ip', 1, 8]")]
    public void Resolve_CidrThatDoesNotFit_Throws(string expression) =>
        Should.Throw<TemplateResolveException>(() => Value(expression)).Message.ShouldContain("Fn::Cidr");

    [Fact]
    public void Resolve_ReferencesToResources_StayUnresolved()
    {
        Json(Value("!Ref Other")).ShouldBe("""{"Ref":"Other"}""");
        Json(Value("!GetAtt Other.TopicArn")).ShouldBe("""{"Fn::GetAtt":["Other","TopicArn"]}""");
        Json(Value("!Sub '${AWS::Region}:${Other}:${Other.TopicName}:${!x}'")).ShouldBe("""{"Fn::Sub":"us-east-1:${Other}:${Other.TopicName}:${!x}"}""");
        Json(Value("!Join [':', [!Ref AWS::Region, !Ref Other]]")).ShouldBe("""{"Fn::Join":[":",["us-east-1",{"Ref":"Other"}]]}""");
        Json(Value("!Sub ['${A}-${B}', {A: !Ref Other, B: !Ref AWS::Region}]")).ShouldBe("""{"Fn::Sub":["${A}-us-east-1",{"A":{"Ref":"Other"}}]}""");
    }

    [Fact]
    public void ResolveResourceProperties_WithResourceValues_FillsReferences()
    {
        const string Yaml = """
            Resources:
              Topic:
                Type: AWS::SNS::Topic
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  Name: !Ref Topic
                  Arn: !GetAtt Topic.TopicArn
                  Text: !Sub '${Topic}|${Topic.TopicArn}|${AWS::Region}'
                  Joined: !Join ['/', [!Ref Topic, x]]
                  Encoded: !Base64 {Ref: Topic}
            Outputs:
              Arn:
                Value: !GetAtt Topic.TopicArn
            """;
        var resolved = Resolve(Yaml);
        var values = new ResourceValues(
            new Dictionary<string, string> { ["Topic"] = "topic-1" },
            new Dictionary<string, IReadOnlyDictionary<string, JsonNode?>> { ["Topic"] = new Dictionary<string, JsonNode?> { ["TopicArn"] = JsonValue.Create("arn:t") } });

        Json(resolved.ResolveResourceProperties("Queue", values))
            .ShouldBe("""{"Name":"topic-1","Arn":"arn:t","Text":"topic-1|arn:t|us-east-1","Joined":"topic-1/x","Encoded":"dG9waWMtMQ=="}""");
        Json(resolved.ResolveOutputValue("Arn", values)).ShouldBe("\"arn:t\"");
    }

    [Fact]
    public void Resolve_GetAttDottedLongForm_IsAReferenceAndADependency()
    {
        var resolved = Resolve("Resources:\n  A:\n    Type: AWS::SNS::Topic\n  B:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: {'Fn::GetAtt': A.TopicName}\n");
        Json(resolved.Resources["B"].Properties["TopicName"]).ShouldBe("""{"Fn::GetAtt":["A","TopicName"]}""");
        resolved.Graph.DependenciesOf("B").ShouldBe(["A"]);
    }

    [Fact]
    public void ResolveResourceProperties_WhenResourceValueMissing_Throws()
    {
        var resolved = Resolve("Resources:\n  A:\n    Type: AWS::SNS::Topic\n  B:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref A\n");
        Should.Throw<TemplateResolveException>(() => resolved.ResolveResourceProperties("B", new ResourceValues(new Dictionary<string, string>())));
    }

    [Fact]
    public void Resolve_MissingParameterWithoutDefault_Throws() =>
        Should.Throw<TemplateResolveException>(() => Resolve("Parameters:\n  P:\n    Type: String\nResources:\n  A:\n    Type: AWS::SNS::Topic\n"))
            .Message.ShouldContain("Parameters.P");

    [Fact]
    public void Resolve_RefToResourceDroppedByCondition_Throws()
    {
        const string Yaml = """
            Conditions:
              Never: !Equals [a, b]
            Resources:
              A:
                Type: AWS::SNS::Topic
                Condition: Never
              B:
                Type: AWS::SNS::Topic
                Properties:
                  TopicName: !Ref A
            """;
        Should.Throw<TemplateResolveException>(() => Resolve(Yaml)).Message.ShouldContain("condition is false");
    }

    [Fact]
    public void Resolve_DependencyGraph_FollowsRefGetAttSubAndDependsOn()
    {
        const string Yaml = """
            Resources:
              Vpc:
                Type: AWS::EC2::VPC
              Subnet:
                Type: AWS::EC2::Subnet
                Properties:
                  VpcId: !Ref Vpc
              Group:
                Type: AWS::EC2::SecurityGroup
                Properties:
                  GroupDescription: !Sub '${Vpc.CidrBlock}'
              Db:
                Type: AWS::RDS::DBInstance
                DependsOn: Topic
                Properties:
                  VPCSecurityGroups: [!GetAtt Group.GroupId]
                  DBSubnetGroupName: !Ref Subnet
              Topic:
                Type: AWS::SNS::Topic
            """;
        var graph = Resolve(Yaml).Graph;
        graph.DependenciesOf("Db").ShouldBe(["Group", "Subnet", "Topic"], ignoreOrder: true);
        graph.DependenciesOf("Group").ShouldBe(["Vpc"]);
        graph.Levels.Select(l => string.Join(",", l)).ShouldBe(["Vpc,Topic", "Subnet,Group", "Db"]);
        graph.CreationOrder.ShouldBe(["Vpc", "Topic", "Subnet", "Group", "Db"]);
        graph.DependentsOf("Vpc").ShouldBe(["Subnet", "Group"]);
        graph.ReadyToCreate(new HashSet<string> { "Vpc" }).ShouldBe(["Topic", "Subnet", "Group"]);
    }

    [Fact]
    public void Resolve_DependencyGraph_IgnoresEdgesRemovedByConditions()
    {
        const string Yaml = """
            Conditions:
              Never: !Equals [a, b]
            Resources:
              A:
                Type: AWS::SNS::Topic
                Condition: Never
              B:
                Type: AWS::SNS::Topic
              C:
                Type: AWS::SNS::Topic
                DependsOn: A
                Properties:
                  TopicName: !If [Never, !Ref A, !Ref B]
            """;
        var graph = Resolve(Yaml).Graph;
        graph.DependenciesOf("C").ShouldBe(["B"]);
        graph.Levels.Count.ShouldBe(2);
    }

    [Fact]
    public void Resolve_Cycle_ThrowsNamingTheCycle()
    {
        var ex = Should.Throw<DependencyCycleException>(() => TemplateResolver.Resolve(TestTemplates.Load("broken-cycle.yaml"), new Dictionary<string, string>(), Stack));
        ex.Cycle.ShouldBe(["A", "B", "C", "A"]);
        ex.Message.ShouldContain("A -> B -> C -> A");
    }

    [Fact]
    public void DependencyGraph_SelfReference_IsACycle() =>
        Should.Throw<DependencyCycleException>(() => DependencyGraph.Build(["A"], _ => ["A"])).Cycle.ShouldBe(["A", "A"]);

    [Fact]
    public void Resolve_RealisticTemplate_ResolvesParametersAndKeepsResourceReferences()
    {
        var resolved = TemplateResolver.Resolve(TestTemplates.Load("valid-vpc-rds.yaml"), new Dictionary<string, string> { ["EnvironmentName"] = "shop" }, Stack);

        var subnet = resolved.Resources["PrivateSubnetB"].Properties;
        Json(subnet["CidrBlock"]).ShouldBe("\"10.20.3.0/24\"");
        Json(subnet["AvailabilityZone"]).ShouldBe("\"us-east-1b\"");
        Json(resolved.Resources["Vpc"].Properties["Tags"]![0]!["Value"]).ShouldBe("\"shop-vpc\"");
        var db = resolved.Resources["Database"].Properties;
        Json(db["MultiAZ"]).ShouldBe("false");
        db.ContainsKey("BackupRetentionPeriod").ShouldBeFalse();
        Json(db["AllocatedStorage"]).ShouldBe("\"20\"");
        resolved.Outputs.Keys.ShouldBe(["VpcId", "DatabaseEndpoint", "DatabaseUrl"]);
        Json(resolved.Outputs["VpcId"].ExportName).ShouldBe("\"dev-shop-VpcId\"");
        resolved.Graph.Levels[0].ShouldBe(["Vpc", "InternetGateway"]);
        resolved.Graph.CreationOrder.Last().ShouldBe("Database");
    }
}
