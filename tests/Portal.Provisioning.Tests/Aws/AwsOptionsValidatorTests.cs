using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Aws.CostExplorer;
using Portal.Provisioning.Aws.Credentials;

namespace Portal.Provisioning.Tests.Aws;

public sealed class AwsOptionsValidatorTests
{
    private static AwsOptions Valid() => new()
    {
        Mode = AwsMode.Aws,
        DefaultRegion = "eu-west-1",
        Accounts =
        [
            new AwsAccountOptions
            {
                Id = "111111111111",
                Name = "nonprod",
                Tiers = ["dev", "staging"],
                AllowedRegions = ["eu-west-1", "eu-central-1"],
                CloudFormationServiceRole = "arn:aws:iam::111111111111:role/portal-cfn-exec",
                CidrPools = new() { ["eu-west-1"] = "10.64.0.0/12" },
            },
            new AwsAccountOptions
            {
                Id = "222222222222",
                Name = "prod",
                Tiers = ["prod"],
                RoleToAssume = "arn:aws:iam::222222222222:role/portal-deployer",
            },
        ],
    };

    private static IReadOnlyList<string> Failures(AwsOptions options) =>
        new AwsOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void ValidConfiguration_Passes() => Failures(Valid()).ShouldBeEmpty();

    [Theory]
    [InlineData("12345", "Aws:Accounts:0:Id must be 12 digits (got '12345').")]
    [InlineData("12345678901a", "Aws:Accounts:0:Id must be 12 digits (got '12345678901a').")]
    public void AccountId_MustBeTwelveDigits(string id, string message)
    {
        var options = Valid();
        options.Accounts[0].Id = id;
        options.Accounts[0].CloudFormationServiceRole = null;

        Failures(options).ShouldContain(message);
    }

    [Fact]
    public void DuplicateAccountIds_NameBothKeys()
    {
        var options = Valid();
        options.Accounts[1].Id = "111111111111";
        options.Accounts[1].RoleToAssume = null;

        Failures(options).ShouldContain("Aws:Accounts:1:Id 111111111111 duplicates Aws:Accounts:0:Id.");
    }

    [Fact]
    public void EveryTier_MustBeServed()
    {
        var options = Valid();
        options.Accounts[1].Tiers = ["staging"];

        Failures(options).ShouldContain("Aws:Accounts: no account serves tier 'prod'; add it to some Aws:Accounts:N:Tiers.");
    }

    [Fact]
    public void UnknownTier_IsNamed()
    {
        var options = Valid();
        options.Accounts[0].Tiers.Add("qa");

        Failures(options).ShouldContain("Aws:Accounts:0:Tiers:2 'qa' is not a tier (dev, staging, prod).");
    }

    [Fact]
    public void Regions_MustBeValid()
    {
        var options = Valid();
        options.DefaultRegion = "europe-west";
        options.Accounts[0].AllowedRegions[1] = "eu-central";

        var failures = Failures(options);

        failures.ShouldContain("Aws:DefaultRegion 'europe-west' is not a valid AWS region name (e.g. us-east-1).");
        failures.ShouldContain("Aws:Accounts:0:AllowedRegions:1 'eu-central' is not a valid AWS region name.");
    }

    [Theory]
    [InlineData("10.64.0.0/20", "Aws:Accounts:0:CidrPools:eu-west-1 '10.64.0.0/20' must be between /8 and /16 (got /20).")]
    [InlineData("10.0.0.0/7", "Aws:Accounts:0:CidrPools:eu-west-1 '10.0.0.0/7' must be between /8 and /16 (got /7).")]
    [InlineData("10.64.1.0/12", "Aws:Accounts:0:CidrPools:eu-west-1 '10.64.1.0/12' is not an IPv4 CIDR block with no host bits set (e.g. 10.0.0.0/12).")]
    [InlineData("banana", "Aws:Accounts:0:CidrPools:eu-west-1 'banana' is not an IPv4 CIDR block with no host bits set (e.g. 10.0.0.0/12).")]
    [InlineData("fd00::/8", "Aws:Accounts:0:CidrPools:eu-west-1 'fd00::/8' is not an IPv4 CIDR block with no host bits set (e.g. 10.0.0.0/12).")]
    public void CidrPools_MustParseAndBeSlash8ToSlash16(string cidr, string message)
    {
        var options = Valid();
        options.Accounts[0].CidrPools["eu-west-1"] = cidr;

        Failures(options).ShouldContain(message);
    }

    [Fact]
    public void CidrPool_ForARegionTheAccountMayNotUse_IsNamed()
    {
        var options = Valid();
        options.Accounts[0].CidrPools["us-east-1"] = "10.80.0.0/12";

        Failures(options).ShouldContain("Aws:Accounts:0:CidrPools:us-east-1: region 'us-east-1' is not in Aws:Accounts:0:AllowedRegions.");
    }

    [Fact]
    public void RoleArns_MustBeWellFormed_AndInTheSameAccount()
    {
        var options = Valid();
        options.Accounts[0].CloudFormationServiceRole = "arn:aws:iam::111111111111:user/not-a-role";
        options.Accounts[1].RoleToAssume = "arn:aws:iam::999999999999:role/portal-deployer";

        var failures = Failures(options);

        failures.ShouldContain("Aws:Accounts:0:CloudFormationServiceRole 'arn:aws:iam::111111111111:user/not-a-role' is not an IAM role ARN (arn:aws:iam::123456789012:role/name).");
        failures.ShouldContain("Aws:Accounts:1:RoleToAssume 'arn:aws:iam::999999999999:role/portal-deployer' is a role in account 999999999999, not 222222222222.");
    }

    [Fact]
    public void Sandbox_RequiresServiceUrls()
    {
        var options = Valid();
        options.Mode = AwsMode.Sandbox;

        var failures = Failures(options);

        failures.ShouldContain("Aws:ServiceUrls:CloudFormation is required when Aws:Mode is Sandbox.");
        failures.ShouldContain("Aws:ServiceUrls:CostExplorer is required when Aws:Mode is Sandbox.");
    }

    [Fact]
    public void ServiceUrls_MustBeAbsoluteAndHttpsAgainstAws()
    {
        var options = Valid();
        options.ServiceUrls.CloudFormation = "cloudformation.local";
        options.ServiceUrls.CostExplorer = "http://ce.internal";

        var failures = Failures(options);

        failures.ShouldContain("Aws:ServiceUrls:CloudFormation 'cloudformation.local' must be an absolute http(s) URL.");
        failures.ShouldContain("Aws:ServiceUrls:CostExplorer must use https when Aws:Mode is Aws.");
    }

    [Fact]
    public void RetrySettings_AreBounded()
    {
        var options = Valid();
        options.Retry.MaxRetryAttempts = 11;
        options.Retry.BaseDelay = TimeSpan.FromSeconds(10);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(5);

        var failures = Failures(options);

        failures.ShouldContain("Aws:Retry:MaxRetryAttempts must be between 0 and 10 (got 11).");
        failures.ShouldContain("Aws:Retry:MaxDelay must not be shorter than Aws:Retry:BaseDelay.");
    }

    [Fact]
    public void NoAccounts_IsRefused() =>
        Failures(new AwsOptions { Mode = AwsMode.Aws }).ShouldContain("Aws:Accounts must list at least one account.");

    [Fact]
    public void AddAwsClients_RefusesAMisconfiguredSection_NamingTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Aws:Mode"] = "Aws",
            ["Aws:Accounts:0:Id"] = "1234",
            ["Aws:Accounts:0:Name"] = "broken",
            ["Aws:Accounts:0:Tiers:0"] = "dev",
        }).Build();
        using var provider = new ServiceCollection().AddLogging().AddAwsClients(configuration).BuildServiceProvider();

        var ex = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AwsOptions>>().Value);

        ex.Failures.ShouldContain("Aws:Accounts:0:Id must be 12 digits (got '1234').");
        ex.Failures.ShouldContain("Aws:Accounts: no account serves tier 'prod'; add it to some Aws:Accounts:N:Tiers.");
    }

    [Fact]
    public void AddAwsClients_RegistersTheFactories()
    {
        using var host = new AwsTestHost();

        host.Services.GetRequiredService<ICloudFormationClientFactory>().ShouldNotBeNull();
        host.Services.GetRequiredService<ICostExplorerClientFactory>().ShouldNotBeNull();
        host.Services.GetRequiredService<AwsUsageTracker>().ShouldNotBeNull();
        var directory = host.Services.GetRequiredService<AwsAccountDirectory>();
        directory.ForTier("prod").Single().Id.ShouldBe("222222222222");
        directory.RegionsOf(directory.Get("222222222222")).ShouldBe(["eu-west-1"]);
        directory.ContextFor("111111111111").CloudFormationServiceRole.ShouldBe("arn:aws:iam::111111111111:role/portal-cfn-exec");
    }

    [Theory]
    [InlineData("Aws", typeof(DefaultChainCredentialsSource))]
    [InlineData("Sandbox", typeof(SandboxCredentialsSource))]
    public void Mode_SelectsTheCredentialSource(string mode, Type expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Aws:Mode"] = mode,
            ["Aws:ServiceUrls:CloudFormation"] = "https://localhost:5081/aws/cloudformation",
            ["Aws:ServiceUrls:CostExplorer"] = "https://localhost:5081/aws/ce",
            ["Aws:Accounts:0:Id"] = "000000000000",
            ["Aws:Accounts:0:Name"] = "sandbox",
            ["Aws:Accounts:0:Tiers:0"] = "dev",
            ["Aws:Accounts:0:Tiers:1"] = "staging",
            ["Aws:Accounts:0:Tiers:2"] = "prod",
        }).Build();
        using var provider = new ServiceCollection().AddLogging().AddAwsClients(configuration).BuildServiceProvider();

        provider.GetRequiredService<IPortalCredentialsSource>().ShouldBeOfType(expected);
    }
}
