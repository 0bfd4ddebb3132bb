using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Costs;

/// <summary>
/// <c>costs backfill --days N</c> through the CLI verb on a running portal (PostgreSQL, sandbox mode): every demo team gets
/// back-dated environments whose stacks the sandbox bills from their creation to their deletion, and ingestion reads those
/// bills. A rerun creates nothing and adds no facts.
/// </summary>
public sealed class SandboxCostHistoryTests : IAsyncLifetime
{
    private const int Days = 40;

    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Postgres, kestrel: true);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Backfill_GivesEveryTeamBilledHistory_AndARerunChangesNothing()
    {
        var (code, stdout, stderr) = await _portal.RunCommandAsync("costs", "backfill", "--days", Days.ToString(System.Globalization.CultureInfo.InvariantCulture));

        code.ShouldBe(0, stderr);
        stdout.ShouldContain("environment(s) created");
        stdout.ShouldContain(": Succeeded,");
        await using var db = await _portal.DbAsync();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var history = await db.Environments.AsNoTracking().Where(e => e.Name.StartsWith("hist-")).ToListAsync();
        var teams = await db.Teams.AsNoTracking().ToDictionaryAsync(t => t.Id, t => t.Slug);
        history.Select(e => teams[e.TeamId]).Distinct().Order().ShouldBe(["payments", "search"]);

        // Each team: a prod network live since the start, staging and dev environments that came and went, one dev still live.
        foreach (var teamId in teams.Keys)
        {
            var mine = history.Where(e => e.TeamId == teamId).ToList();
            mine.ShouldContain(e => e.Name == "hist-network" && e.Tier == EnvironmentTier.Prod && e.Status == EnvironmentStatus.Ready);
            mine.ShouldContain(e => e.Tier == EnvironmentTier.Dev && e.Status == EnvironmentStatus.Destroyed);
            mine.ShouldContain(e => e.Name == "hist-feature-live" && e.Status == EnvironmentStatus.Ready && e.ExpiresAt > DateTimeOffset.UtcNow);
        }

        // Staging and prod were approved by as many different platform engineers as the policy asks; dev was auto-approved.
        var requests = await db.EnvironmentRequests.AsNoTracking().Include(r => r.Decisions).Where(r => r.EnvironmentName.StartsWith("hist-")).ToListAsync();
        requests.Count.ShouldBe(history.Count);
        requests.ShouldAllBe(r => r.Status == RequestStatus.Completed);
        requests.Where(r => r.Tier == EnvironmentTier.Prod).ShouldAllBe(r => r.Decisions.Select(d => d.DeciderId).Distinct().Count() == 2);
        requests.Where(r => r.Tier == EnvironmentTier.Dev).ShouldAllBe(r => r.PolicyOutcome == PolicyOutcome.AutoApproved && r.Decisions.Count == 0);

        // The bills: the prod network billed every day from its creation to today; destroyed environments stop billing the day after they went.
        var facts = await db.CostFacts.AsNoTracking().Where(f => f.EnvironmentId != null).Select(f => new { f.EnvironmentId, f.TeamId, f.Date, f.UnblendedUsd }).ToListAsync();
        foreach (var network in history.Where(e => e.Name == "hist-network"))
        {
            var days = facts.Where(f => f.EnvironmentId == network.Id).Select(f => f.Date).Distinct().ToList();
            days.Min().ShouldBe(DateOnly.FromDateTime(network.CreatedAt.UtcDateTime));
            days.Max().ShouldBe(today);
            days.Count.ShouldBe(today.DayNumber - days.Min().DayNumber + 1);
            facts.Where(f => f.EnvironmentId == network.Id).ShouldAllBe(f => f.TeamId == network.TeamId);
            facts.Where(f => f.EnvironmentId == network.Id).Sum(f => f.UnblendedUsd).ShouldBeGreaterThan(0m);
        }

        foreach (var gone in history.Where(e => e.Status == EnvironmentStatus.Destroyed))
        {
            var billed = facts.Where(f => f.EnvironmentId == gone.Id).Select(f => f.Date).ToList();
            billed.ShouldNotBeEmpty($"{gone.Name} never billed");
            billed.Max().ShouldBeLessThanOrEqualTo(DateOnly.FromDateTime(gone.DestroyedAt!.Value.UtcDateTime));
        }

        (await db.AuditEvents.CountAsync(a => a.Action == "costs.backfilled")).ShouldBe(1);
        await TestCostData.RollupsMatchFactsAsync(db);

        // A rerun: nothing new, no fact added.
        var factCount = await db.CostFacts.CountAsync();
        var rerun = await _portal.RunCommandAsync("costs", "backfill", "--days", Days.ToString(System.Globalization.CultureInfo.InvariantCulture));
        rerun.ExitCode.ShouldBe(0, rerun.Stderr);
        rerun.Stdout.ShouldContain("Sandbox history: 0 environment(s) created");
        rerun.Stdout.ShouldContain("0 fact(s) added");
        (await db.Environments.CountAsync(e => e.Name.StartsWith("hist-"))).ShouldBe(history.Count);
        (await db.CostFacts.CountAsync()).ShouldBe(factCount);
    }

    [Theory]
    [InlineData("costs", "backfill")]
    [InlineData("costs", "backfill", "--days", "0")]
    [InlineData("costs", "backfill", "--days", "396")]
    [InlineData("costs", "backfill", "--days", "ten")]
    [InlineData("costs", "backfill", "--days", "5", "--team", "payments")]
    [InlineData("costs", "forget")]
    public async Task WrongArguments_PrintUsageAndExit2(params string[] args)
    {
        var (code, stdout, stderr) = await _portal.RunCommandAsync(args);

        code.ShouldBe(2);
        stdout.ShouldBeEmpty();
        stderr.ShouldContain("Usage: Portal.Web");
    }
}

/// <summary>The embedded default: the same history on SQLite, its rollups rebuilt in memory from each window.</summary>
public sealed class SandboxCostHistorySqliteTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, kestrel: true);

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Backfill_OnSqlite_BillsAndRollsUp()
    {
        var (code, _, stderr) = await _portal.RunCommandAsync("costs", "backfill", "--days", "12");

        code.ShouldBe(0, stderr);
        await using var db = await _portal.DbAsync();
        (await db.Environments.CountAsync(e => e.Name == "hist-network")).ShouldBe(2);
        await TestCostData.RollupsMatchFactsAsync(db);
    }
}

/// <summary>Outside sandbox mode the verb refuses: real AWS bills cannot be made up.</summary>
public sealed class SandboxCostHistoryOutsideSandboxTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync() => _portal = await PortalWebFactory.StartAsync(
        DatabaseProvider.Postgres,
        settings: new Dictionary<string, string?>
        {
            ["Aws:Mode"] = "Aws",
            ["Aws:Accounts:0:Id"] = "210987654321",
            ["Aws:Accounts:0:Name"] = "dev",
            ["Aws:Accounts:0:Tiers:0"] = "dev",
            ["Aws:Accounts:0:Tiers:1"] = "staging",
            ["Aws:Accounts:0:Tiers:2"] = "prod",
        });

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task Backfill_InAwsMode_IsRefusedAndTouchesNothing()
    {
        var (code, _, stderr) = await _portal.RunCommandAsync("costs", "backfill", "--days", "30");

        code.ShouldBe(2);
        stderr.ShouldContain("only runs in sandbox mode");
        await using var db = await _portal.DbAsync();
        (await db.Environments.CountAsync()).ShouldBe(0);
    }
}
