using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities;
using Portal.TestSupport;
using Portal.Web.Features.Me;
using Portal.Web.Security;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Security;

/// <summary><c>Auth:LocalAccounts:Enabled=false</c> behind single sign-on: no password form, no password sign-in, tokens still work.</summary>
[Collection(AlbPortalCollection.Name)]
public sealed class LocalAccountsTests(AlbPortalFixture fixture)
{
    [Fact]
    public async Task SignInPage_ShowsNoPasswordForm_ButTheCompanyAccountMessage()
    {
        using var client = fixture.Client(null);

        var html = await client.GetStringAsync("/account/login");

        html.ShouldContain("Sign in with your company account");
        html.ShouldNotContain("type=\"password\"");
        html.ShouldNotContain("demo-accounts");
    }

    [Fact]
    public async Task PostingThePasswordForm_IsRefused_AndSetsNoCookie()
    {
        using var client = fixture.Client(null);

        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["Input.Email"] = "dev@example.com",
            ["Input.Password"] = "portal-demo",
        }));

        var detail = await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        detail.ShouldContain("company account");
        response.Headers.Contains("Set-Cookie").ShouldBeFalse();
        (await client.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task PasswordSignIn_FailsEvenWithTheRightPassword()
    {
        await using var scope = fixture.Portal.Services.CreateAsyncScope();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<PortalUser>>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var user = await users.FindByEmailAsync("dev@example.com");
        (await users.CheckPasswordAsync(user!, "portal-demo")).ShouldBeTrue("the demo password is right; only the switch refuses it");

        var result = await signIn.CheckPasswordSignInAsync(user!, "portal-demo", lockoutOnFailure: true);

        result.Succeeded.ShouldBeFalse();
        result.IsNotAllowed.ShouldBeTrue();
    }

    [Fact]
    public async Task PersonalAccessTokens_KeepWorking()
    {
        var token = await fixture.Portal.CreateTokenAsync("dev@example.com", "read");
        using var client = fixture.Client(null);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var me = await client.GetFromJsonAsync<MeResponse>("/api/v1/me");

        me!.Email.ShouldBe("dev@example.com");
    }
}

/// <summary>The <c>Auth</c> options validator: each misconfiguration is refused with the key named.</summary>
public sealed class AuthOptionsValidatorTests
{
    private static readonly AuthOptionsValidator Validator = new();

    [Fact]
    public void LocalAccountsOff_WithoutSingleSignOn_IsRefused()
    {
        var result = Validator.Validate(null, new AuthOptions { LocalAccounts = { Enabled = false } });

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain("Auth:LocalAccounts:Enabled can be false only when single sign-on is on");
    }

    [Fact]
    public async Task Portal_WithLocalAccountsOffAndNoSingleSignOn_RefusesToStart_NamingTheKey()
    {
        var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var portal = new PortalWebFactory(database, settings: new Dictionary<string, string?> { ["Auth:LocalAccounts:Enabled"] = "false" });

        var error = Should.Throw<Exception>(() => portal.Server);

        var messages = string.Join(" | ", Flatten(error).Select(e => e.Message));
        messages.ShouldContain("Auth:LocalAccounts:Enabled can be false only when single sign-on is on");
    }

    private static IEnumerable<Exception> Flatten(Exception error) =>
        error is AggregateException aggregate ? aggregate.InnerExceptions.SelectMany(Flatten) : error.InnerException is { } inner ? [error, .. Flatten(inner)] : [error];

    [Fact]
    public void LocalAccountsOff_WithAProxy_IsAccepted()
    {
        var options = new AuthOptions { LocalAccounts = { Enabled = false }, Proxy = { Enabled = true, TrustedAddresses = ["10.0.0.0/16", "192.168.1.7"] } };

        Validator.Validate(null, options).Succeeded.ShouldBeTrue();
    }

    [Theory]
    [InlineData("Auth:Alb:SignerArn", "Alb")]
    [InlineData("Auth:Proxy:TrustedAddresses must list", "ProxyEmpty")]
    [InlineData("Auth:Proxy:TrustedAddresses:0 'not-an-ip'", "ProxyBad")]
    [InlineData("Auth:GroupMappings:admins: 'role:Superuser' is not a grant", "Mapping")]
    [InlineData("Auth:GroupMappings:devs: 'team:Not A Slug' is not a grant", "Team")]
    public void Misconfiguration_NamesTheKey(string expected, string kind)
    {
        var options = kind switch
        {
            "Alb" => new AuthOptions { Alb = { Enabled = true, SignerArn = "my-alb" } },
            "ProxyEmpty" => new AuthOptions { Proxy = { Enabled = true } },
            "ProxyBad" => new AuthOptions { Proxy = { Enabled = true, TrustedAddresses = ["not-an-ip"] } },
            "Mapping" => new AuthOptions { GroupMappings = { ["admins"] = "role:Superuser" } },
            _ => new AuthOptions { GroupMappings = { ["devs"] = "role:Developer, team:Not A Slug" } },
        };

        var result = Validator.Validate(null, options);

        result.Failed.ShouldBeTrue();
        result.FailureMessage.ShouldContain(expected);
    }

    [Fact]
    public void AlbRegion_ComesFromTheSignerArn_AndTheDefaultKeyEndpointIsAwss()
    {
        var alb = new AlbAuthOptions { Enabled = true, SignerArn = AlbKeyServer.SignerArn.Replace("us-east-1", "eu-west-1", StringComparison.Ordinal) };

        alb.KeyEndpoint.ShouldBe(new Uri("https://public-keys.auth.elb.eu-west-1.amazonaws.com/"));
        Validator.Validate(null, new AuthOptions { Alb = alb }).Succeeded.ShouldBeTrue();
    }
}
