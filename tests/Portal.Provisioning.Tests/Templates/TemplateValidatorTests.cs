using System.Diagnostics;
using Portal.Provisioning.Templates;
using static Portal.Provisioning.Templates.TemplateErrorCodes;

namespace Portal.Provisioning.Tests.Templates;

public sealed class TemplateValidatorTests
{
    private static IReadOnlyList<TemplateError> Validate(string file) => TemplateValidator.Default.Validate(TestTemplates.Load(file));

    private static IReadOnlyList<TemplateError> ValidateYaml(string yaml) => TemplateValidator.Default.Validate(TemplateParser.Parse(yaml));

    private static void ShouldReport(IReadOnlyList<TemplateError> errors, string code, string path) =>
        errors.ShouldContain(e => e.Code == code && e.Path == path, $"expected {code} at {path}; got:\n{string.Join("\n", errors)}");

    [Fact]
    public void Validate_RealisticVpcTemplate_IsClean() => Validate("valid-vpc-rds.yaml").ShouldBeEmpty();

    [Fact]
    public void Validate_UnknownResourceType_IsAnError()
    {
        var errors = Validate("broken-unknown-type.yaml");
        ShouldReport(errors, UnknownResourceType, "Resources.Thing.Type");
        errors.Single().IsWarning.ShouldBeFalse();
    }

    [Fact]
    public void Validate_ServerlessTypeWithTransform_IsOnlyAWarning()
    {
        const string Yaml = "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n";
        ValidateYaml(Yaml).ShouldHaveSingleItem().Code.ShouldBe(SchemaUnavailable);
        ShouldReport(ValidateYaml(Yaml.Replace("Transform: AWS::Serverless-2016-10-31\n", "", StringComparison.Ordinal)), UnknownResourceType, "Resources.F.Type");
    }

    [Fact]
    public void Validate_CustomResourceType_IsAccepted() =>
        ValidateYaml("Resources:\n  C:\n    Type: Custom::Seeder\n    Properties:\n      ServiceToken: arn:x\n      Anything: [1, 2]\n").ShouldBeEmpty();

    [Fact]
    public void Validate_KnownTypeWithoutSchema_IsOnlyAWarning()
    {
        var errors = Validate("broken-schemaless-type.yaml");
        ShouldReport(errors, SchemaUnavailable, "Resources.Gateway.Type");
        errors.ShouldAllBe(e => e.IsWarning);
    }

    [Fact]
    public void Validate_UnknownProperty_IsReportedWithSuggestion()
    {
        var error = Validate("broken-unknown-property.yaml").ShouldHaveSingleItem();
        (error.Code, error.Path).ShouldBe((UnknownProperty, "Resources.Vpc.Properties.EnableDnsHostname"));
    }

    [Fact]
    public void Validate_UnknownProperty_SuggestsTheNearestName() =>
        Validate("broken-unknown-property.yaml").Single().Message.ShouldContain("did you mean 'EnableDnsHostnames'?");

    [Fact]
    public void Validate_UnknownFunction_IsReported() =>
        ShouldReport(ValidateYaml("Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: {'Fn::Concat': [a, b]}\n"),
            UnknownFunction, "Resources.T.Properties.TopicName.Fn::Concat");

    [Fact]
    public void Validate_UnknownPropertyInsideListItemDefinition_IsReported()
    {
        var error = Validate("broken-unknown-nested-property.yaml").ShouldHaveSingleItem();
        (error.Code, error.Path).ShouldBe((UnknownProperty, "Resources.Group.Properties.SecurityGroupIngress[0].Cidr"));
    }

    [Fact]
    public void Validate_MistypedProperties_AreReported()
    {
        var errors = Validate("broken-mistyped-property.yaml");
        ShouldReport(errors, TypeMismatch, "Resources.Service.Properties.DesiredCount");
        ShouldReport(errors, TypeMismatch, "Resources.Service.Properties.EnableECSManagedTags");
        ShouldReport(errors, TypeMismatch, "Resources.Service.Properties.LoadBalancers");
        ShouldReport(errors, TypeMismatch, "Resources.Service.Properties.Tags");
        errors.Count.ShouldBe(4);
    }

    [Fact]
    public void Validate_CoercibleScalars_AreAccepted()
    {
        const string Yaml = """
            Resources:
              Service:
                Type: AWS::ECS::Service
                Properties:
                  DesiredCount: "2"
                  EnableECSManagedTags: "true"
                  ServiceName: 42
                  PlatformVersion: !Ref AWS::NoValue
                  LaunchType: !If [Never, EC2, FARGATE]
            Conditions:
              Never: !Equals [a, b]
            """;
        ValidateYaml(Yaml).ShouldBeEmpty();
    }

    [Fact]
    public void Validate_IntrinsicBranchesOfFnIf_AreCheckedAgainstSchema()
    {
        const string Yaml = """
            Conditions:
              Never: !Equals [a, b]
            Resources:
              Service:
                Type: AWS::ECS::Service
                Properties:
                  DesiredCount: !If [Never, 1, lots]
            """;
        ShouldReport(ValidateYaml(Yaml), TypeMismatch, "Resources.Service.Properties.DesiredCount");
    }

    [Fact]
    public void Validate_EnumValue_IsChecked() =>
        ShouldReport(ValidateYaml("Resources:\n  S:\n    Type: AWS::ECS::Service\n    Properties:\n      LaunchType: FARGATES\n"),
            InvalidValue, "Resources.S.Properties.LaunchType");

    [Fact]
    public void Validate_LiteralOutsideSchemaRange_IsReported()
    {
        const string Yaml = """
            Resources:
              Bucket:
                Type: AWS::S3::Bucket
                Properties:
                  BucketName: a-bucket-name-that-is-far-far-far-too-long-for-s3-to-accept-at-all
              Queue:
                Type: AWS::SQS::Queue
                Properties:
                  MessageRetentionPeriod: 30
                  DelaySeconds: "5"
            """;
        var errors = ValidateYaml(Yaml);
        ShouldReport(errors, ValueOutOfRange, "Resources.Bucket.Properties.BucketName");
        ShouldReport(errors, ValueOutOfRange, "Resources.Queue.Properties.MessageRetentionPeriod");
        errors.Count.ShouldBe(2);
    }

    [Fact]
    public void Validate_MissingRequiredProperties_AreReportedAtTopAndNestedLevel()
    {
        var errors = Validate("broken-missing-required.yaml");
        ShouldReport(errors, RequiredPropertyMissing, "Resources.Group.Properties.GroupDescription");
        ShouldReport(errors, RequiredPropertyMissing, "Resources.Group.Properties.SecurityGroupIngress[0].IpProtocol");
        errors.Count.ShouldBe(2);
    }

    [Fact]
    public void Validate_RequiredXor_NeedsExactlyOne()
    {
        const string Yaml = """
            Resources:
              G:
                Type: AWS::EC2::SecurityGroup
                Properties:
                  GroupDescription: g
                  SecurityGroupIngress:
                    - IpProtocol: tcp
                    - IpProtocol: tcp
                      CidrIp: 0.0.0.0/0
                      SourceSecurityGroupId: sg-1
                    - IpProtocol: tcp
                      CidrIp: !If [Never, 0.0.0.0/0, !Ref AWS::NoValue]
                      SourceSecurityGroupId: !If [Never, !Ref AWS::NoValue, sg-1]
            Conditions:
              Never: !Equals [a, b]
            """;
        var errors = ValidateYaml(Yaml);
        ShouldReport(errors, RequiredPropertyMissing, "Resources.G.Properties.SecurityGroupIngress[0]");
        ShouldReport(errors, ConflictingProperties, "Resources.G.Properties.SecurityGroupIngress[1].SourceSecurityGroupId");
        errors.Count.ShouldBe(2);
    }

    [Fact]
    public void Validate_DependentExcludedAndRequired_AreChecked()
    {
        const string Yaml = """
            Resources:
              S:
                Type: AWS::EC2::Subnet
                Properties:
                  VpcId: vpc-1
                  CidrBlock: 10.0.0.0/24
                  AvailabilityZone: us-east-1a
                  AvailabilityZoneId: use1-az1
              G:
                Type: AWS::EC2::SecurityGroup
                Properties:
                  GroupDescription: g
                  SecurityGroupEgress:
                    - IpProtocol: "-1"
                      CidrIp: 0.0.0.0/0
            """;
        var errors = ValidateYaml(Yaml);
        errors.ShouldContain(e => e.Code == ConflictingProperties && e.Path.StartsWith("Resources.S.Properties.AvailabilityZone", StringComparison.Ordinal));
        ShouldReport(errors, RequiredPropertyMissing, "Resources.G.Properties.VpcId");
        errors.Count.ShouldBe(2);
    }

    [Fact]
    public void Validate_ResourceWithoutPropertiesButRequiredOnes_IsReported() =>
        ShouldReport(ValidateYaml("Resources:\n  G:\n    Type: AWS::EC2::SecurityGroup\n"), RequiredPropertyMissing, "Resources.G.Properties.GroupDescription");

    [Fact]
    public void Validate_GetAttOfUnknownAttribute_IsReported_ButCustomResourcesAcceptAny()
    {
        var error = Validate("broken-getatt-attribute.yaml").ShouldHaveSingleItem();
        (error.Code, error.Path).ShouldBe((UnknownAttribute, "Outputs.Arn.Value.Fn::GetAtt"));
        error.Message.ShouldContain("VpcId");
    }

    [Fact]
    public void Validate_GetAttDottedLongForm_IsChecked() =>
        ShouldReport(ValidateYaml("Resources:\n  V:\n    Type: AWS::EC2::VPC\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: {'Fn::GetAtt': V.Nope}\n"),
            UnknownAttribute, "Resources.T.Properties.TopicName.Fn::GetAtt");

    [Fact]
    public void Validate_SubWithUnknownAttribute_IsReported() =>
        ShouldReport(ValidateYaml("Resources:\n  V:\n    Type: AWS::EC2::VPC\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub '${V.Nope}'\n"),
            UnknownAttribute, "Resources.T.Properties.TopicName.Fn::Sub");

    [Fact]
    public void Validate_ReferencesToUndefinedNames_AreReported()
    {
        var errors = Validate("broken-undefined-references.yaml");
        ShouldReport(errors, UndefinedReference, "Resources.Vpc.DependsOn");
        ShouldReport(errors, UndefinedReference, "Resources.Vpc.Properties.CidrBlock.Ref");
        ShouldReport(errors, UndefinedReference, "Resources.Vpc.Properties.Tags[0].Value.Fn::Sub");
        ShouldReport(errors, UndefinedReference, "Resources.Subnet.Properties.VpcId.Fn::GetAtt");
        errors.Count.ShouldBe(4);
    }

    [Fact]
    public void Validate_SubVariablesFromItsMap_AreNotReferences() =>
        ValidateYaml("Resources:\n  T:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Sub ['${X}-${AWS::Region}', {X: a}]\n")
            .ShouldBeEmpty();

    [Fact]
    public void Validate_UndefinedConditions_AreReported()
    {
        var errors = Validate("broken-undefined-condition.yaml");
        ShouldReport(errors, UndefinedCondition, "Conditions.IsBig.Fn::And[1].Condition");
        ShouldReport(errors, UndefinedCondition, "Resources.Vpc.Condition");
        ShouldReport(errors, UndefinedCondition, "Resources.Vpc.Properties.CidrBlock.Fn::If[0]");
        errors.Count.ShouldBe(3);
    }

    [Fact]
    public void Validate_ConditionReferringToResource_IsReported() =>
        ShouldReport(ValidateYaml("Conditions:\n  C: !Equals [!Ref T, x]\nResources:\n  T:\n    Type: AWS::SNS::Topic\n"),
            ResourceReferenceInCondition, "Conditions.C.Fn::Equals[0].Ref");

    [Fact]
    public void Validate_UnusedParameter_IsAWarning()
    {
        var error = Validate("broken-unused-parameter.yaml").ShouldHaveSingleItem();
        (error.Code, error.Path, error.IsWarning).ShouldBe((UnusedParameter, "Parameters.Unused", true));
    }

    [Fact]
    public void Validate_OutputReferencingNothing_IsAWarning()
    {
        var error = Validate("broken-output-without-reference.yaml").ShouldHaveSingleItem();
        (error.Code, error.Path, error.IsWarning).ShouldBe((OutputWithoutReference, "Outputs.Constant.Value", true));
    }

    [Fact]
    public void Validate_FindInMapToUnknownMapOrKey_IsReported()
    {
        var errors = Validate("broken-findinmap.yaml");
        ShouldReport(errors, UnknownMappingKey, "Resources.VpcA.Properties.CidrBlock.Fn::FindInMap[1]");
        ShouldReport(errors, UnknownMapping, "Resources.VpcB.Properties.CidrBlock.Fn::FindInMap[0]");
        ShouldReport(errors, UnknownMappingKey, "Resources.VpcC.Properties.CidrBlock.Fn::FindInMap[2]");
        errors.Count.ShouldBe(3);
    }

    [Fact]
    public void Validate_FindInMapWithParameterKey_IsNotCheckedLiterally() =>
        ValidateYaml("Parameters:\n  T:\n    Type: String\nMappings:\n  M:\n    dev: {C: 10.0.0.0/16}\nResources:\n  V:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: !FindInMap [M, !Ref T, C]\n")
            .ShouldBeEmpty();

    [Fact]
    public void Validate_Cycle_IsReportedNamingTheCycle()
    {
        var error = Validate("broken-cycle.yaml").ShouldHaveSingleItem();
        (error.Code, error.Path).ShouldBe((DependencyCycle, "Resources.A"));
        error.Message.ShouldContain("A -> B -> C -> A");
    }

    [Fact]
    public void Validate_BadParameterDefinitions_AreReported()
    {
        var errors = Validate("broken-parameters.yaml");
        ShouldReport(errors, InvalidParameterType, "Parameters.Size.Type");
        ShouldReport(errors, InvalidParameterDefault, "Parameters.Count.Default");
        errors.Count.ShouldBe(2);
    }

    [Fact]
    public void Validate_StructuralMistakes_AreReported()
    {
        const string Yaml = """
            Resource: {}
            Resources:
              A:
                Properties: {}
              B:
                Type: AWS::SNS::Topic
                DeletionPolicy: Keep
                Conditon: X
              C:
                Type: AWS::SNS::Topic
                Properties:
                  TopicName:
            """;
        var errors = ValidateYaml(Yaml);
        ShouldReport(errors, UnknownSection, "Resource");
        ShouldReport(errors, MissingResourceType, "Resources.A.Type");
        ShouldReport(errors, InvalidDeletionPolicy, "Resources.B.DeletionPolicy");
        ShouldReport(errors, UnknownResourceAttribute, "Resources.B.Conditon");
        ShouldReport(errors, NullValue, "Resources.C.Properties.TopicName");
    }

    [Fact]
    public void Validate_NonAlphanumericLogicalId_IsReported() =>
        ShouldReport(ValidateYaml("Resources:\n  my-topic:\n    Type: AWS::SNS::Topic\n"), InvalidLogicalId, "Resources.my-topic");

    [Fact]
    public void ValidateResolved_ListOutput_IsReported()
    {
        var template = TemplateParser.Parse("Resources:\n  T:\n    Type: AWS::SNS::Topic\nOutputs:\n  Zones:\n    Value: !GetAZs ''\n  Arn:\n    Value: !Ref T\n");
        var resolved = TemplateResolver.Resolve(template, new Dictionary<string, string>(), new StackContext("s"));

        var error = TemplateValidator.Default.ValidateResolved(resolved).ShouldHaveSingleItem();
        (error.Code, error.Path).ShouldBe((OutputNotString, "Outputs.Zones.Value"));
    }

    [Fact]
    public void Validate_NoResources_IsReported() =>
        ShouldReport(ValidateYaml("Description: empty\n"), NoResources, "Resources");

    [Fact]
    public void Validate_RealisticTemplate_TakesWellUnderFiftyMilliseconds()
    {
        var template = TestTemplates.Load("valid-vpc-rds.yaml");
        TemplateValidator.Default.Validate(template);

        var watch = Stopwatch.StartNew();
        const int Runs = 20;
        for (var i = 0; i < Runs; i++)
        {
            TemplateValidator.Default.Validate(template);
        }

        (watch.Elapsed.TotalMilliseconds / Runs).ShouldBeLessThan(50);
    }
}
