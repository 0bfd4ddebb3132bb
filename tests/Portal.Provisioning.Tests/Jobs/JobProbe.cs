using System.Collections.Concurrent;
using Quartz;

namespace Portal.Provisioning.Tests.Jobs;

/// <summary>What test jobs did, keyed by the probe id each test puts in its job data, so tests running in parallel never share counts.</summary>
internal static class JobProbe
{
    public const string Key = "probe";

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<Run>> Runs = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Releases = new();

    public static string NewId() => Guid.NewGuid().ToString("N");

    public static string IdOf(IJobExecutionContext context) => (string)context.MergedJobDataMap[Key]!;

    public static void Record(IJobExecutionContext context) =>
        Runs.GetOrAdd(IdOf(context), _ => new()).Enqueue(new Run(context.JobDetail.Key.Name, context.Scheduler.SchedulerInstanceId, context.Recovering));

    public static IReadOnlyList<Run> RunsOf(string probe) => Runs.TryGetValue(probe, out var runs) ? [.. runs] : [];

    /// <summary>A gate blocking jobs of one probe until the test opens it.</summary>
    public static TaskCompletionSource Release(string probe) =>
        Releases.GetOrAdd(probe, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public static async Task<IReadOnlyList<Run>> WaitForRunsAsync(string probe, int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (RunsOf(probe).Count < count)
        {
            try
            {
                await Task.Delay(100, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Expected {count} runs of probe {probe} within {timeout}; saw {RunsOf(probe).Count}.");
            }
        }

        return RunsOf(probe);
    }

    public sealed record Run(string Job, string InstanceId, bool Recovering);
}
