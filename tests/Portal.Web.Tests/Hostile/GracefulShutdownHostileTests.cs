using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.TestSupport;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Hostile;

/// <summary>
/// SIGTERM (a deploy, a scale-in: the graceful stop, unlike <c>ProcessResilienceTests</c>' SIGKILL) while environments are
/// being provisioned on the embedded default: the portal stops within its 30 s shutdown timeout, and the restarted portal
/// finishes every environment with exactly one stack each and one provisioning step each — the jobs cancelled by the
/// shutdown are neither lost nor run twice.
/// </summary>
public sealed class GracefulShutdownHostileTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Sandbox:Speed"] = "40",
        ["Policies:Quotas:dev"] = "100",
        ["Sandbox:Faults:Latency"] = "00:00:00.150",
    };

    private readonly List<PortalProcess> _processes = [];
    private TestDatabase _database = default!;
    private string _data = default!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        _data = Path.Combine(Path.GetTempPath(), "portal-tests", _database.Name + "-sigterm");
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await _database.DisposeAsync();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task Sigterm_WhileTwelveEnvironmentsProvision_StopsInTime_AndTheRestartedPortalFinishesEach_WithOneStack()
    {
        var first = await StartAsync("sigterm-1");
        var ids = await PortalProcessEnvironments.RequestAsync(first, "term", 12, "sigterm test");

        using (var term = Process.Start("kill", ["-TERM", first.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }

        var deadline = DateTimeOffset.UtcNow.AddSeconds(40);
        while (!first.HasExited && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(250);
        }

        first.HasExited.ShouldBeTrue($"still running 40 s after SIGTERM; see {first.LogPath}");
        await using (var db = _database.CreateContext())
        {
            (await db.Environments.CountAsync(e => ids.Contains(e.Id) && e.Status != EnvironmentStatus.Ready))
                .ShouldBeGreaterThan(0, "some environments were still provisioning when the signal came");
        }

        var second = await StartAsync("sigterm-2");
        await PortalProcessEnvironments.WaitAllReadyAsync(_database, ids, TimeSpan.FromMinutes(4), "after the restart");

        var (code, stdout, stderr) = await AwsCli.CloudFormationAsync(new Uri(second.BaseAddress, "/sandbox/aws/cloudformation").ToString(), "list-stacks");
        code.ShouldBe(0, stderr);
        using var json = JsonDocument.Parse(stdout);
        var stacks = json.RootElement.GetProperty("StackSummaries").EnumerateArray()
            .Select(s => (Name: s.GetProperty("StackName").GetString()!, Status: s.GetProperty("StackStatus").GetString()!))
            .Where(s => s.Name.StartsWith("payments-term-", StringComparison.Ordinal)).ToList();
        stacks.Count.ShouldBe(12, "one stack per environment, none made twice (deleted ones included)");
        stacks.ShouldAllBe(s => s.Status == "CREATE_COMPLETE");
        await using var check = _database.CreateContext();
        var provisioned = await check.AuditEvents.Where(a => a.Action == "environment.provisioning").GroupBy(a => a.TargetId).Select(g => g.Count()).ToListAsync();
        provisioned.Count.ShouldBe(12);
        provisioned.ShouldAllBe(c => c == 1);
    }

    private async Task<PortalProcess> StartAsync(string name)
    {
        var process = await PortalProcess.StartAsync(name, _database, _data, Settings);
        _processes.Add(process);
        return process;
    }
}
