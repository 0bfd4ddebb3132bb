using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Costs;
using Portal.Provisioning.Estimates;
using Portal.Provisioning.Lifecycle;
using Portal.Sandbox;

namespace Portal.Web.Hosting;

/// <summary>
/// <c>costs backfill --days N</c> (sandbox mode only): gives every team a year-like history of environments, so a new user sees
/// real figures on the cost dashboards. Per team: a prod network running since the start, a prod database or site, staging
/// environments that live 30 days each, and short-lived dev environments (the tier's default TTL) every nine days, plus one
/// dev environment made a day ago and still running. Each is a real request (auto-approved for dev; approved by platform engineers for staging and prod), a
/// real environment row and a stack created in the sandbox at that past time from the catalog template, tagged like any
/// other; the sandbox then bills it from its creation to its deletion, and ingestion reads those bills from Cost Explorer.
/// </summary>
/// <remarks>
/// Idempotent: environments are named <c>hist-*</c> and one that exists is left alone. The rows carry their past timestamps;
/// the audit log gets one entry, at the real time, listing what was made.
/// </remarks>
public sealed class SandboxCostHistory(
    IDbContextFactory<PortalDbContext> contextFactory,
    IServiceScopeFactory scopes,
    CatalogProvider catalog,
    EnvironmentEstimator estimator,
    AwsAccountDirectory accounts,
    IOptions<AwsOptions> awsOptions,
    CidrAllocator cidrs,
    ISandboxAdmin sandbox,
    CostAllocationTags allocationTags,
    CostIngestion ingestion,
    TimeProvider timeProvider)
{
    public const int MaxDays = 395;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Justification = "Sandbox history made by 'costs backfill' (demo data, not a real request).";

    public async Task<SandboxHistoryResult> BackfillAsync(int days, CancellationToken cancellationToken)
    {
        if (awsOptions.Value.Mode != AwsMode.Sandbox)
        {
            throw new InvalidOperationException("costs backfill only runs in sandbox mode (Aws:Mode=Sandbox): it makes the sandbox bill past days, and real AWS bills are real.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(days, MaxDays);
        var now = timeProvider.GetUtcNow();
        var start = now.AddDays(-days);
        var (teams, engineers) = await LoadPeopleAsync(cancellationToken);
        if (teams.Count == 0)
        {
            throw new InvalidOperationException("There are no teams to give a history to; create teams first (Admin → Teams), or enable the demo organisation.");
        }

        var created = new List<Guid>();
        var skipped = 0;
        foreach (var (team, owner, index) in teams.Select((t, i) => (t.Team, t.Owner, i)))
        {
            foreach (var plan in Plan(index, start, now))
            {
                var id = await CreateAsync(team, owner, engineers, plan, now, cancellationToken);
                if (id is { } made)
                {
                    created.Add(made);
                }
                else
                {
                    skipped++;
                }
            }
        }

        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            db.Audit(now, AuditActor.System, "costs.backfilled", "costs", "sandbox", new { days, created = created.Count, skipped, environmentIds = created });
            await db.SaveChangesAsync(cancellationToken);
        }

        // Cost Explorer groups spend by a tag only while it is an active cost allocation tag (the sandbox, like AWS, starts it
        // inactive); the portal's startup check may not have run yet in this short-lived host.
        await allocationTags.CheckAllAsync(cancellationToken);

        var runs = await ingestion.IngestAllAsync(DateOnly.FromDateTime(start.UtcDateTime), cancellationToken);
        return new SandboxHistoryResult(created.Count, skipped, runs);
    }

    /// <summary>What one team's history holds, in time order: (name, template, tier, created, destroyed or null when still live).</summary>
    internal static IEnumerable<PlannedEnvironment> Plan(int teamIndex, DateTimeOffset start, DateTimeOffset now)
    {
        var span = now - start;
        var offset = TimeSpan.FromHours(3 * teamIndex);
        yield return new("hist-network", "network-vpc", EnvironmentTier.Prod, start + offset, null);
        yield return teamIndex % 2 == 0
            ? new("hist-db", "rds-postgres", EnvironmentTier.Prod, start + offset + (span * 0.1), null)
            : new("hist-site", "static-site", EnvironmentTier.Prod, start + offset + (span * 0.1), null);

        var stage = 1;
        for (var at = start + offset + TimeSpan.FromDays(2); at < now - TimeSpan.FromDays(1); at += TimeSpan.FromDays(32))
        {
            var end = at + TimeSpan.FromDays(30);
            yield return new($"hist-stage-{stage++}", "ecs-web-service", EnvironmentTier.Staging, at, end < now ? end : null, 30 * 24);
        }

        var feature = 1;
        for (var at = start + offset + TimeSpan.FromDays(1); at < now - TimeSpan.FromHours(2); at += TimeSpan.FromDays(9))
        {
            var template = feature % 3 == 0 ? "static-site" : "network-vpc";
            var end = at + TimeSpan.FromHours(72);
            yield return new($"hist-feature-{feature++}", template, EnvironmentTier.Dev, at, end < now ? end : null, 72);
        }

        if (span > TimeSpan.FromDays(2))
        {
            yield return new("hist-feature-live", "network-vpc", EnvironmentTier.Dev, now - TimeSpan.FromDays(1), null, 72);
        }
    }

    private async Task<(List<(Team Team, PortalUser Owner)> Teams, List<PortalUser> Engineers)> LoadPeopleAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var engineers = (await users.GetUsersInRoleAsync(PortalRoles.PlatformEngineer)).OrderBy(u => u.Email, StringComparer.Ordinal).ToList();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var teams = await db.Teams.AsNoTracking().OrderBy(t => t.Slug).ToListAsync(cancellationToken);
        var result = new List<(Team, PortalUser)>();
        foreach (var team in teams)
        {
            var memberId = await db.TeamMemberships.Where(m => m.TeamId == team.Id).OrderBy(m => m.JoinedAt).Select(m => (Guid?)m.UserId).FirstOrDefaultAsync(cancellationToken);
            var owner = memberId is { } id ? await db.Users.AsNoTracking().SingleAsync(u => u.Id == id, cancellationToken) : engineers.FirstOrDefault();
            if (owner is not null)
            {
                result.Add((team, owner));
            }
        }

        return (result, engineers);
    }

    private async Task<Guid?> CreateAsync(Team team, PortalUser owner, List<PortalUser> engineers, PlannedEnvironment plan, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var entry = catalog.Current.Find(plan.Template);
        var tierSlug = plan.Tier.Slug();
        var account = accounts.ForTier(tierSlug).FirstOrDefault();
        var region = awsOptions.Value.DefaultRegion;
        var approvals = plan.Tier switch
        {
            EnvironmentTier.Prod => 2,
            EnvironmentTier.Staging => 1,
            EnvironmentTier.Dev => 0,
            _ => throw new ArgumentOutOfRangeException(nameof(plan), plan.Tier, "Unknown tier."),
        };
        if (entry is null || !entry.Manifest.Tiers.ContainsKey(tierSlug) || account is null || engineers.Count < approvals)
        {
            return null;
        }

        Guid environmentId;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            if (await db.Environments.AnyAsync(e => e.TeamId == team.Id && e.Name == plan.Name && e.Tier == plan.Tier, cancellationToken))
            {
                return null;
            }

            var user = EnvironmentEstimator.PreviewUserValues(entry).Where(p => entry.Manifest.UserParameters.Contains(p.Key)).ToDictionary(StringComparer.Ordinal);
            var estimate = estimator.Estimate(entry, new EstimateRequest(tierSlug, region, user), PortalValues.Preview(team.Slug, plan.Name, plan.Tier));
            if (!estimate.IsValid || estimate.Estimate is null)
            {
                return null;
            }

            var submittedAt = plan.CreatedAt.AddMinutes(-30);
            var request = EnvironmentRequest.Submit(
                new RequestDetails(
                    RequestKind.Create, owner.Id, team.Id, null, plan.Name, entry.Slug, entry.Version, plan.Tier, account.Id, region,
                    JsonSerializer.Serialize(user, Json), Justification, plan.TtlHours is { } h ? (int)Math.Ceiling(h / 24.0) : null,
                    JsonSerializer.Serialize(estimate.Estimate.LineItems, Json), estimate.Estimate.MonthlyUsd, plan.TtlHours),
                approvals == 0
                    ? PolicyRuling.AutoApproved("Auto-approved: dev within the team's budget (sandbox history)")
                    : PolicyRuling.NeedsApproval(approvals, $"Needs {approvals} platform engineer(s): {tierSlug} (sandbox history)"),
                submittedAt);
            foreach (var engineer in engineers.Take(approvals))
            {
                request.Approve(new Decider(engineer.Id, engineer.DisplayName, true), "Reviewed (sandbox history).", plan.CreatedAt.AddMinutes(-10));
            }

            var environment = PortalEnvironment.Create(
                plan.Name, team.Id, team.Slug, owner.Id, entry.Slug, entry.Version, plan.Tier, account.Id, region, request.ParametersJson,
                plan.TtlHours is { } hours ? plan.CreatedAt.AddHours(hours) : null, false, plan.CreatedAt);
            environment.SetMonthlyEstimate(request.EstimateMonthlyUsd, plan.CreatedAt, request.EstimateMonthlyMaxUsd);
            // Stamped with the real moment, not the back-dated one: until the stack below exists and the environment is Ready, it
            // sits in Requested, and the reconciler (every minute) enqueues a Requested environment whose last change is older than
            // its grace — a back-dated one at once, which provisioned it for real beside this and left it Failed now and then.
            environment.BeginOperation(request.Id, now);
            request.AttachEnvironment(environment.Id, plan.CreatedAt);
            db.EnvironmentRequests.Add(request);
            db.Environments.Add(environment);
            await db.SaveChangesAsync(cancellationToken);
            environmentId = environment.Id;
        }

        if (entry.Manifest.NeedsVpcCidr && account.CidrPools.TryGetValue(region, out var pool))
        {
            await cidrs.AllocateAsync(account.Id, region, pool, CidrAllocator.LargestVpcPrefix, environmentId, cancellationToken);
        }

        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            var environment = await db.Environments.SingleAsync(e => e.Id == environmentId, cancellationToken);
            var request = await db.EnvironmentRequests.SingleAsync(r => r.EnvironmentId == environmentId, cancellationToken);
            var spec = await StackSpec.ForAsync(db, environment, entry, environment.ParametersJson, cancellationToken);
            var stackId = await sandbox.CreateBackdatedStackAsync(
                new BackdatedStack(
                    account.Id, region, environment.StackName, spec.TemplateBody,
                    [.. spec.Parameters.Select(p => KeyValuePair.Create(p.ParameterKey ?? "", p.ParameterValue ?? ""))],
                    [.. spec.Tags.Select(t => KeyValuePair.Create(t.Key, t.Value))],
                    spec.Capabilities, plan.CreatedAt, plan.DestroyedAt),
                cancellationToken);
            var ready = plan.CreatedAt.AddMinutes(20) < now ? plan.CreatedAt.AddMinutes(20) : now;
            environment.BeginProvisioning(stackId, plan.CreatedAt);
            environment.MarkOperationStarted(stackId, plan.CreatedAt);
            environment.MarkReady("{}", ready);
            environment.EndOperation(ready);
            environment.RecordStackStatus("CREATE_COMPLETE", ready);
            request.MarkCompleted(ready);
            if (plan.DestroyedAt is { } destroyedAt)
            {
                environment.BeginDestroy(destroyedAt);
                environment.MarkDestroyed(destroyedAt);
                environment.RecordStackStatus("DELETE_COMPLETE", destroyedAt);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        if (plan.DestroyedAt is not null)
        {
            await cidrs.ReleaseAsync(environmentId, cancellationToken);
        }

        return environmentId;
    }

    internal sealed record PlannedEnvironment(string Name, string Template, EnvironmentTier Tier, DateTimeOffset CreatedAt, DateTimeOffset? DestroyedAt, int? TtlHours = null);
}

/// <summary>What <c>costs backfill</c> made: environments created and skipped (already there, or not offered), and the ingestion runs that read their bills.</summary>
public sealed record SandboxHistoryResult(int Created, int Skipped, IReadOnlyList<CostIngestionResult> IngestionRuns);
