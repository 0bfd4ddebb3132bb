using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Portal.Data;
using Portal.TestSupport;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Hosting;

/// <summary>
/// Two portal processes on one PostgreSQL share their data-protection keys through the database: a sign-in cookie from
/// one node works on the other, and a form's antiforgery token issued by one is accepted by the other.
/// </summary>
public sealed partial class ScaleOutTests : IAsyncLifetime
{
    private readonly List<PortalProcess> _nodes = [];
    private TestDatabase _database = default!;
    private string _dataRoot = default!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres);
        _dataRoot = Path.Combine(Path.GetTempPath(), "portal-tests", _database.Name + "-nodes");
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await _database.DisposeAsync();
        if (Directory.Exists(_dataRoot))
        {
            Directory.Delete(_dataRoot, recursive: true);
        }
    }

    [Fact]
    public async Task SignInOnOneNode_ContinueOnTheOther()
    {
        var first = await StartAsync("session-node-1");
        var second = await StartAsync("session-node-2");
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        using var client = new HttpClient(handler);

        // The sign-in form comes from node 1 (its antiforgery token and cookie); the form is posted to node 2.
        var form = await client.GetStringAsync(new Uri(first.BaseAddress, "/account/login"));
        var token = AntiforgeryField().Match(form).Groups[1].Value;
        token.ShouldNotBeNullOrEmpty();
        var signIn = await client.PostAsync(new Uri(second.BaseAddress, "/account/login"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = "dev@example.com",
            ["Input.Password"] = "portal-demo",
        }));
        signIn.StatusCode.ShouldBe(HttpStatusCode.Redirect, "node 2 accepted node 1's antiforgery token and signed the user in");

        // The sign-in cookie node 2 issued is honoured by node 1.
        foreach (var node in new[] { first, second })
        {
            var me = await client.GetAsync(new Uri(node.BaseAddress, "/api/v1/me"));
            me.StatusCode.ShouldBe(HttpStatusCode.OK, node.Name);
            JsonDocument.Parse(await me.Content.ReadAsStringAsync()).RootElement.GetProperty("email").GetString().ShouldBe("dev@example.com");
        }
    }

    private async Task<PortalProcess> StartAsync(string name)
    {
        var node = await PortalProcess.StartAsync(name, _database, Path.Combine(_dataRoot, name));
        _nodes.Add(node);
        return node;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
