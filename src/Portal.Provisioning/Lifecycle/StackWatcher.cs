using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// Follows every in-flight stack of one account and region with one paginated ListStacks sweep per cycle, then reads
/// DescribeStackEvents only for stacks whose status changed (and, at most <see cref="StackWatcherOptions.MaxEventReadsPerCycle"/>
/// per cycle, for stacks still in progress whose events were last read longer ago than
/// <see cref="StackWatcherOptions.EventRefreshInterval"/>), from the last event seen. Stores events, moves environments to
/// their outcome (Ready, Updated, Stopped, Destroyed, Failed with the failing resource's reason), completes their requests
/// and notifies owners. Every <see cref="StackWatcherOptions.OutOfBandInterval"/> the same ListStacks pages are also compared
/// with every live, settled environment of the account and region (no call per environment): a stack deleted, in a status
/// the portal did not cause, or updated after the portal's last operation marks its environment (<see cref="GoneFromAws"/>).
/// </summary>
public sealed partial class StackWatcher(
    IDbContextFactory<PortalDbContext> contextFactory,
    ICloudFormationClientFactory clients,
    AwsAccountDirectory accounts,
    LifecycleSignals signals,
    IOptions<StackWatcherOptions> options,
    TimeProvider timeProvider,
    ILogger<StackWatcher> logger)
{
    private static readonly AuditActor Portal = new(null, "portal");

    // When each stack's events were last read: pacing only (a restart reads them again once), never correctness.
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _eventsReadAt = new();

    // When each account and region was last compared for out-of-band changes: pacing only (a restart compares again at once).
    private readonly ConcurrentDictionary<(string AccountId, string Region), DateTimeOffset> _outOfBandCheckedAt = new();

    public static readonly EnvironmentStatus[] InFlight =
        [EnvironmentStatus.Provisioning, EnvironmentStatus.Updating, EnvironmentStatus.Destroying, EnvironmentStatus.Stopping, EnvironmentStatus.Starting];

    /// <summary>The account/region pairs with in-flight stacks.</summary>
    public async Task<IReadOnlyList<(string AccountId, string Region)>> InFlightLocationsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var pairs = await db.Environments.Where(e => InFlight.Contains(e.Status) && e.OperationStartedAt != null)
            .Select(e => new { e.AccountId, e.Region }).Distinct().ToListAsync(cancellationToken);
        return [.. pairs.Select(p => (p.AccountId, p.Region))];
    }

    /// <summary>
    /// The account/region pairs a sweep is due for: those with in-flight stacks, and those with live environments whose
    /// out-of-band comparison is due (every <see cref="StackWatcherOptions.OutOfBandInterval"/>).
    /// </summary>
    public async Task<IReadOnlyList<(string AccountId, string Region)>> LocationsDueAsync(CancellationToken cancellationToken)
    {
        var locations = (await InFlightLocationsAsync(cancellationToken)).ToList();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var live = await db.Environments
            .Where(e => e.OutOfBand == null && e.StackId != null && (e.Status == EnvironmentStatus.Ready || e.Status == EnvironmentStatus.Stopped))
            .Select(e => new { e.AccountId, e.Region }).Distinct().ToListAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        locations.AddRange(live.Select(l => (l.AccountId, l.Region)).Where(l => !locations.Contains(l) && OutOfBandDue(l, now)));
        return locations;
    }

    private bool OutOfBandDue((string AccountId, string Region) location, DateTimeOffset now) =>
        !_outOfBandCheckedAt.TryGetValue(location, out var checkedAt) || now - checkedAt >= options.Value.OutOfBandInterval;

    /// <summary>One cycle for one account and region; returns what it cost and what it moved.</summary>
    public async Task<WatchCycle> SweepAsync(string accountId, string region, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var watched = await db.Environments
            .Where(e => e.AccountId == accountId && e.Region == region && InFlight.Contains(e.Status) && e.OperationStartedAt != null && e.StackId != null)
            .ToListAsync(cancellationToken);
        var compareLive = OutOfBandDue((accountId, region), timeProvider.GetUtcNow());
        if (watched.Count == 0 && !compareLive)
        {
            return new WatchCycle(0, 0, 0, 0);
        }

        // Least recently read first, so the refresh budget goes round every in-flight stack.
        watched = [.. watched.OrderBy(e => _eventsReadAt.GetValueOrDefault(e.Id))];
        var client = clients.Create(accounts.ContextFor(accountId), region);
        var summaries = new Dictionary<string, StackSummary>(StringComparer.Ordinal);
        var listCalls = 0;
        string? token = null;
        do
        {
            var page = await client.ListStacksAsync(new ListStacksRequest { NextToken = token }, cancellationToken);
            listCalls++;
            foreach (var summary in page.StackSummaries.Where(s => s.StackId is not null))
            {
                summaries[summary.StackId!] = summary;
            }

            token = page.NextToken;
        }
        while (!string.IsNullOrEmpty(token));

        var settings = options.Value;
        var now = timeProvider.GetUtcNow();
        var eventCalls = 0;
        var refreshBudget = settings.MaxEventReadsPerCycle;
        var finished = 0;
        foreach (var environment in watched)
        {
            var status = summaries.TryGetValue(environment.StackId!, out var summary) ? summary.StackStatus
                : environment.Status == EnvironmentStatus.Destroying ? StackStatus.DeleteComplete
                : null;
            if (status is null)
            {
                continue;
            }

            // A stack first seen mid-operation is not a change: its events are read within the refresh budget, so
            // a burst of new stacks (or a restart) costs no more calls per cycle than steady state.
            var inProgress = status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal);
            var changed = status != environment.LastStackStatus && !(inProgress && environment.LastStackStatus is null);
            var outcome = Outcome(environment, status, summary);
            var refresh = !changed && outcome is null && inProgress && refreshBudget > 0
                          && now - _eventsReadAt.GetValueOrDefault(environment.Id) >= settings.EventRefreshInterval;
            if (!changed && outcome is null && !refresh)
            {
                // Nothing to read or store: no save either (change tracking over every watched row is the expensive part).
                continue;
            }

            refreshBudget -= refresh ? 1 : 0;
            try
            {
                eventCalls += await ReadEventsAsync(db, client, environment, cancellationToken);
                _eventsReadAt[environment.Id] = now;

                environment.RecordStackStatus(status, now);
                if (outcome is { } terminal)
                {
                    eventCalls += await FinishAsync(db, client, environment, terminal, summary, cancellationToken);
                    finished++;
                }

                if (outcome == StackOutcome.Destroyed)
                {
                    // Released in the same transaction as Destroyed: a crash in between can never leak the block.
                    foreach (var allocation in await db.CidrAllocations.Where(a => a.EnvironmentId == environment.Id && a.ReleasedAt == null).ToListAsync(cancellationToken))
                    {
                        allocation.Release(now);
                    }
                }

                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                // Someone changed the environment meanwhile (a user, or another node's sweep): look again next cycle.
                db.ChangeTracker.Clear();
                continue;
            }

            if (changed || outcome is not null)
            {
                signals.Publish(new LifecycleChange(LifecycleChangeKind.Environment, environment.Id, environment.TeamId, environment.Id));
            }
        }

        var marked = 0;
        if (compareLive)
        {
            marked = await CompareLiveAsync(accountId, region, summaries, cancellationToken);
            _outOfBandCheckedAt[(accountId, region)] = now;
        }

        return new WatchCycle(watched.Count, listCalls, eventCalls, finished, marked);
    }

    /// <summary>
    /// Compares every live, settled environment of the account and region with its stack's summary (read after the pages, so
    /// an operation the portal starts meanwhile is seen as in flight, not as a change) and marks those changed or deleted
    /// outside the portal; returns how many were marked.
    /// </summary>
    private async Task<int> CompareLiveAsync(string accountId, string region, Dictionary<string, StackSummary> summaries, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var live = await db.Environments.AsNoTracking()
            .Where(e => e.AccountId == accountId && e.Region == region && e.OutOfBand == null && e.StackId != null && e.ActiveOperationId == null
                        && (e.Status == EnvironmentStatus.Ready || e.Status == EnvironmentStatus.Stopped))
            .ToListAsync(cancellationToken);
        var adopt = live.Where(e => e.AdoptsStackStatus(summaries.GetValueOrDefault(e.StackId!)?.StackStatus)).Select(e => e.Id).ToList();
        if (adopt.Count > 0)
        {
            foreach (var environment in await db.Environments.Where(e => adopt.Contains(e.Id)).ToListAsync(cancellationToken))
            {
                if (environment.AdoptsStackStatus(summaries.GetValueOrDefault(environment.StackId!)?.StackStatus))
                {
                    environment.RecordStackStatus(summaries[environment.StackId!].StackStatus, timeProvider.GetUtcNow());
                }
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                // changed meanwhile: adopted next time
            }
        }

        var suspects = live
            .Where(e => e.CompareWithStack(summaries.GetValueOrDefault(e.StackId!)?.StackStatus, summaries.GetValueOrDefault(e.StackId!)?.LastUpdatedTime) is not null)
            .Select(e => e.Id).ToList();
        var marked = 0;
        foreach (var id in suspects)
        {
            db.ChangeTracker.Clear();
            var environment = await db.Environments.SingleAsync(e => e.Id == id, cancellationToken);
            var summary = summaries.GetValueOrDefault(environment.StackId!);
            var now = timeProvider.GetUtcNow();
            switch (environment.CompareWithStack(summary?.StackStatus, summary?.LastUpdatedTime))
            {
                case OutOfBandChange.Deleted:
                    await GoneFromAws.MarkDeletedAsync(
                        db, environment, summary is null ? "ListStacks no longer lists the stack" : $"stack status {summary.StackStatus}", Portal, now, cancellationToken);
                    break;
                case OutOfBandChange.Changed:
                    await GoneFromAws.MarkChangedAsync(db, environment, summary!.StackStatus, summary.LastUpdatedTime, Portal, now, cancellationToken);
                    break;
                case null:
                default:
                    continue; // the portal started an operation meanwhile
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                continue; // changed meanwhile: compared again next time
            }

            marked++;
            LogOutOfBand(environment.StackName, environment.OutOfBandLabel!, environment.OutOfBandDetail ?? "");
            signals.Publish(new LifecycleChange(LifecycleChangeKind.Environment, environment.Id, environment.TeamId, environment.Id));
        }

        return marked;
    }

    private static StackOutcome? Outcome(PortalEnvironment environment, string status, StackSummary? summary)
    {
        // An update-type operation counts only once the stack was updated after the operation started (ListStacks may
        // still show the previous operation's UPDATE_COMPLETE for a moment).
        var updatedSinceStart = summary?.LastUpdatedTime is { } updated && environment.OperationStartedAt is { } started && updated >= started - TimeSpan.FromSeconds(30);
        return (environment.Status, status) switch
        {
            (EnvironmentStatus.Provisioning, StackStatus.CreateComplete) => StackOutcome.Ready,
            (EnvironmentStatus.Provisioning, StackStatus.CreateFailed or StackStatus.RollbackComplete or StackStatus.RollbackFailed
                or StackStatus.DeleteComplete or StackStatus.DeleteFailed) => StackOutcome.Failed,
            (EnvironmentStatus.Updating or EnvironmentStatus.Stopping or EnvironmentStatus.Starting, StackStatus.UpdateComplete) when updatedSinceStart => StackOutcome.Ready,
            (EnvironmentStatus.Updating or EnvironmentStatus.Stopping or EnvironmentStatus.Starting,
                StackStatus.UpdateRollbackComplete or StackStatus.UpdateRollbackFailed or StackStatus.UpdateFailed) when updatedSinceStart => StackOutcome.Failed,
            (EnvironmentStatus.Destroying, StackStatus.DeleteComplete) => StackOutcome.Destroyed,
            (EnvironmentStatus.Destroying, StackStatus.DeleteFailed) => StackOutcome.Failed,
            _ => null,
        };
    }

    /// <summary>Stores the events newer than the last one seen; returns the calls made.</summary>
    private async Task<int> ReadEventsAsync(PortalDbContext db, ICloudFormationClient client, PortalEnvironment environment, CancellationToken cancellationToken)
    {
        var fresh = new List<StackEvent>();
        var calls = 0;
        string? token = null;
        var reachedSeen = false;
        do
        {
            var page = await client.DescribeStackEventsAsync(new DescribeStackEventsRequest { StackName = environment.StackId!, NextToken = token }, cancellationToken);
            calls++;
            foreach (var stackEvent in page.StackEvents)
            {
                if (stackEvent.EventId == environment.LastStackEventId)
                {
                    reachedSeen = true;
                    break;
                }

                fresh.Add(stackEvent);
            }

            token = page.NextToken;
        }
        while (!reachedSeen && !string.IsNullOrEmpty(token) && calls < options.Value.MaxEventPagesPerStack);

        if (fresh.Count == 0)
        {
            return calls;
        }

        var ids = fresh.Select(e => e.EventId).ToList();
        var stored = await db.StackEvents.Where(e => e.EnvironmentId == environment.Id && ids.Contains(e.EventId)).Select(e => e.EventId).ToListAsync(cancellationToken);
        var storedSet = stored.ToHashSet(StringComparer.Ordinal);
        foreach (var stackEvent in fresh.Where(e => !storedSet.Contains(e.EventId)).Reverse())
        {
            db.StackEvents.Add(StackEventRecord.From(
                environment.Id,
                stackEvent.EventId,
                stackEvent.Timestamp,
                stackEvent.LogicalResourceId ?? environment.StackName,
                stackEvent.PhysicalResourceId,
                stackEvent.ResourceType ?? "AWS::CloudFormation::Stack",
                stackEvent.ResourceStatus ?? "",
                stackEvent.ResourceStatusReason));
        }

        environment.RecordEventsSeen(fresh[0].EventId, timeProvider.GetUtcNow());
        return calls;
    }

    private async Task<int> FinishAsync(
        PortalDbContext db, ICloudFormationClient client, PortalEnvironment environment, StackOutcome outcome, StackSummary? summary, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var calls = 0;
        var request = environment.ActiveOperationId is { } operation
            ? await db.EnvironmentRequests.SingleOrDefaultAsync(r => r.Id == operation, cancellationToken)
            : null;
        var label = $"{environment.Name} ({environment.Tier.Slug()})";
        switch (outcome)
        {
            case StackOutcome.Ready:
            {
                var stack = await client.FindStackAsync(environment.StackId!, cancellationToken);
                calls++;
                var outputs = JsonSerializer.Serialize(
                    (stack?.Outputs ?? []).Where(o => o.OutputKey is not null).ToDictionary(o => o.OutputKey!, o => o.OutputValue ?? ""), RequestWorkflow.Json);
                environment.RecordStackBaseline(summary?.LastUpdatedTime, now);
                StatusChange<EnvironmentStatus> change;
                string action;
                switch (environment.Status)
                {
                    case EnvironmentStatus.Updating:
                        change = environment.MarkUpdated(request?.TemplateVersion ?? environment.TemplateVersion, request?.ParametersJson ?? environment.ParametersJson, outputs, now);
                        environment.RecordTemplateHash(request?.TemplateContentHash, now);
                        if (request is not null)
                        {
                            environment.SetMonthlyEstimate(request.EstimateMonthlyUsd, now, request.EstimateMonthlyMaxUsd);
                        }

                        action = "environment.updated";
                        break;
                    case EnvironmentStatus.Stopping:
                        change = environment.MarkStopped(now);
                        action = "environment.stopped";
                        break;
                    case EnvironmentStatus.Starting:
                        change = environment.MarkStarted(outputs, now);
                        action = "environment.started";
                        break;
                    case EnvironmentStatus.Requested:
                    case EnvironmentStatus.Provisioning:
                    case EnvironmentStatus.Ready:
                    case EnvironmentStatus.Stopped:
                    case EnvironmentStatus.Failed:
                    case EnvironmentStatus.Destroying:
                    case EnvironmentStatus.Destroyed:
                    default:
                        change = environment.MarkReady(outputs, now);
                        action = "environment.ready";
                        NotifyOwner(db, environment, "environment.ready", $"Ready: {label}", $"Stack {environment.StackName} was created.", now);
                        break;
                }

                db.Audit(now, Portal, action, PortalEnvironment.AuditTargetType, environment.Id.ToString(), new { change.From, change.To, environment.StackId });
                if (environment.Status == EnvironmentStatus.Ready && action == "environment.updated")
                {
                    NotifyOwner(db, environment, "environment.updated", $"Updated: {label}", $"Stack {environment.StackName} now runs template {environment.TemplateVersion}.", now);
                }

                if (request is { Status: RequestStatus.Approved })
                {
                    request.MarkCompleted(now);
                }

                break;
            }

            case StackOutcome.Destroyed:
            {
                var change = environment.MarkDestroyed(now);
                db.Audit(now, Portal, "environment.destroyed", PortalEnvironment.AuditTargetType, environment.Id.ToString(), new { change.From, change.To, environment.StackId });
                NotifyOwner(db, environment, "environment.destroyed", $"Destroyed: {label}", $"Stack {environment.StackName} was deleted.", now);
                if (request is { Status: RequestStatus.Approved })
                {
                    request.MarkCompleted(now);
                }

                break;
            }

            case StackOutcome.Failed:
            default:
            {
                var reason = await FailureReasonAsync(db, environment, summary, cancellationToken);
                var change = environment.MarkFailed(reason, now);
                db.Audit(now, Portal, "environment.failed", PortalEnvironment.AuditTargetType, environment.Id.ToString(), new { change.From, change.To, Reason = reason });
                NotifyOwner(db, environment, "environment.failed", $"Failed: {label}", reason, now);
                if (request is { Status: RequestStatus.Approved })
                {
                    request.MarkFailed(reason, now);
                }

                LogFailed(environment.StackName, reason);
                break;
            }
        }

        environment.EndOperation(now);
        return calls;
    }

    /// <summary>The first failing resource's reason ("Database (AWS::RDS::DBInstance): ..."), else the stack's.</summary>
    private static async Task<string> FailureReasonAsync(PortalDbContext db, PortalEnvironment environment, StackSummary? summary, CancellationToken cancellationToken)
    {
        var since = environment.OperationStartedAt is { } started ? started - TimeSpan.FromMinutes(1) : DateTimeOffset.MinValue;
        var pending = db.StackEvents.Local.Where(e => e.EnvironmentId == environment.Id);
        var storedEvents = await db.StackEvents.AsNoTracking().Where(e => e.EnvironmentId == environment.Id).ToListAsync(cancellationToken);
        var failing = storedEvents.Concat(pending)
            .Where(e => e.IsFailure && e.Timestamp >= since && e.ResourceStatusReason is { Length: > 0 } r && !r.Contains("cancelled", StringComparison.OrdinalIgnoreCase)
                        && e.ResourceType != "AWS::CloudFormation::Stack")
            .OrderBy(e => e.Timestamp)
            .FirstOrDefault();
        return failing is not null
            ? $"{failing.LogicalResourceId} ({failing.ResourceType}): {failing.ResourceStatusReason}"
            : summary?.StackStatusReason is { Length: > 0 } stackReason ? $"{summary.StackStatus}: {stackReason}"
            : $"The stack ended in {summary?.StackStatus ?? "an unknown state"}.";
    }

    /// <summary>Notifies the environment's owner (once per kind and status change).</summary>
    internal static void NotifyOwner(PortalDbContext db, PortalEnvironment environment, string kind, string title, string body, DateTimeOffset now) =>
        Notifications.Add(db, environment.OwnerId, kind, title, body, $"environments/{environment.Id}", $"{kind}:{environment.Id}:{environment.Version}", now);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stack {StackName} failed: {Reason}")]
    private partial void LogFailed(string stackName, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stack {StackName}: {Mark} ({Detail})")]
    private partial void LogOutOfBand(string stackName, string mark, string detail);
}

/// <summary>
/// What one watcher cycle cost: environments watched, ListStacks pages and DescribeStackEvents/DescribeStacks calls, how many
/// finished, and how many live environments were marked changed or deleted outside the portal.
/// </summary>
public sealed record WatchCycle(int Watched, int ListCalls, int EventCalls, int Finished, int Marked = 0)
{
    public int Calls => ListCalls + EventCalls;
}

internal enum StackOutcome
{
    Ready,
    Failed,
    Destroyed,
}

/// <summary>The <c>StackWatcher</c> configuration section.</summary>
public sealed class StackWatcherOptions
{
    public const string SectionName = "StackWatcher";

    /// <summary>How often the watcher sweeps (per account and region).</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>An in-progress stack whose status did not change has its events re-read at most this often.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan EventRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Cap on such refresh reads per cycle (status changes are always read), so calls do not grow with in-flight stacks.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 1000)]
    public int MaxEventReadsPerCycle { get; set; } = 25;

    /// <summary>Pages of events read per stack per cycle at most (100 events a page).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 100)]
    public int MaxEventPagesPerStack { get; set; } = 5;

    /// <summary>How often the ListStacks pages are compared with every live environment for out-of-band changes (per account and region).</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan OutOfBandInterval { get; set; } = TimeSpan.FromMinutes(1);
}
