using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;
using Hangfire;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// TTL: warns owners 24 hours and 1 hour before an environment expires (once each), and destroys it when it expires
/// unless it was extended. Runs every minute.
/// </summary>
[JobTracing]
public sealed partial class ExpiryJob(
    IDbContextFactory<PortalDbContext> contextFactory, RequestWorkflow requests, LifecycleSignals signals, JobLocks locks, TimeProvider timeProvider, ILogger<ExpiryJob> logger)
{
    public const string Id = "expiry";

    [AutomaticRetry(Attempts = 0, LogEvents = false)]
    [JobDisplayName("Expiry warnings and destroys")]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var held = await locks.TryAcquireAsync(Id, TimeSpan.Zero, cancellationToken);
        if (held is null)
        {
            return; // the previous run is still going
        }

        var now = timeProvider.GetUtcNow();
        var soon = now.AddHours(24);
        List<Guid> expired;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            var due = await db.Environments
                .Where(e => e.ExpiresAt != null && e.ExpiresAt <= soon && e.Status != EnvironmentStatus.Destroying && e.Status != EnvironmentStatus.Destroyed)
                .ToListAsync(cancellationToken);
            foreach (var environment in due.Where(e => e.ExpiresAt > now))
            {
                var left = environment.ExpiresAt!.Value - now;
                var level = left <= TimeSpan.FromHours(1) ? 2 : 1;
                if (environment.ExpiryWarningsSent >= level)
                {
                    continue;
                }

                var when = level == 2 ? "within the hour" : "within 24 hours";
                Notifications.Add(
                    db,
                    environment.OwnerId,
                    "environment.expiring",
                    $"Expires {when}: {environment.Name} ({environment.Tier.Slug()})",
                    $"{environment.StackName} will be destroyed at {environment.ExpiresAt:u} unless you extend it.",
                    $"environments/{environment.Id}",
                    $"environment.expiring:{environment.Id}:{environment.ExpiresAt:O}:{level}",
                    now);
                environment.MarkExpiryWarned(level, now);
            }

            await db.SaveChangesAsync(cancellationToken);
            expired = [.. due.Where(e => e.ExpiresAt <= now && e.Status is EnvironmentStatus.Ready or EnvironmentStatus.Stopped or EnvironmentStatus.Failed).Select(e => e.Id)];
        }

        foreach (var id in expired)
        {
            try
            {
                await requests.SubmitAsync(LifecycleActor.Portal, new SubmitRequest("destroy", EnvironmentId: id, Justification: "Its TTL ended."), cancellationToken);
                LogExpired(id);
            }
            catch (Exception e) when (e is LifecycleConflictException or InvalidTransitionException)
            {
                // Already being destroyed, or a destroy request is pending: nothing to add.
            }
        }

        if (expired.Count > 0)
        {
            signals.Publish(new LifecycleChange(LifecycleChangeKind.Environment, Guid.Empty, Guid.Empty, null));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Environment {EnvironmentId} expired; destroying it")]
    private partial void LogExpired(Guid environmentId);
}
