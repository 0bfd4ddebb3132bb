using Portal.Provisioning.Aws.Credentials;

namespace Portal.Provisioning.Tests.Aws;

public sealed class DefaultChainCredentialsSourceTests
{
    [Fact]
    public async Task EnvironmentCredentials_AreFoundByTheSdksDefaultChain()
    {
        string[] names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];
        var saved = names.ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDFROMENVIRONMENT");
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "secret-from-environment");
            Environment.SetEnvironmentVariable("AWS_SESSION_TOKEN", "token-from-environment");

            var credentials = await new DefaultChainCredentialsSource().GetCredentialsAsync(CancellationToken.None);

            credentials.AccessKey.ShouldBe("AKIDFROMENVIRONMENT");
            credentials.SecretKey.ShouldBe("secret-from-environment");
            credentials.Token.ShouldBe("token-from-environment");
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
