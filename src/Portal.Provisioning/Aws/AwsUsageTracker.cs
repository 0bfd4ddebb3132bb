using System.Collections.Concurrent;

namespace Portal.Provisioning.Aws;

/// <summary>In-process tally of Portal's own AWS API usage (calls by service/operation/outcome, Cost Explorer spend) for the admin page.</summary>
public sealed class AwsUsageTracker(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<(string Service, string Operation, string Outcome), Tally> _tallies = new();
    private readonly DateTimeOffset _since = timeProvider.GetUtcNow();
    private readonly Lock _spendLock = new();
    private decimal _costExplorerSpendUsd;
    private long _costExplorerRequests;

    internal void RecordCall(string service, string operation, string outcome, TimeSpan duration)
    {
        var tally = _tallies.GetOrAdd((service, operation, outcome), _ => new Tally());
        tally.Add(duration, timeProvider.GetUtcNow());
    }

    internal void RecordCostExplorerSpend(decimal usd)
    {
        lock (_spendLock)
        {
            _costExplorerSpendUsd += usd;
            _costExplorerRequests++;
        }
    }

    public AwsUsageSnapshot Snapshot()
    {
        var rows = _tallies
            .Select(kv => kv.Value.ToUsage(kv.Key.Service, kv.Key.Operation, kv.Key.Outcome))
            .OrderBy(u => u.Service, StringComparer.Ordinal)
            .ThenBy(u => u.Operation, StringComparer.Ordinal)
            .ThenBy(u => u.Outcome, StringComparer.Ordinal)
            .ToList();
        lock (_spendLock)
        {
            return new AwsUsageSnapshot(_since, timeProvider.GetUtcNow(), rows, _costExplorerRequests, _costExplorerSpendUsd);
        }
    }

    private sealed class Tally
    {
        private readonly Lock _lock = new();
        private long _count;
        private TimeSpan _total;
        private TimeSpan _max;
        private DateTimeOffset _last;

        public void Add(TimeSpan duration, DateTimeOffset at)
        {
            lock (_lock)
            {
                _count++;
                _total += duration;
                _max = duration > _max ? duration : _max;
                _last = at;
            }
        }

        public AwsOperationUsage ToUsage(string service, string operation, string outcome)
        {
            lock (_lock)
            {
                return new AwsOperationUsage(service, operation, outcome, _count, _count == 0 ? TimeSpan.Zero : _total / _count, _max, _last);
            }
        }
    }
}

public sealed record AwsUsageSnapshot(
    DateTimeOffset Since,
    DateTimeOffset AsOf,
    IReadOnlyList<AwsOperationUsage> Operations,
    long CostExplorerRequests,
    decimal CostExplorerSpendUsd)
{
    public long TotalCalls => Operations.Sum(o => o.Calls);
}

public sealed record AwsOperationUsage(
    string Service,
    string Operation,
    string Outcome,
    long Calls,
    TimeSpan AverageDuration,
    TimeSpan MaxDuration,
    DateTimeOffset LastCallAt);
