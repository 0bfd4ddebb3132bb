using System.Collections.Concurrent;

namespace Portal.Provisioning.Tests.Jobs;

/// <summary>What test jobs did, keyed by the probe id each test passes as the job's argument, so tests running in parallel never share counts.</summary>
internal static class JobProbe
{
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<Run>> Runs = new();

    public static string NewId() => Guid.NewGuid().ToString("N");

    public static void Record(string probe, string job, string node) => Runs.GetOrAdd(probe, _ => new()).Enqueue(new Run(job, node));

    public static IReadOnlyList<Run> RunsOf(string probe) => Runs.TryGetValue(probe, out var runs) ? [.. runs] : [];

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

    public sealed record Run(string Job, string Node);
}

/// <summary>Records each run in <see cref="JobProbe"/> with the name of the host ("node") that ran it.</summary>
public sealed class RecordingJob(NodeName node)
{
    public async Task RunAsync(string probe, string name, CancellationToken cancellationToken)
    {
        // Long enough that a second node fetching the same job would overlap with this one.
        await Task.Delay(50, cancellationToken);
        JobProbe.Record(probe, name, node.Value);
    }
}

public sealed record NodeName(string Value);
