using Portal.Web.Components.Shared;

namespace Portal.Web.Tests.Components;

/// <summary>CloudFormation's codes as pages say them (session 17's screenshots showed IN_SYNC, NOT_EQUAL, CAPABILITY_IAM, "False").</summary>
public sealed class AwsTextTests
{
    [Theory]
    [InlineData("IN_SYNC", "In sync")]
    [InlineData("MODIFIED", "Changed")]
    [InlineData("DELETED", "Deleted")]
    [InlineData("NOT_CHECKED", "Not checked")]
    [InlineData("SOME_NEW_STATUS", "Some new status")]
    public void AResourcesDrift(string code, string words) => AwsText.ResourceDrift(code).ShouldBe(words);

    [Theory]
    [InlineData("NOT_EQUAL", "Different value")]
    [InlineData("ADD", "Added")]
    [InlineData("REMOVE", "Removed")]
    public void APropertysDifference(string code, string words) => AwsText.Difference(code).ShouldBe(words);

    [Theory]
    [InlineData("True", "Replaced")]
    [InlineData("False", "No")]
    [InlineData("Conditional", "Maybe (depends on the values)")]
    [InlineData(null, "—")]
    public void AChangesReplacement(string? code, string words) => AwsText.Replacement(code).ShouldBe(words);

    [Theory]
    [InlineData("CAPABILITY_IAM", "Creates IAM resources")]
    [InlineData("CAPABILITY_NAMED_IAM", "Creates named IAM resources")]
    [InlineData("CAPABILITY_AUTO_EXPAND", "Expands macros")]
    public void ATemplatesCapability(string code, string words) => AwsText.Capability(code).ShouldBe(words);
}
