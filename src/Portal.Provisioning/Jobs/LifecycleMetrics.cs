using System.Diagnostics;
using System.Diagnostics.Metrics;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Jobs;

/// <summary>The job layer's meters (exported by OpenTelemetry when configured): watcher sweeps and their CloudFormation calls.</summary>
public static class LifecycleMetrics
{
    public const string MeterName = "Portal.Lifecycle";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Spans of the job layer (a provisioning step is a child of the request that caused it).</summary>
    public static readonly ActivitySource Source = new(MeterName);
    private static readonly Counter<long> Sweeps = Meter.CreateCounter<long>("portal.watcher.sweeps", description: "Stack watcher sweeps");
    private static readonly Histogram<long> CallsPerSweep = Meter.CreateHistogram<long>("portal.watcher.calls_per_sweep", description: "CloudFormation calls per sweep of one account and region");
    private static readonly Histogram<long> Watched = Meter.CreateHistogram<long>("portal.watcher.in_flight", description: "In-flight stacks per sweep");

    public static void RecordSweep(string accountId, string region, WatchCycle cycle)
    {
        ArgumentNullException.ThrowIfNull(cycle);
        var tags = new KeyValuePair<string, object?>[] { new("aws.account", accountId), new("aws.region", region) };
        Sweeps.Add(1, tags);
        CallsPerSweep.Record(cycle.Calls, tags);
        Watched.Record(cycle.Watched, tags);
    }
}
