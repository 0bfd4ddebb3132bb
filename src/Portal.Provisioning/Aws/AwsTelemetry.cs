using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Portal.Provisioning.Aws;

/// <summary>The <c>Portal.Aws</c> meter and activity source: every AWS API attempt is counted, timed and traced.</summary>
public sealed class AwsTelemetry : IDisposable
{
    public const string MeterName = "Portal.Aws";
    public const string ActivitySourceName = "Portal.Aws";
    public const string CallsCounterName = "portal.aws.calls";
    public const string DurationHistogramName = "portal.aws.call.duration";
    public const string ThrottlesCounterName = "portal.aws.throttles";
    public const string RetriesCounterName = "portal.aws.retries";
    public const string CostExplorerSpendCounterName = "portal.aws.costexplorer.spend_usd";
    public const string ServiceTag = "aws.service";
    public const string OperationTag = "aws.operation";
    public const string OutcomeTag = "outcome";
    public const string RegionTag = "aws.region";
    public const string RequestIdTag = "aws.request_id";

    /// <summary>Cost Explorer charges per request, each page included.</summary>
    public const decimal CostExplorerPricePerRequestUsd = 0.01m;

    internal static readonly ActivitySource Source = new(ActivitySourceName);

    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _throttles;
    private readonly Counter<long> _retries;
    private readonly Counter<double> _costExplorerSpend;

    public AwsTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _calls = _meter.CreateCounter<long>(CallsCounterName, "{call}", "AWS API requests sent by Portal, by outcome.");
        _duration = _meter.CreateHistogram<double>(DurationHistogramName, "s", "Duration of AWS API requests.");
        _throttles = _meter.CreateCounter<long>(ThrottlesCounterName, "{call}", "AWS API requests refused by throttling.");
        _retries = _meter.CreateCounter<long>(RetriesCounterName, "{retry}", "AWS API requests retried after throttling or a 5xx.");
        _costExplorerSpend = _meter.CreateCounter<double>(CostExplorerSpendCounterName, "USD", "Cost Explorer API spend ($0.01 per request).");
    }

    internal void RecordCall(string service, string operation, string outcome, TimeSpan duration)
    {
        var tags = new TagList
        {
            { ServiceTag, service },
            { OperationTag, operation },
            { OutcomeTag, outcome },
        };
        _calls.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    internal void RecordThrottle(string service, string operation) =>
        _throttles.Add(1, new TagList { { ServiceTag, service }, { OperationTag, operation } });

    internal void RecordRetry(string service, string operation) =>
        _retries.Add(1, new TagList { { ServiceTag, service }, { OperationTag, operation } });

    internal void RecordCostExplorerSpend(string operation, decimal usd) =>
        _costExplorerSpend.Add((double)usd, new TagList { { ServiceTag, AwsServiceNames.CostExplorer }, { OperationTag, operation } });

    public void Dispose() => _meter.Dispose();
}

/// <summary>Service labels used in telemetry, usage and exceptions.</summary>
public static class AwsServiceNames
{
    public const string CloudFormation = "CloudFormation";
    public const string CostExplorer = "CostExplorer";
    public const string Sts = "STS";
}
