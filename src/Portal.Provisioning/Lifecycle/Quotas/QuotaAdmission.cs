using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Catalog;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// A submit's quota check, read from AWS before any lock is taken: the account and region's snapshot and what the request
/// adds (a create: its template; an update: only what its new values add over what its stack holds now).
/// </summary>
public sealed record QuotaCheck(string AccountId, string Region, QuotaDemand Demand, AccountQuotaSnapshot Snapshot, string? OwnStackName)
{
    /// <summary>The lock that serializes checks and inserts for one account and region (the quotas are per account and region).</summary>
    public string LockKey => $"account-quotas:{AccountId}:{Region}";
}

/// <summary>
/// Quota-aware admission. Before a create (or an update that adds VPCs, Elastic IPs or NAT gateways) is queued:
/// <list type="number">
/// <item><see cref="PrepareAsync"/>, outside any lock: what the request adds, and the account and region's snapshot from
/// <see cref="AccountQuotaSnapshots"/> (StackLimit, live stacks, what each holds — reused for a short while).</item>
/// <item><see cref="AdmitAsync"/>, inside the submit's transaction under the account and region's lock (PostgreSQL:
/// <c>pg_advisory_xact_lock</c> on <see cref="QuotaCheck.LockKey"/>, so across nodes too; SQLite: its single writer): adds
/// what the portal has queued but AWS does not show yet — create requests pending or approved without an environment,
/// environments still being created (their template, not their half-made stack), environments whose stack the snapshot
/// does not have yet — drops stacks the portal destroyed since the snapshot, compares, and refuses (422, field
/// <c>quota</c>, with the numbers). The insert follows in the same transaction, so two submits at the last free slot take turns.</item>
/// </list>
/// NAT gateways are counted per Availability Zone (AWS's quota); gateways whose zone is unknown are checked against the
/// region's capacity (<c>NatGatewaysPerAz × AvailabilityZones</c>) and the refusal says so. When the account cannot be read,
/// the request is admitted and the reason logged: the check never blocks on an outage.
/// </summary>
public sealed partial class QuotaAdmission(
    AccountQuotaSnapshots snapshots, CatalogProvider catalog, IOptions<QuotaOptions> options, ILogger<QuotaAdmission> logger)
{
    /// <summary>The field of the 422 a refusal answers with.</summary>
    public const string Field = "quota";

    /// <summary>What <paramref name="entry"/> would create with these values (see <see cref="QuotaDemands"/>).</summary>
    public static QuotaDemand DemandOf(CatalogEntry entry, string tier, string region, IReadOnlyDictionary<string, string> portalValues, IReadOnlyDictionary<string, string> userValues) =>
        QuotaDemands.Of(entry, tier, region, portalValues, userValues);

    /// <summary>
    /// Reads what the check needs from AWS; null when there is nothing to check (checks off, not a create or update, an update
    /// that adds nothing) or the account cannot be read (logged; admitted unchecked).
    /// </summary>
    public async Task<QuotaCheck?> PrepareAsync(
        RequestDetails details, CatalogEntry? entry, string teamSlug, PortalEnvironment? environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(details);
        if (!options.Value.Enabled || entry is null || details.Kind is not (RequestKind.Create or RequestKind.Update))
        {
            return null;
        }

        var user = JsonSerializer.Deserialize<Dictionary<string, string>>(details.ParametersJson, RequestWorkflow.Json) ?? [];
        var demand = DemandOf(entry, details.Tier.Slug(), details.Region, PortalValues.Preview(teamSlug, details.EnvironmentName, details.Tier), user);
        if (details.Kind == RequestKind.Update && !demand.NeedsResourceCounts)
        {
            return null;
        }

        try
        {
            var snapshot = await snapshots.GetAsync(details.AccountId, details.Region, demand.NeedsResourceCounts, cancellationToken).ConfigureAwait(false);
            if (details.Kind == RequestKind.Update && environment is not null)
            {
                if (snapshot.Holdings?.ContainsKey(environment.StackName) != true)
                {
                    // A snapshot from before the stack existed: read the account again rather than guess what the stack holds.
                    snapshots.Invalidate(details.AccountId, details.Region);
                    snapshot = await snapshots.GetAsync(details.AccountId, details.Region, withHoldings: true, cancellationToken).ConfigureAwait(false);
                }

                // Only what the update adds over what the stack holds now (its template's demand if AWS does not show it).
                var now = snapshot.Holdings?.GetValueOrDefault(environment.StackName)
                    ?? DemandOf(entry, details.Tier.Slug(), details.Region, PortalValues.Preview(teamSlug, environment.Name, environment.Tier), UserValues(entry, environment.ParametersJson));
                demand = demand.Over(now);
                if (!demand.NeedsResourceCounts)
                {
                    return null;
                }
            }

            return new QuotaCheck(details.AccountId, details.Region, demand, snapshot, environment?.StackName);
        }
        catch (Exception e) when (e is AwsServiceException or HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogUnreadable(e, details.AccountId, details.Region);
            return null;
        }
    }

    /// <summary>
    /// Inside the submit's transaction: takes the account and region's lock (PostgreSQL), counts and refuses a request that
    /// would pass a quota (<see cref="DomainValidationException"/> on <see cref="Field"/>). Nothing to check when <paramref name="check"/> is null.
    /// </summary>
    public async Task AdmitAsync(PortalDbContext db, QuotaCheck? check, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (check is null)
        {
            return;
        }

        if (!db.Database.IsSqlite() && db.Database.CurrentTransaction is not null)
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({check.LockKey}, 0))", cancellationToken).ConfigureAwait(false);
        }

        var verdict = await EvaluateAsync(db, check, cancellationToken).ConfigureAwait(false);
        if (verdict.Refusal is { } refusal)
        {
            throw new DomainValidationException(Field, refusal);
        }
    }

    /// <summary>Counts what the account and region hold and the portal has queued, and compares with the check's demand.</summary>
    public async Task<QuotaVerdict> EvaluateAsync(PortalDbContext db, QuotaCheck check, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(check);
        var snapshot = check.Snapshot;
        var withResources = check.Demand.NeedsResourceCounts;
        var environments = await db.Environments.AsNoTracking()
            .Where(e => e.AccountId == check.AccountId && e.Region == check.Region
                        && (e.Status != EnvironmentStatus.Destroyed || e.DestroyedAt >= snapshot.TakenAt))
            .Select(e => new { e.Name, e.StackName, e.Status, e.TeamId, e.Tier, e.TemplateSlug, e.ParametersJson })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var requests = await db.EnvironmentRequests.AsNoTracking()
            .Where(r => r.Kind == RequestKind.Create && r.AccountId == check.AccountId && r.Region == check.Region && r.EnvironmentId == null
                        && (r.Status == RequestStatus.PendingApproval || r.Status == RequestStatus.Approved))
            .Select(r => new { Name = r.EnvironmentName, r.TeamId, r.Tier, r.TemplateSlug, r.ParametersJson })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var teamIds = environments.Select(e => e.TeamId).Concat(requests.Select(r => r.TeamId)).Distinct().ToList();
        var teams = await db.Teams.AsNoTracking().Where(t => teamIds.Contains(t.Id)).ToDictionaryAsync(t => t.Id, t => t.Slug, cancellationToken).ConfigureAwait(false);

        var live = environments.Where(e => e.Status != EnvironmentStatus.Destroyed).ToList();
        var liveNames = live.Select(e => e.StackName).ToHashSet(StringComparer.Ordinal);
        var creating = live.Where(e => e.Status is EnvironmentStatus.Requested or EnvironmentStatus.Provisioning).Select(e => e.StackName).ToHashSet(StringComparer.Ordinal);

        // Destroyed since the snapshot (and not reused by a live environment): gone from AWS already.
        var destroyed = environments.Where(e => e.Status == EnvironmentStatus.Destroyed && !liveNames.Contains(e.StackName)).Select(e => e.StackName).ToHashSet(StringComparer.Ordinal);
        var inSnapshot = snapshot.Stacks.Select(s => s.StackName).ToHashSet(StringComparer.Ordinal);

        var held = QuotaDemand.None;
        var stacks = 0;
        foreach (var stack in snapshot.Stacks.Where(s => !creating.Contains(s.StackName) && !destroyed.Contains(s.StackName)))
        {
            stacks++;
            if (withResources && snapshot.Holdings?.GetValueOrDefault(stack.StackName) is { } holding)
            {
                held = held.Plus(holding with { Stacks = 0 });
            }
        }

        // What the portal has queued or is creating, and what it made that AWS did not show yet: their templates' demand.
        var demands = new Dictionary<string, QuotaDemand>(StringComparer.Ordinal);
        QuotaDemand Queued(string slug, EnvironmentTier tier, string name, Guid teamId, string parametersJson)
        {
            if (!withResources)
            {
                return new QuotaDemand(1, 0, 0, 0); // only stacks are compared: no template to resolve
            }

            var key = $"{slug}|{tier}|{parametersJson}";
            if (!demands.TryGetValue(key, out var demand))
            {
                var entry = catalog.Current.Find(slug);
                demand = entry is null
                    ? new QuotaDemand(1, 0, 0, 0)
                    : DemandOf(entry, tier.Slug(), check.Region, PortalValues.Preview(teams.GetValueOrDefault(teamId) ?? "team", name, tier), UserValues(entry, parametersJson));
                demands[key] = demand;
            }

            return demand;
        }

        var queued = QuotaDemand.None;
        foreach (var environment in live.Where(e => e.StackName != check.OwnStackName && (creating.Contains(e.StackName) || !inSnapshot.Contains(e.StackName))))
        {
            queued = queued.Plus(Queued(environment.TemplateSlug, environment.Tier, environment.Name, environment.TeamId, environment.ParametersJson));
        }

        foreach (var request in requests)
        {
            queued = queued.Plus(Queued(request.TemplateSlug, request.Tier, request.Name, request.TeamId, request.ParametersJson));
        }

        var total = held.Plus(queued with { Stacks = 0 });
        var usages = Compare(check, stacks + queued.Stacks, total, withResources);
        var exceeded = usages.FirstOrDefault(u => u.WouldExceed);
        var refusal = exceeded is null
            ? null
            : $"{exceeded.Scope} has {N(exceeded.InUse)} of {N(exceeded.Limit)} {exceeded.Unit} in account {check.AccountId}; this request needs {N(exceeded.Requested)} more."
              + (exceeded.Note is null ? "" : $" {exceeded.Note}")
              + " Free some up or ask for a quota increase, then submit again.";
        return new QuotaVerdict(check.AccountId, check.Region, usages, refusal);
    }

    private List<QuotaUsage> Compare(QuotaCheck check, int stacks, QuotaDemand held, bool withResources)
    {
        var quotas = options.Value;
        var demand = check.Demand;
        var usages = new List<QuotaUsage> { new("stacks", check.Region, "stacks (CloudFormation StackLimit)", stacks, check.Snapshot.StackLimit, demand.Stacks) };
        if (!withResources)
        {
            return usages;
        }

        usages.Add(new("vpcs", check.Region, "VPCs", held.Vpcs, quotas.VpcsPerRegion, demand.Vpcs));
        usages.Add(new("elastic-ips", check.Region, "Elastic IPs", held.ElasticIps, quotas.ElasticIpsPerRegion, demand.ElasticIps));

        // AWS's quota is per Availability Zone: each zone the request places a gateway in is compared with what that zone holds.
        foreach (var (zone, count) in demand.NatGatewaysByZone.Where(z => z.Key != QuotaDemand.UnknownZone && z.Value > 0).OrderBy(z => z.Key, StringComparer.Ordinal))
        {
            usages.Add(new("nat-gateways", zone, "NAT gateways", held.NatGatewaysByZone.GetValueOrDefault(zone), quotas.NatGatewaysPerAz, count));
        }

        // Where a zone is unknown (the request's or a stack's), fall back to the region's capacity, and say so.
        var unknownHeld = held.NatGatewaysByZone.GetValueOrDefault(QuotaDemand.UnknownZone);
        var unknownDemand = demand.NatGatewaysByZone.GetValueOrDefault(QuotaDemand.UnknownZone);
        if (demand.NatGateways > 0 && (unknownHeld > 0 || unknownDemand > 0))
        {
            var capacity = quotas.NatGatewaysPerAz * quotas.AvailabilityZones;
            usages.Add(new(
                "nat-gateways",
                check.Region,
                $"NAT gateways ({N(quotas.NatGatewaysPerAz)} per Availability Zone in {N(quotas.AvailabilityZones)} zones)",
                held.NatGateways,
                capacity,
                demand.NatGateways,
                $"The Availability Zone of {N(unknownHeld + unknownDemand)} NAT gateway(s) is unknown, so they were checked against the region's {N(capacity)}, not per zone."));
        }

        return usages;
    }

    private static Dictionary<string, string> UserValues(CatalogEntry entry, string parametersJson) =>
        (JsonSerializer.Deserialize<Dictionary<string, string>>(parametersJson, RequestWorkflow.Json) ?? [])
            .Where(p => entry.Manifest.UserParameters.Contains(p.Key))
            .ToDictionary(StringComparer.Ordinal);

    private static string N(int value) => value.ToString("#,##0", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quotas of account {AccountId} in {Region} could not be read; the request is admitted unchecked")]
    private partial void LogUnreadable(Exception exception, string accountId, string region);
}

/// <summary>Registers <see cref="QuotaAdmission"/> and its snapshots, and binds <see cref="QuotaOptions"/> (section <c>Quotas</c>).</summary>
public static class QuotaAdmissionServiceCollectionExtensions
{
    public static IServiceCollection AddQuotaAdmission(this IServiceCollection services)
    {
        services.AddOptions<QuotaOptions>().BindConfiguration(QuotaOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AccountQuotaSnapshots>();
        services.TryAddSingleton<QuotaAdmission>();
        return services;
    }
}
