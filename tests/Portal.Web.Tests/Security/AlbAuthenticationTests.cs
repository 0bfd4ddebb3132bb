using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Data;
using Portal.Web.Features.Me;
using Portal.Web.Security;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Security;

/// <summary>
/// A portal behind an (emulated) AWS ALB on PostgreSQL: single sign-on through <c>x-amzn-oidc-data</c>, keys from a local
/// key endpoint, local accounts off. Shared by the ALB and local-accounts tests.
/// </summary>
public sealed class AlbPortalFixture : IAsyncLifetime
{
    public const string Kid = "4d6e7f10-aa11-4b5c-9d0e-1f2a3b4c5d6e";

    public AlbKeyServer Keys { get; private set; } = default!;

    public PortalWebFactory Portal { get; private set; } = default!;

    public ECDsa Key { get; private set; } = default!;

    /// <summary>Everything the portal logs, authentication at trace level.</summary>
    public CapturedLogs Logs { get; } = new();

    public async Task InitializeAsync()
    {
        Keys = await AlbKeyServer.StartAsync();
        Key = Keys.AddKey(Kid);
        Portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, settings: new Dictionary<string, string?>
        {
            ["Auth:Alb:Enabled"] = "true",
            ["Auth:Alb:SignerArn"] = AlbKeyServer.SignerArn,
            ["Auth:Alb:PublicKeyEndpoint"] = Keys.Url,
            ["Auth:LocalAccounts:Enabled"] = "false",
            ["Auth:GroupMappings:platform-engineers"] = "role:PlatformEngineer",
            ["Auth:GroupMappings:payments-devs"] = "role:Developer, team:payments",
            ["Auth:GroupMappings:search-devs"] = "role:Developer, team:search",
            ["Logging:LogLevel:Portal.Web.Security"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore.Authentication"] = "Trace",
        }, services: s => s.AddSingleton<ILoggerProvider>(Logs));
    }

    public async Task DisposeAsync()
    {
        await Portal.DisposeAsync();
        await Keys.DisposeAsync();
    }

    /// <summary>A client that sends the given ALB header on every request (as the ALB would).</summary>
    public HttpClient Client(string? albToken)
    {
        var client = Portal.CreateClient(new() { AllowAutoRedirect = false });
        if (albToken is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation(AlbAuthOptions.HeaderName, albToken);
        }

        return client;
    }

    public string Token(string email, object? groups, string name = "Sam Single", DateTimeOffset? expires = null, bool pad = true)
    {
        var exp = expires ?? DateTimeOffset.UtcNow.AddMinutes(2);
        return AlbKeyServer.Sign(Key, AlbKeyServer.Header(Kid, exp), AlbKeyServer.Claims(email, name, groups, exp), pad);
    }
}

[CollectionDefinition(Name)]
public sealed class AlbPortalCollection : ICollectionFixture<AlbPortalFixture>
{
    public const string Name = "ALB portal";
}

/// <summary>The ALB's signed identity header: validated, mapped to a user with roles and teams, or refused.</summary>
[Collection(AlbPortalCollection.Name)]
public sealed class AlbAuthenticationTests(AlbPortalFixture fixture)
{
    private PortalWebFactory Portal => fixture.Portal;

    [Fact]
    public async Task ValidHeader_ProvisionsTheUser_WithTheMappedRolesAndTeams()
    {
        using var client = fixture.Client(fixture.Token("alice.sso@example.com", new[] { "payments-devs", "unmapped-group" }, "Alice Sso"));

        var me = await client.GetFromJsonAsync<MeResponse>("/api/v1/me");

        me.ShouldNotBeNull();
        me.Email.ShouldBe("alice.sso@example.com");
        me.DisplayName.ShouldBe("Alice Sso");
        me.Roles.ShouldBe(["Developer"]);
        me.Teams.ShouldBe([new MeTeam("payments", "Payments")]);

        await using var db = Portal.Database.CreateContext();
        var actions = await db.AuditEvents.Where(e => e.TargetId == "alice.sso@example.com").Select(e => e.Action).ToListAsync();
        actions.ShouldContain("user.created");
        actions.ShouldContain("user.access-synced");

        // The second request is the same user: no second account, no new audit event.
        (await client.GetFromJsonAsync<MeResponse>("/api/v1/me"))!.Email.ShouldBe("alice.sso@example.com");
        (await db.Users.CountAsync(u => u.Email == "alice.sso@example.com")).ShouldBe(1);
        (await db.AuditEvents.CountAsync(e => e.TargetId == "alice.sso@example.com")).ShouldBe(actions.Count);
    }

    [Fact]
    public async Task ValidHeader_RendersPagesSignedIn()
    {
        using var client = fixture.Client(fixture.Token("page.sso@example.com", new[] { "platform-engineers" }));

        var response = await client.GetAsync("/approvals");

        var html = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, html);
        html.ShouldContain("data-testid=\"user-email\">page.sso@example.com<");
        // The approval queue renders for the mapped PlatformEngineer role (roles are shown in words, inside the user menu).
        html.ShouldContain("<title>Approvals · Portal</title>");
        html.ShouldNotContain("Access denied");
    }

    [Fact]
    public async Task UnpaddedToken_AndGroupsAsASpaceSeparatedString_AreAccepted()
    {
        using var client = fixture.Client(fixture.Token("bob.sso@example.com", "search-devs platform-engineers", pad: false));

        var me = await client.GetFromJsonAsync<MeResponse>("/api/v1/me");

        me!.Roles.ShouldBe(["Developer", "PlatformEngineer"]);
        me.Teams.Select(t => t.Slug).ShouldBe(["search"]);
    }

    public static TheoryData<string, string> BadTokens => new()
    {
        { "forged", "signature" },
        { "expired", "expired" },
        { "wrong-signer", "load balancer" },
        { "unknown-kid", "key is unknown" },
        { "bad-kid", "key is unknown" },
        { "tampered", "signature" },
        { "alg-none", "ES256" },
        { "malformed", "malformed" },
        { "not-base64", "base64url" },
        { "no-expiry", "no expiry" },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task BadHeader_Is401_AndNobodyIsSignedIn(string kind, string expected)
    {
        var email = $"{kind}.attacker@example.com";
        var token = BadToken(kind, email);
        using var client = fixture.Client(token);

        var detail = await (await client.GetAsync("/api/v1/me")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        detail.ShouldContain(expected);

        var page = await client.GetAsync("/");
        page.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await page.Content.ReadAsStringAsync()).ShouldNotContain("user-email");

        await using var db = Portal.Database.CreateContext();
        (await db.Users.AnyAsync(u => u.Email == email)).ShouldBeFalse();

        // The refusal is logged with its reason, never with the token or the claims inside it.
        var logs = fixture.Logs.Text();
        logs.ShouldContain(expected);
        logs.ShouldNotContain(email);
        logs.ShouldNotContain(token.Split('.')[^1].Length > 8 ? token.Split('.')[^1] : token);
    }

    [Fact]
    public async Task KeysAreFetchedOncePerKid_AndMalformedKidsAreNeverFetched()
    {
        for (var i = 0; i < 5; i++)
        {
            using var client = fixture.Client(fixture.Token($"cache{i}.sso@example.com", new[] { "search-devs" }));
            (await client.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        fixture.Keys.FetchesOf(AlbPortalFixture.Kid).ShouldBe(1);

        using var badKid = fixture.Client(BadToken("bad-kid", "kid.attacker@example.com"));
        (await badKid.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        fixture.Keys.Requests.ShouldAllBe(path => path.Length > 1 && !path.Contains("..") && !path.Contains("%"));
    }

    [Fact]
    public async Task GroupsChange_OnTheNextSignIn_UpdatesRolesAndTeams_AndLeavesUnmappedRolesAlone()
    {
        const string email = "carol.sso@example.com";
        using (var first = fixture.Client(fixture.Token(email, new[] { "platform-engineers" })))
        {
            (await first.GetFromJsonAsync<MeResponse>("/api/v1/me"))!.Roles.ShouldBe(["PlatformEngineer"]);
        }

        // An admin grants Finance by hand; no mapping names Finance, so sign-ins leave it alone.
        await using (var scope = Portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Data.Entities.PortalUser>>();
            var user = await users.FindByEmailAsync(email);
            (await users.AddToRoleAsync(user!, "Finance")).Succeeded.ShouldBeTrue();
        }

        using var second = fixture.Client(fixture.Token(email, new[] { "payments-devs" }));
        var me = await second.GetFromJsonAsync<MeResponse>("/api/v1/me");

        me!.Roles.ShouldBe(["Developer", "Finance"]);
        me.Teams.Select(t => t.Slug).ShouldBe(["payments"]);
        await using var db = Portal.Database.CreateContext();
        var synced = await db.AuditEvents.Where(e => e.TargetId == email && e.Action == "user.access-synced").OrderBy(e => e.OccurredAt).ToListAsync();
        synced.Count.ShouldBe(2);
        synced[^1].Detail.ShouldContain("PlatformEngineer");
        synced[^1].Detail.ShouldContain("payments");
    }

    [Fact]
    public async Task NameChange_AtTheIdentityProvider_RenamesTheUser_Audited()
    {
        const string email = "erin.sso@example.com";
        using (var first = fixture.Client(fixture.Token(email, new[] { "search-devs" }, "Erin Before")))
        {
            (await first.GetFromJsonAsync<MeResponse>("/api/v1/me"))!.DisplayName.ShouldBe("Erin Before");
        }

        using var second = fixture.Client(fixture.Token(email, new[] { "search-devs" }, "Erin After"));
        (await second.GetFromJsonAsync<MeResponse>("/api/v1/me"))!.DisplayName.ShouldBe("Erin After");

        await using var db = Portal.Database.CreateContext();
        var renamed = await db.AuditEvents.SingleAsync(e => e.TargetId == email && e.Action == "user.renamed");
        renamed.Detail.ShouldContain("Erin Before");
        renamed.Detail.ShouldContain("Erin After");
        (await db.AuditEvents.CountAsync(e => e.TargetId == email && e.Action == "user.access-synced")).ShouldBe(1, "the groups did not change");
    }

    [Fact]
    public async Task FirstSignIn_FromParallelRequests_CreatesOneUser()
    {
        const string email = "frank.sso@example.com";
        var token = fixture.Token(email, new[] { "payments-devs", "platform-engineers" });

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var client = fixture.Client(token);
            return await client.GetAsync("/api/v1/me");
        }));

        responses.Select(r => r.StatusCode).ShouldAllBe(s => s == HttpStatusCode.OK);
        await using var db = Portal.Database.CreateContext();
        (await db.Users.CountAsync(u => u.Email == email)).ShouldBe(1);
        (await db.AuditEvents.CountAsync(e => e.TargetId == email && e.Action == "user.created")).ShouldBe(1);
        using var check = fixture.Client(token);
        (await check.GetFromJsonAsync<MeResponse>("/api/v1/me"))!.Roles.ShouldBe(["Developer", "PlatformEngineer"]);
    }

    [Fact]
    public async Task BearerToken_TakesPrecedence_OverTheAlbHeader()
    {
        var token = await Portal.CreateTokenAsync("dev2@example.com", "read");
        using var client = fixture.Client(fixture.Token("dave.sso@example.com", new[] { "platform-engineers" }));
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);

        (await client.GetFromJsonAsync<MeResponse>("/api/v1/me"))!.Email.ShouldBe("dev2@example.com");
    }

    private string BadToken(string kind, string email)
    {
        var now = DateTimeOffset.UtcNow;
        var exp = now.AddMinutes(2);
        var claims = AlbKeyServer.Claims(email, "Mallory", new[] { "platform-engineers" }, exp);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        switch (kind)
        {
            case "forged":
                return AlbKeyServer.Sign(otherKey, AlbKeyServer.Header(AlbPortalFixture.Kid, exp), claims);
            case "expired":
                var past = now.AddMinutes(-10);
                return AlbKeyServer.Sign(fixture.Key, AlbKeyServer.Header(AlbPortalFixture.Kid, past), AlbKeyServer.Claims(email, "Mallory", null, past));
            case "wrong-signer":
                return AlbKeyServer.Sign(fixture.Key, AlbKeyServer.Header(AlbPortalFixture.Kid, exp, signer: AlbKeyServer.SignerArn.Replace("portal", "other", StringComparison.Ordinal)), claims);
            case "unknown-kid":
                return AlbKeyServer.Sign(otherKey, AlbKeyServer.Header("0000-not-published", exp), claims);
            case "bad-kid":
                return AlbKeyServer.Sign(otherKey, AlbKeyServer.Header("../../etc/passwd", exp), claims);
            case "tampered":
                var parts = AlbKeyServer.Sign(fixture.Key, AlbKeyServer.Header(AlbPortalFixture.Kid, exp), AlbKeyServer.Claims(email, "Mallory", null, exp)).Split('.');
                parts[1] = AlbKeyServer.Encode(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(claims), pad: true);
                return string.Join('.', parts);
            case "alg-none":
                var header = AlbKeyServer.Header(AlbPortalFixture.Kid, exp, alg: "none");
                return AlbKeyServer.Encode(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(header), true) + "."
                    + AlbKeyServer.Encode(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(claims), true) + ".";
            case "malformed":
                return "not-a-jwt";
            case "not-base64":
                return "!!!.???.***";
            case "no-expiry":
                var noExpHeader = AlbKeyServer.Header(AlbPortalFixture.Kid, exp);
                noExpHeader.Remove("exp");
                claims.Remove("exp");
                return AlbKeyServer.Sign(fixture.Key, noExpHeader, claims);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }
}
