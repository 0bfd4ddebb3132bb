using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;

namespace Portal.Provisioning.Tests.Aws;

public sealed class AwsTelemetryTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task EveryAttempt_IsCountedAndTimed_ByServiceOperationAndOutcome()
    {
        using var host = new AwsTestHost();
        _ = host.CloudFormation(); // creates the meter before the listener starts
        var measurements = new ConcurrentBag<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        var meterFactory = host.Services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this host's meter: other tests run in parallel with their own.
            if (instrument.Meter.Name == AwsTelemetry.MeterName && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Add((i.Name, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Add((i.Name, v, ToDictionary(tags))));
        listener.Start();

        host.Handler.EnqueueFile(HttpStatusCode.BadRequest, "cloudformation/error-Throttling.xml");
        host.Handler.EnqueueFile(HttpStatusCode.OK, "cloudformation/DescribeStacks-page2.xml");
        await host.CloudFormation().DescribeStacksAsync(new DescribeStacksRequest(), Ct);
        host.Handler.EnqueueFile(HttpStatusCode.OK, "costexplorer/GetCostAndUsage-total.json", "application/x-amz-json-1.1");
        await CostExplorerClientTests.Calls["GetCostAndUsage"](host.CostExplorer());

        var calls = measurements.Where(m => m.Instrument == AwsTelemetry.CallsCounterName).ToList();
        calls.ShouldContain(m => Equals(m.Tags["aws.service"], "CloudFormation") && Equals(m.Tags["aws.operation"], "DescribeStacks") && Equals(m.Tags["outcome"], "Throttling"));
        calls.ShouldContain(m => Equals(m.Tags["aws.operation"], "DescribeStacks") && Equals(m.Tags["outcome"], "success"));
        calls.ShouldContain(m => Equals(m.Tags["aws.service"], "CostExplorer") && Equals(m.Tags["outcome"], "success"));
        measurements.Count(m => m.Instrument == AwsTelemetry.DurationHistogramName).ShouldBe(3);
        measurements.ShouldContain(m => m.Instrument == AwsTelemetry.ThrottlesCounterName && Equals(m.Tags["aws.operation"], "DescribeStacks"));
        measurements.Where(m => m.Instrument == AwsTelemetry.CostExplorerSpendCounterName).Sum(m => m.Value).ShouldBe(0.01, 1e-9);
    }

    [Fact]
    public async Task EachCall_IsAnActivity_WithServiceOperationAndRequestId()
    {
        using var host = new AwsTestHost();
        var activities = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == AwsTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(listener);
        host.Handler.Enqueue(HttpStatusCode.OK, File.ReadAllText(ServiceModel.TestDataPath("cloudformation", "DeleteStack.xml")), requestId: "req-123");

        await host.CloudFormation().DeleteStackAsync(new DeleteStackRequest { StackName = "env-x" }, Ct);

        var activity = activities.Single(a => Equals(a.GetTagItem("aws.request_id"), "req-123"));
        activity.GetTagItem("aws.service").ShouldBe("CloudFormation");
        activity.GetTagItem("aws.operation").ShouldBe("DeleteStack");
        activity.GetTagItem("aws.region").ShouldBe("eu-west-1");
        activity.Kind.ShouldBe(ActivityKind.Client);
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            result[tag.Key] = tag.Value;
        }

        return result;
    }
}
