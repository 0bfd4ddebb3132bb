using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Lifecycle;
using Hangfire;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// Dev off-hours: stops environments with the schedule on outside business hours (an update with the template's
/// <c>offHours</c> values, so the stack and its data survive) and starts them again when business hours begin.
/// </summary>
[JobTracing]
public sealed class OffHoursJob(
    IDbContextFactory<PortalDbContext> contextFactory, CatalogProvider catalog, IProvisioningQueue queue, IOptions<OffHoursOptions> options, JobLocks locks, TimeProvider timeProvider)
{
    public const string Id = "off-hours";
    private static readonly AuditActor Portal = new(null, "portal");

    [AutomaticRetry(Attempts = 0, LogEvents = false)]
    [JobDisplayName("Dev off-hours stop and start")]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var held = await locks.TryAcquireAsync(Id, TimeSpan.Zero, cancellationToken);
        if (held is null)
        {
            return; // the previous run is still going
        }

        var now = timeProvider.GetUtcNow();
        var businessHours = options.Value.IsBusinessHours(now);
        var moved = new List<Guid>();
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            var candidates = await db.Environments
                .Where(e => e.Tier == EnvironmentTier.Dev
                            && ((e.Status == EnvironmentStatus.Ready && e.OffHoursSchedule && !businessHours)
                                || (e.Status == EnvironmentStatus.Stopped && (businessHours || !e.OffHoursSchedule))))
                .ToListAsync(cancellationToken);
            foreach (var environment in candidates)
            {
                if (environment.Status == EnvironmentStatus.Ready && catalog.Current.Find(environment.TemplateSlug) is not { Manifest.OffHours.Count: > 0 })
                {
                    continue;
                }

                if (environment.OutOfBand is not null)
                {
                    await AuditSkippedAsync(db, environment, now, cancellationToken);
                    continue;
                }

                var change = environment.Status == EnvironmentStatus.Ready ? environment.BeginStop(now) : environment.BeginStart(now);
                environment.BeginOperation(Guid.CreateVersion7(now), now);
                db.Audit(now, Portal, change.To == EnvironmentStatus.Stopping ? "environment.stopping" : "environment.starting", PortalEnvironment.AuditTargetType,
                    environment.Id.ToString(), new { change.From, change.To, Reason = businessHours ? "business hours began" : "outside business hours" });
                moved.Add(environment.Id);
            }

            await db.SaveChangesAsync(cancellationToken);
        }

        foreach (var id in moved)
        {
            await queue.EnqueueAsync(id, cancellationToken);
        }
    }

    public const string SkippedAction = "environment.off-hours-skipped";

    // Marked deleted or changed outside the portal: not stopped or started (no AWS call), audited once per mark.
    private static async Task AuditSkippedAsync(PortalDbContext db, PortalEnvironment environment, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = environment.Id.ToString();
        var since = environment.OutOfBandAt ?? DateTimeOffset.MinValue;
        if (await db.AuditEvents.AnyAsync(a => a.Action == SkippedAction && a.TargetId == id && a.OccurredAt >= since, cancellationToken))
        {
            return;
        }

        var what = environment.Status == EnvironmentStatus.Ready ? "stopped" : "started";
        db.Audit(now, Portal, SkippedAction, PortalEnvironment.AuditTargetType, id, new
        {
            environment.Status,
            OutOfBand = environment.OutOfBandLabel,
            Reason = $"Not {what} by the off-hours schedule: {environment.OutOfBandLabel}. The portal does not change the stack until a platform engineer accepts the change.",
        });
    }
}

/// <summary>The <c>OffHours</c> section: business hours in a time zone; dev environments with the schedule on are stopped outside them.</summary>
public sealed class OffHoursOptions
{
    public const string SectionName = "OffHours";

    public TimeOnly BusinessHoursStart { get; set; } = new(7, 0);

    public TimeOnly BusinessHoursEnd { get; set; } = new(19, 0);

    /// <summary>IANA or Windows time zone id.</summary>
    public string TimeZone { get; set; } = "UTC";

    public List<DayOfWeek> WorkDays { get; set; } = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    public bool IsBusinessHours(DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(TimeZone));
        var time = TimeOnly.FromDateTime(local.DateTime);
        return WorkDays.Contains(local.DayOfWeek) && time >= BusinessHoursStart && time < BusinessHoursEnd;
    }
}
