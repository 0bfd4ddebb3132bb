using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.TestSupport;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Hosting;

/// <summary>
/// A real portal process on a PostgreSQL of the test's own, which the test stops and starts again: during the outage the
/// API answers 503 with Retry-After, pages say the database is unavailable, background loops log the outage once each way;
/// SIGTERM still stops the portal; afterwards everything resumes without a restart, nothing lost or made twice.
/// </summary>
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private DedicatedPostgres _server = default!;
    private TestDatabase _database = default!;
    private string _dataDirectory = default!;
    private PortalProcess? _portal;

    public async Task InitializeAsync()
    {
        _server = await DedicatedPostgres.StartAsync();
        _database = await TestDatabase.CreateAsync(DatabaseProvider.Postgres, _server.ConnectionString);
        _dataDirectory = Path.Combine(Path.GetTempPath(), "portal-tests", _database.Name + "-outage");
    }

    public async Task DisposeAsync()
    {
        if (_portal is not null)
        {
            await _portal.DisposeAsync();
        }

        await _server.RestartAsync().ContinueWith(_ => { }, TaskScheduler.Default);
        await _database.DisposeAsync();
        await _server.DisposeAsync();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task WhilePostgresIsDown_ApiAnswers503WithRetryAfter_PagesSaySo_LoopsLogOnceEachWay_AndAfterwardsAllAnswersAgain()
    {
        _portal = await PortalProcess.StartAsync("outage-node", _database, _dataDirectory);
        using var client = _portal.CreateClient();
        (await PortalWebFactory.PostLoginAsync(client, "dev@example.com", "portal-demo")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await client.GetAsync("/api/v1/environments")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var linesBefore = CountLines();

        await _server.StopAsync();

        // The change feed polls every second: wait until it has noticed, then give the loops a few more rounds.
        await WaitForLogAsync("the database is unavailable", TimeSpan.FromSeconds(30));
        for (var i = 0; i < 10; i++)
        {
            var api = await client.GetAsync("/api/v1/environments");
            await api.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
            api.Headers.RetryAfter.ShouldNotBeNull().Delta.ShouldBe(TimeSpan.FromSeconds(10));
            await Task.Delay(1000);
        }

        using (var page = new HttpRequestMessage(HttpMethod.Get, "/environments"))
        {
            page.Headers.Accept.ParseAdd("text/html");
            var response = await client.SendAsync(page);
            response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            response.Headers.RetryAfter.ShouldNotBeNull();
            (await response.Content.ReadAsStringAsync()).ShouldContain("The database is unavailable — retrying");
        }

        var duringOutage = Lines().Skip(linesBefore).ToList();
        await _server.RestartAsync();
        await WaitForLogAsync("resumed", TimeSpan.FromSeconds(60));
        (await client.GetAsync("/api/v1/environments")).StatusCode.ShouldBe(HttpStatusCode.OK, "the portal answers again without a restart");

        var outage = Lines().Skip(linesBefore).ToList();
        outage.Count(l => l.Contains("Lifecycle change feed: the database is unavailable", StringComparison.Ordinal)).ShouldBe(1, "one warning when the outage starts");
        outage.Count(l => l.Contains("Lifecycle change feed resumed", StringComparison.Ordinal)).ShouldBe(1, "one line when it ends");
        var withStackTraces = Entries(duringOutage)
            .Where(e => !JobLayerCategories.Any(c => e.Category.StartsWith(c, StringComparison.Ordinal)))
            .Where(e => e.Lines.Any(l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal)))
            .ToList();
        withStackTraces.ShouldBeEmpty($"no stack traces while the database is away:\n{string.Join('\n', withStackTraces.Take(3).SelectMany(e => e.Lines.Take(20)))}");
    }

    [Fact]
    public async Task Sigterm_WhilePostgresIsDown_StopsThePortalWithinTheShutdownTimeout()
    {
        // Provisioning in flight (jobs and the stack watcher at work) when the database goes away, then the signal.
        _portal = await PortalProcess.StartAsync("outage-sigterm", _database, _dataDirectory, new Dictionary<string, string>
        {
            ["Sandbox:Speed"] = "10",
            ["Policies:Quotas:dev"] = "100",
        });
        await PortalProcessEnvironments.RequestAsync(_portal, "sigterm", 5, "outage test");
        await _server.StopAsync();
        await WaitForLogAsync("the database is unavailable", TimeSpan.FromSeconds(30));

        using (var kill = Process.Start("kill", ["-TERM", _portal.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        // The host gives its services 30 s to stop; allow the runtime a little more to exit under a loaded machine.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(40);
        while (!_portal.HasExited && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        _portal.HasExited.ShouldBeTrue($"the portal was still running 40 s after SIGTERM with PostgreSQL down; see {_portal.LogPath}");
    }

    [Fact]
    public async Task PostgresStoppedFor60s_WhileTenEnvironmentsProvision_AllBecomeReady_WithOneStackEach()
    {
        _portal = await PortalProcess.StartAsync("outage-provision", _database, _dataDirectory, new Dictionary<string, string>
        {
            // Slow enough that the stacks are still being built when the database goes away.
            ["Sandbox:Speed"] = "10",
            ["Policies:Quotas:dev"] = "100",
        });
        var ids = await PortalProcessEnvironments.RequestAsync(_portal, "outage", 10, "outage test");

        await _server.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(60));
        await _server.RestartAsync();

        await PortalProcessEnvironments.WaitAllReadyAsync(_database, ids, TimeSpan.FromMinutes(4), "after the outage");
        var (code, stdout, stderr) = await AwsCli.CloudFormationAsync(new Uri(_portal.BaseAddress, "/sandbox/aws/cloudformation").ToString(), "list-stacks");
        code.ShouldBe(0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var stacks = json.RootElement.GetProperty("StackSummaries").EnumerateArray()
            .Select(s => (Name: s.GetProperty("StackName").GetString()!, Status: s.GetProperty("StackStatus").GetString()!))
            .Where(s => s.Name.StartsWith("payments-outage-", StringComparison.Ordinal)).ToList();
        stacks.Count.ShouldBe(10, "one stack per environment, none made twice (deleted ones included)");
        stacks.ShouldAllBe(s => s.Status == "CREATE_COMPLETE");
        await using var db = _database.CreateContext();
        var provisioned = await db.AuditEvents.Where(a => a.Action == "environment.provisioning").GroupBy(a => a.TargetId).Select(g => g.Count()).ToListAsync();
        provisioned.Count.ShouldBe(10);
        provisioned.ShouldAllBe(c => c == 1);
    }

    /// <summary>
    /// The job layer's own library logs its storage's outage its own way (Quartz before 0010: a stack trace per retry, about one a
    /// second); that is the job layer's to test. Everything else must say it once.
    /// </summary>
    private static readonly string[] JobLayerCategories = ["Quartz.", "Hangfire."];

    private int CountLines() => Lines().Count;

    /// <summary>The console log's entries: a "level: Category[id]" line and the indented lines under it.</summary>
    private static List<(string Category, List<string> Lines)> Entries(IEnumerable<string> lines)
    {
        var entries = new List<(string Category, List<string> Lines)>();
        foreach (var line in lines)
        {
            var header = System.Text.RegularExpressions.Regex.Match(line, @"^(trce|dbug|info|warn|fail|crit): ([^\[]+)\[");
            if (header.Success)
            {
                entries.Add((header.Groups[2].Value, [line]));
            }
            else if (entries.Count > 0)
            {
                entries[^1].Lines.Add(line);
            }
        }

        return entries;
    }

    private List<string> Lines()
    {
        using var reader = new StreamReader(new FileStream(_portal!.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    private async Task WaitForLogAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (_portal!.CountLogLines(text) == 0)
        {
            DateTimeOffset.UtcNow.ShouldBeLessThan(deadline, $"'{text}' was not logged within {timeout.TotalSeconds} s; see {_portal.LogPath}");
            await Task.Delay(250);
        }
    }
}
