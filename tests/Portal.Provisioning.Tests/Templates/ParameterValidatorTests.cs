using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Tests.Templates;

public sealed class ParameterValidatorTests
{
    private static readonly CfnTemplate Template = TemplateParser.Parse("""
        Parameters:
          Name:
            Type: String
            AllowedPattern: "[a-z]+"
            MinLength: 3
            MaxLength: 8
          Described:
            Type: String
            Default: abc
            AllowedPattern: "[a-z]+"
            ConstraintDescription: lower-case letters only
          Size:
            Type: String
            Default: small
            AllowedValues: [small, large]
          Count:
            Type: Number
            Default: 2
            MinValue: 1
            MaxValue: 10
          Ports:
            Type: List<Number>
            Default: "80,443"
          Zones:
            Type: CommaDelimitedList
            Default: a,b
            AllowedValues: [a, b, c]
          Vpc:
            Type: AWS::EC2::VPC::Id
            Default: vpc-0abc
          Subnets:
            Type: List<AWS::EC2::Subnet::Id>
            Default: subnet-01,subnet-02
          Image:
            Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
            Default: /aws/service/ami
        Resources:
          T:
            Type: AWS::SNS::Topic
        """);

    private static IReadOnlyList<ParameterError> Validate(params (string Name, string Value)[] values) =>
        ParameterValidator.Validate(Template, values.ToDictionary(v => v.Name, v => v.Value));

    private static string SingleMessage(string name, string value)
    {
        var values = new Dictionary<string, string> { ["Name"] = "valid" };
        values[name] = value;
        return ParameterValidator.Validate(Template, values).ShouldHaveSingleItem().Message;
    }

    [Fact]
    public void Validate_AllValid_HasNoErrors() => Validate(("Name", "shop")).ShouldBeEmpty();

    [Fact]
    public void Validate_MissingParameterWithoutDefault_IsRequired() =>
        Validate().ShouldHaveSingleItem().ShouldBe(new ParameterError("Name", "Name is required."));

    [Fact]
    public void Validate_UnknownParameter_IsReported() =>
        Validate(("Name", "shop"), ("Colour", "red")).ShouldHaveSingleItem().Parameter.ShouldBe("Colour");

    [Fact]
    public void Validate_AllowedPattern_MatchesWholeValue()
    {
        SingleMessage("Name", "shop1").ShouldContain("must match the pattern [a-z]+");
        Validate(("Name", "shop")).ShouldBeEmpty();
    }

    [Fact]
    public void Validate_ConstraintDescription_IsUsedWhenPresent() =>
        SingleMessage("Described", "ABC").ShouldBe("Described: lower-case letters only");

    [Theory]
    [InlineData("ab", "at least 3 characters")]
    [InlineData("abcdefghi", "at most 8 characters")]
    public void Validate_Length_IsChecked(string value, string expected) => SingleMessage("Name", value).ShouldContain(expected);

    [Fact]
    public void Validate_AllowedValues_AreChecked() => SingleMessage("Size", "medium").ShouldContain("one of: small, large");

    [Theory]
    [InlineData("two", "must be a number")]
    [InlineData("0", "at least 1")]
    [InlineData("11", "at most 10")]
    public void Validate_Number_IsCheckedForTypeAndRange(string value, string expected) => SingleMessage("Count", value).ShouldContain(expected);

    [Fact]
    public void Validate_NumberList_ChecksEachItem()
    {
        SingleMessage("Ports", "80,http").ShouldContain("each item of Ports must be a number");
        Validate(("Name", "abc"), ("Ports", "80, 8080")).ShouldBeEmpty();
    }

    [Fact]
    public void Validate_CommaDelimitedList_ChecksEachItemAgainstAllowedValues()
    {
        SingleMessage("Zones", "a,d").ShouldContain("one of: a, b, c");
        Validate(("Name", "abc"), ("Zones", "a, c")).ShouldBeEmpty();
    }

    [Fact]
    public void Validate_AwsSpecificTypes_CheckIdFormat()
    {
        SingleMessage("Vpc", "subnet-1").ShouldContain("AWS::EC2::VPC::Id");
        SingleMessage("Subnets", "subnet-0a,vpc-1").ShouldContain("AWS::EC2::Subnet::Id");
    }

    [Fact]
    public void Validate_SsmParameterTypes_AcceptAnyParameterName() =>
        Validate(("Name", "abc"), ("Image", "/my/ami")).ShouldBeEmpty();
}
