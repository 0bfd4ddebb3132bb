using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.TestSupport;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Lifecycle;

/// <summary>
/// Real portal processes: a node SIGKILLed while 50 environments provision, then restarted, on PostgreSQL and on the
/// embedded default (SQLite, Hangfire's SQLite store); and two nodes sharing the job layer on one PostgreSQL, one killed
/// mid-flight. The database is the source of truth, so nothing is lost or made twice.
/// </summary>
public sealed class ProcessResilienceTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Settings = new()
    {
        // Slow enough that the stacks are still being built when the node dies.
        ["Sandbox:Speed"] = "40",
        ["Policies:Quotas:dev"] = "100",

        // Every AWS call takes a little while, so jobs are in flight when a node dies.
        ["Sandbox:Faults:Latency"] = "00:00:00.150",
    };

    private readonly List<PortalProcess> _processes = [];
    private TestDatabase _database = default!;
    private string _dataRoot = default!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (_dataRoot is not null && Directory.Exists(_dataRoot))
        {
            Directory.Delete(_dataRoot, recursive: true);
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Postgres)]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task Sigkill_WhileFiftyEnvironmentsProvision_TheRestartedPortalFinishesEveryOne_WithOneStackEach(DatabaseProvider provider)
    {
        await CreateDatabaseAsync(provider);
        var data = Path.Combine(_dataRoot, "node");
        var first = await StartAsync("crash-node-1", data);
        var environmentIds = await RequestAsync(first, "crash", 50);

        await first.KillAsync();

        var unfinished = await CountAsync(environmentIds, e => e.Status != EnvironmentStatus.Ready);
        unfinished.ShouldBeGreaterThan(25, "most environments were still provisioning when the node died");

        var second = await StartAsync("crash-node-2", data);
        await WaitAllReadyAsync(environmentIds, TimeSpan.FromMinutes(4));

        var stacks = await ListStacksAsync(second, "payments-crash-");
        stacks.Count.ShouldBe(50, "one stack per environment, none made twice (deleted ones included)");
        stacks.GroupBy(s => s.Name).ShouldAllBe(g => g.Count() == 1);
        stacks.ShouldAllBe(s => s.Status == "CREATE_COMPLETE");
        await using var db = _database.CreateContext();
        var provisioned = await db.AuditEvents.Where(a => a.Action == "environment.provisioning").GroupBy(a => a.TargetId).Select(g => g.Count()).ToListAsync();
        provisioned.Count.ShouldBe(50);
        provisioned.ShouldAllBe(c => c == 1);
    }

    [Fact]
    public async Task TwoNodes_ShareTheJobLayer_AndWhenOneDiesMidFlightTheOtherFinishesItsWork()
    {
        await CreateDatabaseAsync(DatabaseProvider.Postgres);
        var a = await StartAsync("pair-node-a", Path.Combine(_dataRoot, "a"));

        // Both nodes call one sandbox (node A's), as two portal nodes call one AWS.
        var b = await StartAsync("pair-node-b", Path.Combine(_dataRoot, "b"), new Dictionary<string, string>
        {
            ["Aws:ServiceUrls:CloudFormation"] = new Uri(a.BaseAddress, "/sandbox/aws/cloudformation").ToString(),
        });
        (await HangfireServersAsync(2)).ShouldBe(2, "both nodes run a Hangfire server on the one database");

        var fromA = RequestAsync(a, "pair-a", 10);
        var fromB = RequestAsync(b, "pair-b", 10);
        var environmentIds = (await fromA).Concat(await fromB).ToList();

        // Kill B once it is provisioning (its jobs are mid-flight); A recovers them through the cluster.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (b.CountLogLines("CreateStack accepted") == 0 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        await b.KillAsync();
        var byB = b.CountLogLines("CreateStack accepted");
        byB.ShouldBeGreaterThan(0, "node B ran provisioning jobs before it died");

        await WaitAllReadyAsync(environmentIds, TimeSpan.FromMinutes(4));

        var stacks = await ListStacksAsync(a, "payments-pair-");
        stacks.Count.ShouldBe(20);
        a.CountLogLines("CreateStack accepted").ShouldBeGreaterThan(0, "node A ran provisioning jobs too");
        stacks.GroupBy(s => s.Name).ShouldAllBe(g => g.Count() == 1);
        await using var db = _database.CreateContext();
        foreach (var action in new[] { "environment.provisioning", "environment.ready" })
        {
            var perEnvironment = await db.AuditEvents.Where(e => e.Action == action).GroupBy(e => e.TargetId).Select(g => g.Count()).ToListAsync();
            perEnvironment.Count.ShouldBe(20, action);
            perEnvironment.ShouldAllBe(c => c == 1, $"{action} happened once per environment");
        }
    }

    private async Task CreateDatabaseAsync(DatabaseProvider provider)
    {
        _database = await TestDatabase.CreateAsync(provider);
        _dataRoot = Path.Combine(Path.GetTempPath(), "portal-tests", _database.Name + "-processes");
    }

    private async Task<PortalProcess> StartAsync(string name, string dataDirectory, Dictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>(Settings);
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        var process = await PortalProcess.StartAsync(name, _database, dataDirectory, settings);
        _processes.Add(process);
        return process;
    }

    /// <summary>Signs in as dev@ and requests <paramref name="count"/> dev static sites through the API; returns their environment ids.</summary>
    private static async Task<List<Guid>> RequestAsync(PortalProcess node, string prefix, int count)
    {
        using var client = node.CreateClient();
        (await PortalWebFactory.PostLoginAsync(client, "dev@example.com", "portal-demo")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        using var gate = new SemaphoreSlim(8);
        var ids = await Task.WhenAll(Enumerable.Range(1, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                var response = await client.PostAsJsonAsync("/api/v1/requests", new
                {
                    kind = "create", template = "static-site", tier = "dev", team = "payments", name = $"{prefix}-{i:00}", justification = "resilience test",
                });
                var body = await response.Content.ReadAsStringAsync();
                response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
                using var json = JsonDocument.Parse(body);
                json.RootElement.GetProperty("status").GetString().ShouldBe("Approved", body);
                return json.RootElement.GetProperty("environmentId").GetGuid();
            }
            finally
            {
                gate.Release();
            }
        }));
        return [.. ids];
    }

    private async Task<int> CountAsync(List<Guid> ids, System.Linq.Expressions.Expression<Func<PortalEnvironment, bool>> predicate)
    {
        await using var db = _database.CreateContext();
        return await db.Environments.Where(e => ids.Contains(e.Id)).CountAsync(predicate);
    }

    private async Task WaitAllReadyAsync(List<Guid> ids, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var statuses = new List<(Guid Id, EnvironmentStatus Status, string? Reason)>();
        while (DateTimeOffset.UtcNow < deadline)
        {
            await using var db = _database.CreateContext();
            statuses = (await db.Environments.AsNoTracking().Where(e => ids.Contains(e.Id)).Select(e => new { e.Id, e.Status, e.FailureReason }).ToListAsync())
                .Select(e => (e.Id, e.Status, e.FailureReason)).ToList();
            statuses.ShouldNotContain(s => s.Status == EnvironmentStatus.Failed, string.Join("; ", statuses.Where(s => s.Status == EnvironmentStatus.Failed).Select(s => s.Reason)));
            if (statuses.Count == ids.Count && statuses.All(s => s.Status == EnvironmentStatus.Ready))
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException("Not every environment became Ready: " +
            string.Join(", ", statuses.GroupBy(s => s.Status).Select(g => $"{g.Key} {g.Count()}")));
    }

    /// <summary>Hangfire servers registered in the database, waiting (up to 30 s) for <paramref name="expected"/> to announce themselves.</summary>
    private async Task<long> HangfireServersAsync(long expected)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM {Portal.Provisioning.Jobs.PortalJobStorage.Schema}.server", connection);
            var count = (long)(await command.ExecuteScalarAsync())!;
            if (count >= expected || DateTimeOffset.UtcNow > deadline)
            {
                return count;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Every stack (deleted ones too) whose name starts with <paramref name="prefix"/>, read with the AWS CLI from the node's sandbox.</summary>
    private static async Task<List<(string Name, string Status)>> ListStacksAsync(PortalProcess node, string prefix)
    {
        var (code, stdout, stderr) = await AwsCli.CloudFormationAsync(new Uri(node.BaseAddress, "/sandbox/aws/cloudformation").ToString(), "list-stacks");
        code.ShouldBe(0, stderr);
        using var json = JsonDocument.Parse(stdout);
        return [.. json.RootElement.GetProperty("StackSummaries").EnumerateArray()
            .Select(s => (Name: s.GetProperty("StackName").GetString()!, Status: s.GetProperty("StackStatus").GetString()!))
            .Where(s => s.Name.StartsWith(prefix, StringComparison.Ordinal))];
    }
}
