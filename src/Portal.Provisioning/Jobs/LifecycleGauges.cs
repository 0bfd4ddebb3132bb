using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Data;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Jobs;

/// <summary>
/// Gauges of the lifecycle, read from the database (the source of truth, so every node reports the same):
/// <c>portal.environments</c> by status and <c>portal.provisioning.queue_depth</c> (environments waiting for a
/// provisioning step to start). Refreshed every <see cref="Interval"/>; the meter is <see cref="LifecycleMetrics.MeterName"/>.
/// </summary>
public sealed partial class LifecycleGauges : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    private readonly IDbContextFactory<PortalDbContext> _contextFactory;
    private readonly ILogger<LifecycleGauges> _logger;
    private volatile IReadOnlyDictionary<EnvironmentStatus, long> _byStatus = new Dictionary<EnvironmentStatus, long>();
    private long _queueDepth;

    public LifecycleGauges(IDbContextFactory<PortalDbContext> contextFactory, IMeterFactory meters, ILogger<LifecycleGauges> logger)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _contextFactory = contextFactory;
        _logger = logger;
        var meter = meters.Create(LifecycleMetrics.MeterName);
        meter.CreateObservableGauge(
            "portal.environments",
            () => Enum.GetValues<EnvironmentStatus>().Select(s => new Measurement<long>(_byStatus.GetValueOrDefault(s), new KeyValuePair<string, object?>("status", s.ToString()))),
            description: "Environments by status");
        meter.CreateObservableGauge("portal.provisioning.queue_depth", () => Interlocked.Read(ref _queueDepth), description: "Environments waiting for a provisioning step to start");
    }

    /// <summary>Reads the figures once (also what the background loop does every <see cref="Interval"/>).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var db = await _contextFactory.CreateDbContextAsync(cancellationToken);
        var counts = await db.Environments.GroupBy(e => e.Status).Select(g => new { Status = g.Key, Count = g.LongCount() }).ToListAsync(cancellationToken);
        var waiting = await db.Environments.LongCountAsync(
            e => e.Status == EnvironmentStatus.Requested || (StackWatcher.InFlight.Contains(e.Status) && e.OperationStartedAt == null), cancellationToken);
        _byStatus = counts.ToDictionary(c => c.Status, c => c.Count);
        Interlocked.Exchange(ref _queueDepth, waiting);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Before migrations, or the database is briefly away: the gauges keep their last figures.
                LogRefreshFailed(e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Lifecycle gauges could not be refreshed")]
    private partial void LogRefreshFailed(Exception exception);
}
