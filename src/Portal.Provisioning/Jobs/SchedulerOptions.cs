using System.ComponentModel.DataAnnotations;

namespace Portal.Provisioning.Jobs;

/// <summary>The <c>Scheduler</c> configuration section: the job layer's thread count and cluster check-in.</summary>
public sealed class SchedulerOptions
{
    public const string SectionName = "Scheduler";

    /// <summary>How many jobs one node runs at once.</summary>
    [Range(1, 100, ErrorMessage = "Scheduler:ThreadCount must be between 1 and 100.")]
    public int ThreadCount { get; set; } = 8;

    /// <summary>How often a clustered node (PostgreSQL) records that it is alive; a silent node's recoverable jobs move after roughly this plus Quartz's check-in misfire threshold.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "Scheduler:ClusterCheckinInterval must be between 00:00:00.100 and 00:05:00.")]
    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromSeconds(5);
}
