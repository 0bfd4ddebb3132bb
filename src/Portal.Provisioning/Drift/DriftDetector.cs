using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Drift;

/// <summary>
/// Drift detection of environments' stacks: one round (<see cref="RunAsync"/>, run by <c>DriftDetectionJob</c>) gives every
/// environment with a stack its schedule row, reads the detections in flight (<c>DescribeStackDriftDetectionStatus</c>,
/// then <c>DescribeStackResourceDrifts</c> per resource once complete), and starts <c>DetectStackDrift</c> for those asked
/// for on demand, then those due, at most <see cref="DriftOptions.MaxDetectionsPerAccountPerMinute"/> per account per
/// minute (counted from the database, so across nodes). A drifted stack is audited and told to the environment's team.
/// </summary>
public sealed partial class DriftDetector(
    IDbContextFactory<PortalDbContext> contextFactory,
    ICloudFormationClientFactory clients,
    AwsAccountDirectory accounts,
    LifecycleSignals signals,
    IOptions<DriftOptions> options,
    TimeProvider timeProvider,
    ILogger<DriftDetector> logger)
{
    private static readonly AuditActor Portal = new(null, "portal");
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // A detection AWS has not finished within this long is given up (and tried again after RetryAfter).
    private static readonly TimeSpan DetectionTimeout = TimeSpan.FromMinutes(15);

    /// <summary>One round; returns what it did.</summary>
    public async Task<DriftRound> RunAsync(CancellationToken cancellationToken)
    {
        var seeded = await SeedAsync(cancellationToken);
        var completed = await PollAsync(cancellationToken);
        var (started, deferred) = await StartAsync(cancellationToken);

        // Detections take seconds to minutes: wait a little for those just started, so an on-demand one shows soon.
        var deadline = timeProvider.GetUtcNow() + options.Value.WaitForCompletion;
        while (started > 0 && await InFlightCountAsync(cancellationToken) > 0 && timeProvider.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), timeProvider, cancellationToken);
            completed += await PollAsync(cancellationToken);
        }

        return new DriftRound(seeded, started, completed, deferred);
    }

    /// <summary>Asks for a detection of the environment now (team members and platform engineers); the job starts it within the cap.</summary>
    public async Task<EnvironmentDriftView> RequestAsync(LifecycleActor actor, Guid environmentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var environment = await db.Environments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == environmentId, cancellationToken);
        if (environment is null || !actor.CanSee(environment.TeamId))
        {
            throw new LifecycleNotFoundException("environment", environmentId);
        }

        if (!actor.IsMemberOf(environment.TeamId) && !actor.IsPlatformEngineer)
        {
            throw new DecisionForbiddenException("Only members of the environment's team and platform engineers can detect its drift.");
        }

        if (environment.OutOfBandConflict(RequestKind.Update) is { } outOfBand && environment.OutOfBand == OutOfBandChange.Deleted)
        {
            throw new LifecycleConflictException(outOfBand);
        }

        if (environment.StackId is null || environment.Status is not (EnvironmentStatus.Ready or EnvironmentStatus.Stopped))
        {
            throw new LifecycleConflictException($"Drift is detected on a Ready or Stopped environment; {environment.Name} is {environment.Status}.");
        }

        var now = timeProvider.GetUtcNow();
        var drift = await db.EnvironmentDrifts.SingleOrDefaultAsync(d => d.EnvironmentId == environmentId, cancellationToken);
        if (drift is null)
        {
            drift = EnvironmentDrift.For(environmentId, environment.AccountId, DriftSchedule.NextDue(environmentId, now, options.Value.Interval), now);
            db.EnvironmentDrifts.Add(drift);
        }

        drift.Request(now);
        db.Audit(now, new AuditActor(actor.UserId == Guid.Empty ? null : actor.UserId, actor.Name), "environment.drift-requested",
            PortalEnvironment.AuditTargetType, environmentId.ToString(), new { environment.StackName });
        await db.SaveChangesAsync(cancellationToken);
        signals.PublishWithoutRowChange(new LifecycleChange(LifecycleChangeKind.Environment, environment.Id, environment.TeamId, environment.Id));
        return EnvironmentDriftView.From(environment, drift);
    }

    /// <summary>The environment's drift (what the Drift tab and <c>GET .../drift</c> show); 404 for an environment the actor may not see.</summary>
    public async Task<EnvironmentDriftView> GetAsync(LifecycleActor actor, Guid environmentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var environment = await db.Environments.AsNoTracking().SingleOrDefaultAsync(e => e.Id == environmentId, cancellationToken);
        if (environment is null || !actor.CanSee(environment.TeamId))
        {
            throw new LifecycleNotFoundException("environment", environmentId);
        }

        var drift = await db.EnvironmentDrifts.AsNoTracking().SingleOrDefaultAsync(d => d.EnvironmentId == environmentId, cancellationToken);
        return EnvironmentDriftView.From(environment, drift);
    }

    /// <summary>A platform engineer accepts a change made outside the portal: the stack as it is becomes the baseline again.</summary>
    public async Task AcceptOutOfBandChangeAsync(LifecycleActor actor, Guid environmentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var environment = await db.Environments.SingleOrDefaultAsync(e => e.Id == environmentId, cancellationToken);
        if (environment is null || !actor.CanSee(environment.TeamId))
        {
            throw new LifecycleNotFoundException("environment", environmentId);
        }

        if (!actor.IsPlatformEngineer)
        {
            throw new DecisionForbiddenException("Only platform engineers accept a change made outside the portal.");
        }

        var now = timeProvider.GetUtcNow();
        var seen = new { environment.OutOfBand, environment.OutOfBandDetail };
        environment.AcceptOutOfBandChange(now);
        db.Audit(now, new AuditActor(actor.UserId, actor.Name), "environment.change-accepted", PortalEnvironment.AuditTargetType, environment.Id.ToString(), seen);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new LifecycleConflictException($"{environment.Name} changed meanwhile; look again.");
        }

        signals.Publish(new LifecycleChange(LifecycleChangeKind.Environment, environment.Id, environment.TeamId, environment.Id));
    }

    /// <summary>Gives every environment with a stack (and none yet) its schedule row, due at its slot.</summary>
    private async Task<int> SeedAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var missing = await db.Environments.AsNoTracking()
            .Where(e => e.Status != EnvironmentStatus.Destroyed && e.StackId != null && !db.EnvironmentDrifts.Any(d => d.EnvironmentId == e.Id))
            .Select(e => new { e.Id, e.AccountId })
            .Take(5000)
            .ToListAsync(cancellationToken);
        if (missing.Count == 0)
        {
            return 0;
        }

        var now = timeProvider.GetUtcNow();
        foreach (var environment in missing)
        {
            db.EnvironmentDrifts.Add(EnvironmentDrift.For(environment.Id, environment.AccountId, DriftSchedule.NextDue(environment.Id, now, options.Value.Interval), now));
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return 0; // an on-demand request made one of them meanwhile: the next round seeds the rest
        }

        return missing.Count;
    }

    private async Task<int> InFlightCountAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await db.EnvironmentDrifts.CountAsync(d => d.DetectionId != null, cancellationToken);
    }

    /// <summary>Reads every detection in flight; stores those that completed or failed. Returns how many finished.</summary>
    private async Task<int> PollAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var inFlight = await db.EnvironmentDrifts.Where(d => d.DetectionId != null)
            .Join(db.Environments, d => d.EnvironmentId, e => e.Id, (d, e) => new { Drift = d, e.AccountId, e.Region, e.TeamId })
            .ToListAsync(cancellationToken);
        var changed = new List<LifecycleChange>();
        foreach (var group in inFlight.GroupBy(x => (x.AccountId, x.Region)))
        {
            var client = clients.Create(accounts.ContextFor(group.Key.AccountId), group.Key.Region);
            foreach (var item in group)
            {
                try
                {
                    if (await PollOneAsync(db, client, item.Drift, cancellationToken))
                    {
                        changed.Add(new LifecycleChange(LifecycleChangeKind.Environment, item.Drift.EnvironmentId, item.TeamId, item.Drift.EnvironmentId));
                    }
                }
                catch (ThrottlingException)
                {
                    break; // this account is busy: the next round reads the rest
                }
                catch (AwsServiceException e)
                {
                    item.Drift.Failed($"{e.ErrorCode}: {e.ErrorMessage}", timeProvider.GetUtcNow() + options.Value.RetryAfter, timeProvider.GetUtcNow());
                    changed.Add(new LifecycleChange(LifecycleChangeKind.Environment, item.Drift.EnvironmentId, item.TeamId, item.Drift.EnvironmentId));
                }
            }
        }

        await db.SaveChangesAsync(cancellationToken);

        // Only once stored: a page that reloads on the signal must read the result (no trigger announces it, see LifecycleSignals).
        foreach (var change in changed)
        {
            signals.PublishWithoutRowChange(change);
        }

        return changed.Count;
    }

    private async Task<bool> PollOneAsync(PortalDbContext db, ICloudFormationClient client, EnvironmentDrift drift, CancellationToken cancellationToken)
    {
        var status = await client.DescribeStackDriftDetectionStatusAsync(new DescribeStackDriftDetectionStatusRequest(drift.DetectionId!), cancellationToken);
        var now = timeProvider.GetUtcNow();
        var next = DriftSchedule.NextDue(drift.EnvironmentId, now, options.Value.Interval);
        switch (status.DetectionStatus)
        {
            case "DETECTION_IN_PROGRESS" when now - drift.DetectionStartedAt < DetectionTimeout:
                return false;
            case "DETECTION_IN_PROGRESS":
                drift.Failed("CloudFormation did not finish the detection within 15 minutes.", now + options.Value.RetryAfter, now);
                return true;
            case "DETECTION_FAILED" when status.StackDriftStatus is null:
                drift.Failed(status.DetectionStatusReason ?? "CloudFormation could not detect drift.", now + options.Value.RetryAfter, now);
                return true;
            default:
                // Complete (or failed on some resources, which then read UNKNOWN with the rest still reported).
                var resources = new List<DriftedResource>();
                string? token = null;
                do
                {
                    var page = await client.DescribeStackResourceDriftsAsync(
                        new DescribeStackResourceDriftsRequest { StackName = status.StackId, NextToken = token, MaxResults = 100 }, cancellationToken);
                    resources.AddRange(page.StackResourceDrifts.Select(DriftedResource.From));
                    token = page.NextToken;
                }
                while (!string.IsNullOrEmpty(token));

                var previous = drift.Status;
                var stackStatus = status.StackDriftStatus ?? EnvironmentDrift.Unknown;
                var drifted = status.DriftedStackResourceCount ?? resources.Count(r => r.Status is "MODIFIED" or "DELETED");
                drift.Completed(stackStatus, drifted, JsonSerializer.Serialize(resources, Json), next, now);
                var environment = await db.Environments.AsNoTracking().SingleAsync(e => e.Id == drift.EnvironmentId, cancellationToken);
                db.Audit(now, Portal, "environment.drift-detected", PortalEnvironment.AuditTargetType, environment.Id.ToString(), new
                {
                    environment.StackName,
                    Status = stackStatus,
                    DriftedResources = drifted,
                    Resources = resources.Where(r => r.Status is "MODIFIED" or "DELETED").Select(r => new { r.LogicalResourceId, r.Status }),
                });
                if (stackStatus == EnvironmentDrift.Drifted)
                {
                    await NotifyTeamAsync(db, environment, drift.DetectionId ?? status.StackDriftDetectionId, drifted, resources, now, cancellationToken);
                }

                if (previous != stackStatus || stackStatus == EnvironmentDrift.Drifted)
                {
                    LogDetected(environment.StackName, stackStatus, drifted);
                }

                return true;
        }
    }

    /// <summary>Starts the detections asked for, then those due, within each account's budget for the minute. Returns (started, deferred by the cap).</summary>
    private async Task<(int Started, int Deferred)> StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = timeProvider.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var candidates = await db.EnvironmentDrifts
            .Where(d => d.DetectionId == null && (d.RequestedAt != null || (settings.ScheduleEnabled && d.NextDueAt <= now)))
            .Join(
                db.Environments.Where(e => e.StackId != null && e.ActiveOperationId == null && e.OutOfBand != OutOfBandChange.Deleted
                                           && (e.Status == EnvironmentStatus.Ready || e.Status == EnvironmentStatus.Stopped)),
                d => d.EnvironmentId, e => e.Id, (d, e) => new { Drift = d, e.AccountId, e.Region, e.StackId })
            .OrderBy(x => x.Drift.RequestedAt == null).ThenBy(x => x.Drift.RequestedAt).ThenBy(x => x.Drift.NextDueAt)
            .Take(1000)
            .ToListAsync(cancellationToken);
        if (candidates.Count == 0)
        {
            return (0, 0);
        }

        var since = now - TimeSpan.FromMinutes(1);
        var accountIds = candidates.Select(c => c.AccountId).Distinct().ToList();
        var used = await db.EnvironmentDrifts.Where(d => accountIds.Contains(d.AccountId) && d.DetectionStartedAt > since)
            .GroupBy(d => d.AccountId).Select(g => new { AccountId = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.AccountId, g => g.Count, cancellationToken);
        var started = 0;
        var deferred = 0;
        foreach (var account in candidates.GroupBy(c => c.AccountId))
        {
            var budget = settings.MaxDetectionsPerAccountPerMinute - used.GetValueOrDefault(account.Key);
            var throttled = false;
            foreach (var item in account)
            {
                if (budget <= 0 || throttled)
                {
                    deferred++;
                    continue;
                }

                var client = clients.Create(accounts.ContextFor(item.AccountId), item.Region);
                try
                {
                    var detection = await client.DetectStackDriftAsync(new DetectStackDriftRequest { StackName = item.StackId! }, cancellationToken);
                    item.Drift.Started(detection.StackDriftDetectionId, timeProvider.GetUtcNow());
                    started++;
                    budget--;
                }
                catch (ThrottlingException)
                {
                    throttled = true; // the account is busy: the rest wait for the next round
                    deferred++;
                }
                catch (AwsServiceException e)
                {
                    var at = timeProvider.GetUtcNow();
                    item.Drift.Failed($"{e.ErrorCode}: {e.ErrorMessage}", at + settings.RetryAfter, at);
                    budget--; // the call was made
                }
            }

            if (deferred > 0)
            {
                LogCapped(account.Key, settings.MaxDetectionsPerAccountPerMinute, deferred);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return (started, deferred);
    }

    /// <summary>Tells the environment's team (its members and its owner) once per detection that the stack drifted.</summary>
    private static async Task NotifyTeamAsync(
        PortalDbContext db, PortalEnvironment environment, string detectionId, int drifted, List<DriftedResource> resources, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var names = string.Join(", ", resources.Where(r => r.Status is "MODIFIED" or "DELETED").Select(r => $"{r.LogicalResourceId} ({r.Status.ToLowerInvariant()})").Take(10));
        var members = await db.TeamMemberships.AsNoTracking().Where(m => m.TeamId == environment.TeamId).Select(m => m.UserId).ToListAsync(cancellationToken);
        foreach (var userId in members.Append(environment.OwnerId).Distinct().Order())
        {
            Notifications.Add(
                db,
                userId,
                "environment.drifted",
                $"Drifted: {environment.Name} ({environment.Tier.Slug()})",
                $"{drifted} resource(s) of stack {environment.StackName} differ from the template: {names}. See the environment's Drift tab.",
                $"environments/{environment.Id}?tab=drift",
                $"environment.drifted:{environment.Id}:{detectionId}",
                now);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Drift of stack {StackName}: {Status} ({Drifted} resources drifted)")]
    private partial void LogDetected(string stackName, string status, int drifted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drift detection in account {AccountId} capped at {Cap} a minute: {Deferred} wait for the next round")]
    private partial void LogCapped(string accountId, int cap, int deferred);
}

/// <summary>What one drift round did.</summary>
public sealed record DriftRound(int Seeded, int Started, int Completed, int Deferred);

/// <summary>One resource of a detection, as stored and shown: expected and actual properties (JSON) and their differences.</summary>
public sealed record DriftedResource(
    string LogicalResourceId,
    string? PhysicalResourceId,
    string ResourceType,
    string Status,
    string? ExpectedProperties,
    string? ActualProperties,
    IReadOnlyList<DriftedProperty> Differences)
{
    public static DriftedResource From(StackResourceDrift drift)
    {
        ArgumentNullException.ThrowIfNull(drift);
        return new(
            drift.LogicalResourceId,
            drift.PhysicalResourceId,
            drift.ResourceType,
            drift.StackResourceDriftStatus,
            drift.ExpectedProperties,
            drift.ActualProperties,
            [.. drift.PropertyDifferences.Select(p => new DriftedProperty(p.PropertyPath, p.ExpectedValue, p.ActualValue, p.DifferenceType))]);
    }
}

public sealed record DriftedProperty(string PropertyPath, string ExpectedValue, string ActualValue, string DifferenceType);

/// <summary>An environment's drift and out-of-band state, for its Drift tab and the API.</summary>
public sealed record EnvironmentDriftView(
    Guid EnvironmentId,
    string StackName,
    string Status,
    bool DetectionInProgress,
    DateTimeOffset? RequestedAt,
    DateTimeOffset? CheckedAt,
    DateTimeOffset? NextDueAt,
    int DriftedResourceCount,
    string? FailureReason,
    IReadOnlyList<DriftedResource> Resources,
    string? OutOfBand,
    DateTimeOffset? OutOfBandAt,
    string? OutOfBandDetail,
    bool CanDetect)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static EnvironmentDriftView From(PortalEnvironment environment, EnvironmentDrift? drift)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var resources = drift is null ? [] : JsonSerializer.Deserialize<List<DriftedResource>>(drift.ResourcesJson, Json) ?? [];
        return new(
            environment.Id,
            environment.StackName,
            drift?.Status ?? EnvironmentDrift.NotChecked,
            drift?.InFlight == true,
            drift?.RequestedAt,
            drift?.CheckedAt,
            drift?.NextDueAt,
            drift?.DriftedResourceCount ?? 0,
            drift?.FailureReason,
            resources,
            environment.OutOfBandLabel,
            environment.OutOfBandAt,
            environment.OutOfBandDetail,
            environment.StackId is not null && environment.OutOfBand != OutOfBandChange.Deleted
                && environment.Status is EnvironmentStatus.Ready or EnvironmentStatus.Stopped);
    }
}
