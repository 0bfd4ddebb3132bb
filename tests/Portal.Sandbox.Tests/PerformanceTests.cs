using System.Diagnostics;
using Portal.Provisioning.Aws.CloudFormation;
using Xunit.Abstractions;

namespace Portal.Sandbox.Tests;

/// <summary>Reports figures; asserts none (real benchmarks come later).</summary>
public sealed class PerformanceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DescribeStacks_With1000StacksInFlight_ReportsItsP95()
    {
        await using var server = await SandboxServer.StartAsync();
        var client = server.CloudFormation();
        var template = Templates.Catalog("network-vpc");
        var create = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await client.CreateStackAsync(
                new CreateStackRequest
                {
                    StackName = $"load-{i:0000}",
                    TemplateBody = template,
                    Parameters = [Parameter.Of("EnvironmentName", $"load-{i:0000}")],
                    Capabilities = [Capability.Iam],
                },
                ct));
        create.Stop();
        server.Clock.Advance(TimeSpan.FromSeconds(1));

        var byName = await MeasureAsync(200, i => client.DescribeStacksAsync(new DescribeStacksRequest { StackName = $"load-{i * 5:0000}" }, CancellationToken.None));
        var page = await MeasureAsync(50, _ => client.DescribeStacksAsync(new DescribeStacksRequest(), CancellationToken.None));
        var events = await MeasureAsync(100, i => client.DescribeStackEventsAsync(new DescribeStackEventsRequest { StackName = $"load-{i * 10:0000}" }, CancellationToken.None));
        (await client.DescribeAsync("load-0500")).StackStatus.ShouldBe(StackStatus.CreateInProgress);

        output.WriteLine($"CreateStack x1000 (network-vpc, 41 resources, 8 in parallel): {create.Elapsed.TotalSeconds:0.0} s, {create.Elapsed.TotalMilliseconds / 1000:0.0} ms/stack");
        output.WriteLine($"DescribeStacks by name with 1000 stacks in flight: {byName}");
        output.WriteLine($"DescribeStacks first page (100 of 1000): {page}");
        output.WriteLine($"DescribeStackEvents (in flight): {events}");
    }

    [Fact]
    public async Task CreateStack_WithPersistence_ReportsItsCost()
    {
        var directory = Path.Combine(Path.GetTempPath(), "portal-sandbox-perf-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var server = await SandboxServer.StartAsync(dataDirectory: directory);
            var client = server.CloudFormation();
            var template = Templates.Catalog("network-vpc");
            var created = 0;
            var create = await MeasureAsync(200, _ => client.CreateStackAsync(
                new CreateStackRequest
                {
                    StackName = $"disk-{++created:0000}",
                    TemplateBody = template,
                    Parameters = [Parameter.Of("EnvironmentName", $"disk-{created:0000}")],
                    Capabilities = [Capability.Iam],
                },
                CancellationToken.None));
            var bytes = Directory.GetFiles(Path.Combine(directory, "stacks")).Sum(f => new FileInfo(f).Length);
            output.WriteLine($"CreateStack network-vpc with DataDirectory (one JSON file per stack, fsync + rename): {create}; {bytes / 201 / 1024.0:0.0} KiB per stack file");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string> MeasureAsync<T>(int count, Func<int, Task<T>> call)
    {
        await call(0);
        var samples = new List<double>(count);
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            await call(i);
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        samples.Sort();
        double At(double p) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(p * samples.Count) - 1)];
        return $"n={count} p50={At(0.50):0.00} ms p95={At(0.95):0.00} ms max={samples[^1]:0.00} ms (HTTP on 127.0.0.1 through the portal's client, SigV4 signed and verified)";
    }
}
