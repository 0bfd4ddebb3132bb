using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;

namespace Portal.Provisioning.Tests.Aws;

public sealed class ClientRequestTokensTests
{
    private static readonly Guid RequestId = Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301");

    [Fact]
    public void For_IsDeterministic_AndValid()
    {
        var token = ClientRequestTokens.For("CreateStack", RequestId);

        token.ShouldBe("portal-CreateStack-3f2504e04f8911d39a0c0305e82c3301");
        ClientRequestTokens.For("CreateStack", RequestId).ShouldBe(token);
        ClientRequestTokens.IsValid(token).ShouldBeTrue();
    }

    [Fact]
    public void For_DiffersByOperationAndRequest()
    {
        ClientRequestTokens.For("CreateStack", RequestId).ShouldNotBe(ClientRequestTokens.For("DeleteStack", RequestId));
        ClientRequestTokens.For("CreateStack", RequestId).ShouldNotBe(ClientRequestTokens.For("CreateStack", Guid.NewGuid()));
    }

    [Theory]
    [InlineData("update stack / retry #2")]
    [InlineData("____")]
    [InlineData("an-operation-name-that-goes-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on-and-on")]
    public void For_AnyOperationName_GivesAValidToken(string operation)
    {
        var token = ClientRequestTokens.For(operation, RequestId);

        ClientRequestTokens.IsValid(token).ShouldBeTrue(token);
        token.Length.ShouldBeLessThanOrEqualTo(128);
        token.ShouldEndWith("-3f2504e04f8911d39a0c0305e82c3301");
    }

    [Theory]
    [InlineData("-starts-with-dash", false)]
    [InlineData("has_underscore", false)]
    [InlineData("", false)]
    [InlineData("Console-CreateStack-7f59c3f3-1b2c", true)]
    public void IsValid_FollowsTheModelsPattern(string token, bool valid) =>
        ClientRequestTokens.IsValid(token).ShouldBe(valid);

    [Fact]
    public async Task Client_RefusesAMalformedToken_BeforeSendingAnything()
    {
        using var host = new AwsTestHost();

        await Should.ThrowAsync<ArgumentException>(() => host.CloudFormation().CreateStackAsync(
            new CreateStackRequest { StackName = "env-x", TemplateBody = "x", ClientRequestToken = "bad token!" }, CancellationToken.None));

        host.Handler.Requests.ShouldBeEmpty();
    }
}
