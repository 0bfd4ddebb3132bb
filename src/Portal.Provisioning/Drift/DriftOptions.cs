using System.ComponentModel.DataAnnotations;

namespace Portal.Provisioning.Drift;

/// <summary>The <c>Drift</c> configuration section: how often each environment's stack is checked for drift, and how fast.</summary>
public sealed class DriftOptions
{
    public const string SectionName = "Drift";

    /// <summary>Scheduled detections on or off (on-demand detections always run).</summary>
    public bool ScheduleEnabled { get; set; } = true;

    /// <summary>Each environment is checked once per interval, at its own moment within it (spread evenly over the interval).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromDays(7);

    /// <summary>DetectStackDrift calls started per AWS account per minute at most (across nodes), so detection never throttles the account.</summary>
    [Range(1, 1000)]
    public int MaxDetectionsPerAccountPerMinute { get; set; } = 10;

    /// <summary>A detection that failed or could not start is tried again after this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long one run of the job waits for the detections it started to complete before leaving them to the next run.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan WaitForCompletion { get; set; } = TimeSpan.FromSeconds(30);
}
