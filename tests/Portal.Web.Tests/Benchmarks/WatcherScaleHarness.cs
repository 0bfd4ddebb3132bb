using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Jobs;
using Portal.Provisioning.Lifecycle;
using Portal.Sandbox;
using Portal.TestSupport;
using Portal.Web.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Benchmarks;

/// <summary>
/// The stack watcher's CloudFormation calls per cycle when it compares every live environment with its stack (out-of-band
/// changes, issue 17), at 100, 1,000 and 10,000 live environments in one account and region: the calls must stay flat apart
/// from ListStacks pages (100 stacks a page), never one per environment. PostgreSQL, the sandbox in the same process; stacks
/// made in the sandbox directly and environments inserted in bulk, so only the sweep is measured. Left out of the test
/// command (<c>Category=Benchmark</c>); it measures and reports, and fails only when the run breaks or a call per environment appears.
/// <code>dotnet test tests/Portal.Web.Tests -c Release --filter "FullyQualifiedName~WatcherScaleHarness" --logger "console;verbosity=detailed"</code>
/// </summary>
[Trait("Category", "Benchmark")]
public sealed class WatcherScaleHarness(ITestOutputHelper output)
{
    private const string Template = """{"AWSTemplateFormatVersion":"2010-09-09","Resources":{"Handle":{"Type":"AWS::CloudFormation::WaitConditionHandle"}}}""";

    [Theory]
    [InlineData(100)]
    [InlineData(1000)]
    [InlineData(10000)]
    public async Task WatcherCallsPerCycle_WithLiveEnvironments(int live)
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["StackWatcher:OutOfBandInterval"] = "00:00:00", // compare on every cycle measured
            ["Drift:ScheduleEnabled"] = "false",
        }, services: s => s.PostConfigure<SandboxOptions>(o =>
        {
            o.DataDirectory = null; // the sandbox in memory: setup, not the sweep, writes files
            o.Limits.StackLimit = live + 100; // an account raised past AWS's default 2,000 stacks
        }));
        portal.Services.GetRequiredService<StackWatcherService>().Pause();
        var account = portal.Services.GetRequiredService<AwsAccountDirectory>().ForTier("dev")[0];
        var region = portal.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AwsOptions>>().Value.DefaultRegion;
        var sandbox = portal.Services.GetRequiredService<ISandboxAdmin>();
        var created = DateTimeOffset.UtcNow.AddDays(-1);

        var setup = Stopwatch.StartNew();
        var stackIds = new List<string>(live);
        for (var i = 0; i < live; i++)
        {
            stackIds.Add(await sandbox.CreateBackdatedStackAsync(
                new BackdatedStack(account.Id, region, $"payments-w{i:00000}-dev", Template, [], [], [], created, null), CancellationToken.None));
        }

        await using (var db = await portal.DbAsync())
        {
            var team = await db.Teams.SingleAsync(t => t.Slug == "payments");
            var owner = await db.Users.Where(u => u.Email == "dev@example.com").Select(u => u.Id).SingleAsync();
            for (var batch = 0; batch < live; batch += 1000)
            {
                for (var i = batch; i < Math.Min(live, batch + 1000); i++)
                {
                    var environment = PortalEnvironment.Create($"w{i:00000}", team.Id, team.Slug, owner, "static-site", "1.0.0", EnvironmentTier.Dev, account.Id, region, "{}", null, false, created);
                    environment.BeginProvisioning(stackIds[i], created);
                    environment.RecordStackStatus("CREATE_COMPLETE", created);
                    environment.MarkReady("{}", created);
                    db.Environments.Add(environment);
                }

                await db.SaveChangesAsync();
                db.ChangeTracker.Clear();
            }
        }

        var watcher = portal.Services.GetRequiredService<StackWatcher>();
        var lines = new List<string> { $"{live} live environments (Ready, one account, one region), none in flight; setup {setup.Elapsed.TotalSeconds:0} s" };
        var calls = new List<int>();
        for (var cycle = 1; cycle <= 5; cycle++)
        {
            var clock = Stopwatch.StartNew();
            var result = await watcher.SweepAsync(account.Id, region, CancellationToken.None);
            calls.Add(result.Calls);
            result.Marked.ShouldBe(0, "nothing was changed outside the portal");
            result.EventCalls.ShouldBe(0, "no call per environment");
            lines.Add($"cycle {cycle}: ListStacks calls {result.ListCalls}, other calls {result.EventCalls}, total {result.Calls}, marked {result.Marked}, {clock.ElapsedMilliseconds} ms");
        }

        calls.Distinct().ShouldHaveSingleItem("every cycle costs the same");
        calls[0].ShouldBeLessThanOrEqualTo((live / 100) + 2, "one ListStacks page per 100 stacks and nothing per environment");
        Report($"watcher-live-{live}", lines);
    }

    private void Report(string name, IReadOnlyList<string> lines)
    {
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        var directory = Path.Combine(RepositoryPaths.Root, "TestResults", "benchmarks");
        Directory.CreateDirectory(directory);
        File.WriteAllLines(Path.Combine(directory, name + ".txt"), [$"# {DateTimeOffset.UtcNow.ToString("u", CultureInfo.InvariantCulture)}", .. lines]);
    }
}
