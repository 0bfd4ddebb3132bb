using System.Net;
using System.Net.WebSockets;
using Portal.Data;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Hostile;

/// <summary>
/// Tried as an attacker, across origins, with the victim's sign-in cookie: the Blazor hub (negotiate and the WebSocket) from
/// a foreign <c>Origin</c> — a sibling subdomain or another port is the same site, so SameSite=Lax sends the cookie, and
/// a circuit started there would act as the victim — and sign-in's <c>returnUrl</c> pointing at another host in the
/// spellings browsers read as one. Each test failed before its fix.
/// </summary>
public sealed class CrossOriginHostileTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, kestrel: true);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("http://attacker.localhost")]
    [InlineData("http://127.0.0.1:1")]
    [InlineData("null")]
    public async Task BlazorHubNegotiate_FromAForeignOrigin_WithTheCookie_Is403(string origin)
    {
        using var browser = await SignedInAsync();

        using var foreign = await browser.SendAsync(Negotiate(origin));
        var body = await foreign.Content.ReadAsStringAsync();
        foreign.StatusCode.ShouldBe(HttpStatusCode.Forbidden, body);
        body.ShouldNotContain("connectionToken");

        using var own = await browser.SendAsync(Negotiate(_portal.BaseAddress.GetLeftPart(UriPartial.Authority)));
        own.StatusCode.ShouldBe(HttpStatusCode.OK, await own.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task BlazorHubWebSocket_FromAForeignOrigin_IsRefusedAtTheHandshake_AndFromItsOwnOriginOpens()
    {
        using var browser = await SignedInAsync();
        var cookie = string.Join("; ", _cookies.GetCookies(_portal.BaseAddress).Select(c => $"{c.Name}={c.Value}"));
        cookie.ShouldNotBeEmpty();
        var hub = new UriBuilder(_portal.BaseAddress) { Scheme = "ws", Path = "/_blazor" }.Uri;

        using var foreign = new ClientWebSocket();
        foreign.Options.SetRequestHeader("Origin", "http://attacker.localhost");
        foreign.Options.SetRequestHeader("Cookie", cookie);
        foreign.Options.CollectHttpResponseDetails = true;
        await Should.ThrowAsync<WebSocketException>(() => foreign.ConnectAsync(hub, CancellationToken.None));
        foreign.HttpStatusCode.ShouldBe(HttpStatusCode.Forbidden);

        using var own = new ClientWebSocket();
        own.Options.SetRequestHeader("Origin", _portal.BaseAddress.GetLeftPart(UriPartial.Authority));
        own.Options.SetRequestHeader("Cookie", cookie);
        await own.ConnectAsync(hub, CancellationToken.None);
        own.State.ShouldBe(WebSocketState.Open);
        await own.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("/\t/evil.example/")]
    [InlineData("/\n/evil.example/")]
    [InlineData("\\\\evil.example/")]
    [InlineData(" //evil.example/")]
    public async Task SignIn_WithAReturnUrlBrowsersReadAsAnotherHost_StaysOnThePortal(string returnUrl)
    {
        using var client = NewClient();
        var response = await PostLoginAsync(client, "dev@example.com", returnUrl);

        // The sign-in page redirects to an absolute address on the portal itself (a control character is percent-encoded
        // into the path, so "/\t/evil.example" cannot become "//evil.example" in the browser).
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect, await response.Content.ReadAsStringAsync());
        var location = new Uri(_portal.BaseAddress, response.Headers.Location!);
        location.Authority.ShouldBe(_portal.BaseAddress.Authority, location.ToString());
    }

    [Fact]
    public async Task SignIn_WithALocalReturnUrl_StillGoesThere()
    {
        using var client = NewClient();
        var response = await PostLoginAsync(client, "dev@example.com", "/environments?tab=all");

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        new Uri(_portal.BaseAddress, response.Headers.Location!).PathAndQuery.ShouldBe("/environments?tab=all");
    }

    [Fact]
    public async Task ApiToken_InTheQueryString_IsNotAccepted()
    {
        var token = await _portal.CreateTokenAsync("dev@example.com", "read");
        using var client = new HttpClient { BaseAddress = _portal.BaseAddress };

        foreach (var name in new[] { "access_token", "token", "api_key" })
        {
            using var response = await client.GetAsync($"/api/v1/me?{name}={Uri.EscapeDataString(token)}");
            await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task ApiAnswers_CarryNoCorsGrant_EvenToAPreflightFromAnotherSite()
    {
        using var browser = await SignedInAsync();
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v1/requests");
        preflight.Headers.TryAddWithoutValidation("Origin", "https://evil.example");
        preflight.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
        preflight.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", "content-type");
        using var answer = await browser.SendAsync(preflight);
        answer.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
        answer.Headers.Contains("Access-Control-Allow-Credentials").ShouldBeFalse();

        using var get = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
        get.Headers.TryAddWithoutValidation("Origin", "https://evil.example");
        using var read = await browser.SendAsync(get);
        read.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
    }

    private readonly CookieContainer _cookies = new();

    private HttpClient NewClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = _portal.BaseAddress };

    private async Task<HttpClient> SignedInAsync()
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = _cookies }) { BaseAddress = _portal.BaseAddress };
        (await PortalWebFactory.PostLoginAsync(client, "platform@example.com", "portal-demo")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return client;
    }

    private static HttpRequestMessage Negotiate(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1") { Content = new StringContent("") };
        request.Headers.TryAddWithoutValidation("Origin", origin);
        return request;
    }

    private static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string email, string returnUrl)
    {
        var path = "/account/login?returnUrl=" + Uri.EscapeDataString(returnUrl);
        var page = await client.GetStringAsync(path);
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        token.ShouldNotBeNullOrEmpty();
        return await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = email,
            ["Input.Password"] = "portal-demo",
        }));
    }
}
