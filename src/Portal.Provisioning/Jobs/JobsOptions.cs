using System.ComponentModel.DataAnnotations;

namespace Portal.Provisioning.Jobs;

/// <summary>The <c>Jobs</c> configuration section: the Hangfire server every node runs.</summary>
public sealed class JobsOptions
{
    public const string SectionName = "Jobs";

    /// <summary>How many jobs one node runs at once.</summary>
    [Range(1, 100, ErrorMessage = "Jobs:WorkerCount must be between 1 and 100.")]
    public int WorkerCount { get; set; } = 8;

    /// <summary>
    /// How often an idle worker looks at the queue. Unset: 15 s on PostgreSQL (every enqueue NOTIFYs and wakes the workers of
    /// every node at once, so polling only catches a lost notification or a dead node's job back from its invisibility timeout; 8 workers polling every 5 s were 1.6 statements a
    /// second while idle) and 1 s on SQLite (which has no wake-up, so it polls).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00", ErrorMessage = "Jobs:QueuePollInterval must be between 00:00:00.050 and 00:05:00.")]
    public TimeSpan? QueuePollInterval { get; set; }

    /// <summary>
    /// How often each node moves due delayed jobs (retries after backoff) to the queue and fires due recurring jobs. Each
    /// look takes and frees a distributed lock (about 3 statements per scheduler): at 2 s that was 4 statements a second
    /// while idle, at 5 s it is under 2. Approvals do not wait for it (they enqueue at once); a retry waits at most this much
    /// longer than its backoff.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = "Jobs:SchedulePollingInterval must be between 00:00:00.100 and 00:05:00.")]
    public TimeSpan SchedulePollingInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// PostgreSQL: a job fetched by a node that stops heart-beating goes back to the queue after this (sliding, so long jobs
    /// are not taken twice while their node lives).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00", ErrorMessage = "Jobs:InvisibilityTimeout must be between 00:00:10 and 01:00:00.")]
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan QueuePollIntervalFor(Portal.Data.DatabaseProvider provider) =>
        QueuePollInterval ?? (provider == Portal.Data.DatabaseProvider.Postgres ? TimeSpan.FromSeconds(15) : TimeSpan.FromSeconds(1));
}
