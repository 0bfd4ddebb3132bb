using System.ComponentModel.DataAnnotations;

namespace Portal.Provisioning.Jobs;

/// <summary>The <c>Scheduler</c> configuration section: the job layer's thread count and cluster check-in.</summary>
public sealed class SchedulerOptions
{
    public const string SectionName = "Scheduler";

    /// <summary>
    /// The scheduler's name: every node of one portal shares it (it keys the <c>qrtz_</c> rows). Quartz also keeps schedulers
    /// in a process-wide registry by name, so several portals hosted in one process (tests) each need their own.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9._-]{1,120}$", ErrorMessage = "Scheduler:Name must be 1 to 120 letters, digits, '.', '_' or '-'.")]
    public string Name { get; set; } = PortalScheduler.Name;

    /// <summary>How many jobs one node runs at once.</summary>
    [Range(1, 100, ErrorMessage = "Scheduler:ThreadCount must be between 1 and 100.")]
    public int ThreadCount { get; set; } = 8;

    /// <summary>How often a clustered node (PostgreSQL) records that it is alive; a silent node's recoverable jobs move after roughly this plus Quartz's check-in misfire threshold.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "Scheduler:ClusterCheckinInterval must be between 00:00:00.100 and 00:05:00.")]
    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromSeconds(5);
}
