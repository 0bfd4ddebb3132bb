using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Features.Requests;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Requests;

/// <summary>
/// What approvers and requesters are told (issue 15, defects 3, 4 and 8): approval counts in the list API and the queue, the
/// platform engineers notified in-app and by e-mail (through a loopback SMTP server) when a request waits for them, and an
/// auto-approved extension announced as approved by policy. On PostgreSQL and SQLite.
/// </summary>
public abstract class ApprovalVisibilityTests(DatabaseProvider provider) : IAsyncLifetime
{
    private readonly LoopbackSmtpServer _smtp = new();
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(
        provider,
        kestrel: true,
        settings: new Dictionary<string, string?>
        {
            ["Costs:CheckAllocationTagsOnStartup"] = "false",
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = _smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp:From"] = "portal@example.com",
        });

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _smtp.DisposeAsync();
    }

    [Fact]
    public async Task ProdRequestApprovedByTwoEngineers_CountsEachApproval_InTheListApiAndTheQueue()
    {
        var id = (await _portal.SubmitAsync("dev@example.com", ProdSite("docs"))).Id;
        var workflow = _portal.Services.GetRequiredService<RequestWorkflow>();
        using var dev = await ClientAsync("dev@example.com");

        await workflow.ApproveAsync(await _portal.ActorAsync("platform@example.com"), id, "First look fine", CancellationToken.None);

        (await ListedApprovalsAsync(dev, id, "?status=PendingApproval")).ShouldBe((1, 2));
        var queue = await _portal.Services.GetRequiredService<RequestQueries>().QueueAsync(await _portal.ActorAsync("platform2@example.com"), CancellationToken.None);
        var waiting = queue.ShouldHaveSingleItem().Request;
        (waiting.Approvals, waiting.ApprovalsRequired).ShouldBe((1, 2));

        await workflow.ApproveAsync(await _portal.ActorAsync("platform2@example.com"), id, "Second pair of eyes", CancellationToken.None);

        (await ListedApprovalsAsync(dev, id, "")).ShouldBe((2, 2));
    }

    [Fact]
    public async Task PendingRequest_NotifiesThePlatformEngineersWhoMayDecide_InAppAndByEmail_NeverTheRequester()
    {
        var fromDeveloper = (await _portal.SubmitAsync("dev@example.com", StagingSite("payments", "docs"))).Id;
        var fromEngineer = (await _portal.SubmitAsync("platform@example.com", StagingSite("search", "tools"))).Id;

        await using var db = await _portal.DbAsync();
        var users = await db.Users.Where(u => u.Email!.StartsWith("platform") || u.Email == "dev@example.com").ToDictionaryAsync(u => u.Email!, u => u.Id);
        var told = await db.Notifications.Where(n => n.Kind == Notifications.ApprovalNeededKind).ToListAsync();
        told.Where(n => n.Link == $"approvals?request={fromDeveloper}").Select(n => n.UserId).Order()
            .ShouldBe(new[] { users["platform@example.com"], users["platform2@example.com"] }.Order());
        told.Where(n => n.Link == $"approvals?request={fromEngineer}").Select(n => n.UserId).ShouldBe([users["platform2@example.com"]]);
        told.ShouldNotContain(n => n.UserId == users["dev@example.com"]);
        var note = told.First(n => n.Link == $"approvals?request={fromDeveloper}");
        note.Title.ShouldBe("Waiting for your approval: create of docs (staging) for payments");
        note.Body.ShouldContain("Needs 1 platform engineer: staging");
        note.Body.ShouldContain("Dana Developer");

        // Auto-approved requests wait for nobody.
        await _portal.CreateDevSiteAsync("dev@example.com", "payments", "scratch");
        await using var after = await _portal.DbAsync();
        (await after.Notifications.CountAsync(n => n.Kind == Notifications.ApprovalNeededKind)).ShouldBe(3);

        await WaitForMailsAsync(2);
        var mails = _smtp.Messages.ToList();
        var bodies = mails.Select(m => (m.To, Body: Body(m))).ToList();
        var toBoth = bodies.SingleOrDefault(m => m.Body.Contains($"Request {fromDeveloper}"));
        toBoth.Body.ShouldNotBeNull(string.Join("\n---\n", mails.Select(m => m.Data)));
        toBoth.To.ShouldBe(["platform@example.com", "platform2@example.com"], ignoreOrder: true);
        toBoth.Body.ShouldContain("Dana Developer");
        bodies.Single(m => m.Body.Contains($"Request {fromEngineer}")).To.ShouldBe(["platform2@example.com"]);
    }

    [Fact]
    public async Task AutoApprovedExtension_IsAnnouncedAsApprovedByPolicy_WithTheReason()
    {
        var environmentId = await _portal.CreateDevSiteAsync("dev@example.com", "payments", "site");

        var outcome = await _portal.SubmitAsync("dev@example.com", new SubmitRequest("extend", EnvironmentId: environmentId, TtlHours: 48));

        outcome.Status.ShouldBe(RequestStatus.Completed, outcome.Reason);
        await using var db = await _portal.DbAsync();
        var note = await db.Notifications.SingleAsync(n => n.Link == $"requests/{outcome.Id}");
        note.Title.ShouldStartWith("Approved by policy: extend of site");
        note.Body.ShouldBe(outcome.Reason);
        note.Body.ShouldNotContain("platform engineer");
    }

    private static SubmitRequest ProdSite(string name) =>
        new("create", "static-site", "prod", Team: "payments", Name: name, Justification: "Launch");

    private static SubmitRequest StagingSite(string team, string name) =>
        new("create", "static-site", "staging", Team: team, Name: name, Justification: "Release candidate");

    private static async Task<(int Approvals, int Required)> ListedApprovalsAsync(HttpClient client, Guid id, string query)
    {
        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/requests" + query);
        var item = list.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetGuid() == id);
        return (item.GetProperty("approvals").GetInt32(), item.GetProperty("approvalsRequired").GetInt32());
    }

    /// <summary>The message's text body, decoded from base64 or quoted-printable when System.Net.Mail chose either.</summary>
    private static string Body(SmtpMessage message)
    {
        var split = message.Data.IndexOf("\n\n", StringComparison.Ordinal);
        var (headers, body) = split < 0 ? (message.Data, "") : (message.Data[..split], message.Data[(split + 2)..]);
        if (headers.Contains("Content-Transfer-Encoding: base64", StringComparison.OrdinalIgnoreCase))
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(string.Concat(body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))));
        }

        if (headers.Contains("Content-Transfer-Encoding: quoted-printable", StringComparison.OrdinalIgnoreCase))
        {
            var joined = body.Replace("=\n", "", StringComparison.Ordinal);
            return System.Text.RegularExpressions.Regex.Replace(
                joined, "=([0-9A-F]{2})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());
        }

        return body;
    }

    private async Task WaitForMailsAsync(int count)
    {
        // E-mail goes out after the commit, on the submitting call; the loopback server stores it as the conversation ends.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (_smtp.Messages.Count < count)
        {
            (DateTimeOffset.UtcNow < deadline).ShouldBeTrue($"{_smtp.Messages.Count} of {count} e-mails arrived.");
            await Task.Delay(100);
        }
    }

    private async Task<HttpClient> ClientAsync(string email)
    {
        var client = new HttpClient { BaseAddress = _portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await _portal.CreateTokenAsync(email, "read"));
        return client;
    }
}

public sealed class ApprovalVisibilityPostgresTests() : ApprovalVisibilityTests(DatabaseProvider.Postgres);

public sealed class ApprovalVisibilitySqliteTests() : ApprovalVisibilityTests(DatabaseProvider.Sqlite);
