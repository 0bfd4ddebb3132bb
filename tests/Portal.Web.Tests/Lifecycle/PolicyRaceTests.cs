using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Estimates;
using Portal.Provisioning.Lifecycle;
using Portal.Web.Tests.Costs;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Lifecycle;

/// <summary>
/// Policy limits hold under concurrent requests: 20 parallel <c>POST /api/v1/requests</c> against 3 free quota slots (or a
/// budget that fits 3) approve exactly 3, and the rest say why in words, in the API and in the audit log. On PostgreSQL
/// (advisory lock per team) and SQLite (its single writer). The clock is frozen at the middle of a 30-day month, so a new
/// environment's estimate counts half against the budget's remaining headroom.
/// </summary>
public abstract class PolicyRaceTests(DatabaseProvider provider) : IAsyncLifetime
{
    private const int Parallel = 20;
    private const string Team = "payments";
    private static readonly DateTimeOffset Now = new(2026, 11, 16, 0, 0, 0, TimeSpan.Zero);
    private readonly TestClock _clock = new();
    private PortalWebFactory _portal = default!;

    public async Task InitializeAsync()
    {
        _clock.Freeze(Now);
        _portal = await PortalWebFactory.StartAsync(
            provider,
            settings: new Dictionary<string, string?> { ["Costs:CheckAllocationTagsOnStartup"] = "false" },
            services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)));
    }

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task TwentyParallelCreates_AgainstThreeFreeQuotaSlots_ApproveExactlyThree_AndRefuseTheRestWithTheQuotaReason()
    {
        var teamId = await TeamIdAsync();
        var quota = await LiveDevAsync(teamId) + 3;
        Quotas["dev"] = quota;

        var outcomes = await SubmitInParallelAsync("quota");

        outcomes.Count(o => o.Status == "Approved").ShouldBe(3, Describe(outcomes));
        var refused = outcomes.Where(o => o.Status != "Approved").ToList();
        refused.Count.ShouldBe(Parallel - 3);
        foreach (var outcome in refused)
        {
            outcome.Status.ShouldBe("Rejected");
            outcome.Reason.ShouldBe($"Rejected by policy: {Team} already has {quota} of {quota} dev environments");
        }

        (await LiveDevAsync(teamId)).ShouldBe(quota, "the quota holds: exactly the 3 free slots were taken");
        await AssertAuditedAsync(refused);
    }

    [Fact]
    public async Task TwentyParallelCreates_AgainstABudgetThatFitsThree_AutoApproveExactlyThree_AndTheRestWaitWithTheBudgetReason()
    {
        var teamId = await TeamIdAsync();
        Quotas["dev"] = 1000;
        var estimate = EstimateOfADevSite();
        estimate.ShouldBeGreaterThan(0m);

        // Remaining headroom of 2.25 estimates: each approval takes 14/30 of an estimate (it lives 336 hours, to 30 November, of
        // the month's 30 days; a forecast stops at an environment's expiry), so the fourth request's full estimate no longer
        // fits (2.25 - 3 × 14/30 = 0.85 < 1, while 2.25 - 2 × 14/30 = 1.32 still fits the third).
        var position = await _portal.Services.GetRequiredService<IBudgetLedger>().GetBudgetAsync(teamId, Now, CancellationToken.None);
        var budget = position.MonthlyBudgetUsd - position.RemainingUsd + (estimate * 2.25m);
        await using (var db = await _portal.DbAsync())
        {
            var team = await db.Teams.SingleAsync(t => t.Id == teamId);
            team.Update(team.Name, team.CostCenter, budget, Now);
            await db.SaveChangesAsync();
        }

        var outcomes = await SubmitInParallelAsync("budget", ttlHours: 336);

        outcomes.Count(o => o.Status == "Approved").ShouldBe(3, Describe(outcomes));
        var waiting = outcomes.Where(o => o.Status != "Approved").ToList();
        waiting.Count.ShouldBe(Parallel - 3);
        foreach (var outcome in waiting)
        {
            outcome.Status.ShouldBe("PendingApproval");
            outcome.Reason.ShouldStartWith("Needs 1 platform engineer: dev, ");
            outcome.Reason.ShouldContain($"more than {Team}' remaining $");
        }

        await AssertAuditedAsync(waiting);
    }

    private Dictionary<string, int> Quotas => _portal.Services.GetRequiredService<IOptions<ApprovalPolicyOptions>>().Value.Quotas;

    private async Task<List<Outcome>> SubmitInParallelAsync(string prefix, int? ttlHours = null)
    {
        var clients = new List<HttpClient>();
        for (var i = 0; i < Parallel; i++)
        {
            clients.Add(await _portal.CreateTokenClientAsync("dev@example.com"));
        }

        try
        {
            var responses = await Task.WhenAll(clients.Select((client, i) => Task.Run(() => client.PostAsJsonAsync("/api/v1/requests", new
            {
                kind = "create",
                template = "static-site",
                tier = "dev",
                region = "us-east-1",
                team = Team,
                name = $"{prefix}-{i}",
                parameters = new Dictionary<string, string>(),
                ttlHours,
                justification = "Racing the policy",
            }))));
            var outcomes = new List<Outcome>();
            foreach (var response in responses)
            {
                var body = await response.Content.ReadAsStringAsync();
                response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
                using var json = JsonDocument.Parse(body);
                var decision = json.RootElement.GetProperty("decision");
                outcomes.Add(new Outcome(
                    json.RootElement.GetProperty("id").GetGuid(), json.RootElement.GetProperty("status").GetString()!, decision.GetProperty("reason").GetString()!));
                response.Dispose();
            }

            return outcomes;
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    // The audit log says the same words as the API, for every refused or waiting request.
    private async Task AssertAuditedAsync(IReadOnlyList<Outcome> outcomes)
    {
        await using var db = await _portal.DbAsync();
        var ids = outcomes.Select(o => o.Id.ToString()).ToList();
        var audited = await db.AuditEvents.Where(a => a.Action == "request.submitted" && ids.Contains(a.TargetId)).ToListAsync();
        audited.Count.ShouldBe(outcomes.Count);
        foreach (var outcome in outcomes)
        {
            var detail = JsonDocument.Parse(audited.Single(a => a.TargetId == outcome.Id.ToString()).Detail).RootElement;
            detail.GetProperty("reason").GetString().ShouldBe(outcome.Reason);
        }
    }

    private decimal EstimateOfADevSite()
    {
        var entry = _portal.Services.GetRequiredService<CatalogProvider>().Current.Find("static-site")!;
        var result = _portal.Services.GetRequiredService<EnvironmentEstimator>().Estimate(
            entry, new EstimateRequest("dev", "us-east-1", new Dictionary<string, string>()), PortalValues.Preview(Team, "budget-0", EnvironmentTier.Dev));
        return result.Estimate!.MonthlyUsd;
    }

    private async Task<Guid> TeamIdAsync()
    {
        await using var db = await _portal.DbAsync();
        return await db.Teams.Where(t => t.Slug == Team).Select(t => t.Id).SingleAsync();
    }

    // The policy's own count: environments not destroyed, plus create requests pending or approved but not yet made.
    private async Task<int> LiveDevAsync(Guid teamId)
    {
        await using var db = await _portal.DbAsync();
        return await db.Environments.CountAsync(e => e.TeamId == teamId && e.Tier == EnvironmentTier.Dev && e.Status != EnvironmentStatus.Destroyed)
            + await db.EnvironmentRequests.CountAsync(r => r.TeamId == teamId && r.Tier == EnvironmentTier.Dev && r.Kind == RequestKind.Create && r.EnvironmentId == null
                && (r.Status == RequestStatus.PendingApproval || r.Status == RequestStatus.Approved));
    }

    private static string Describe(IEnumerable<Outcome> outcomes) => string.Join("\n", outcomes.Select(o => $"{o.Status}: {o.Reason}"));

    private sealed record Outcome(Guid Id, string Status, string Reason);
}

public sealed class PolicyRacePostgresTests() : PolicyRaceTests(DatabaseProvider.Postgres);

public sealed class PolicyRaceSqliteTests() : PolicyRaceTests(DatabaseProvider.Sqlite);
