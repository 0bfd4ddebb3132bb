using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Pricing;
using Portal.Sandbox.CloudFormation;
using Portal.Sandbox.State;

namespace Portal.Sandbox.CostExplorer;

/// <summary>One day's cost of one service in one account for one set of tags.</summary>
internal sealed record CostRow(DateOnly Day, string Account, string Region, string Service, IReadOnlyDictionary<string, string> Tags, decimal Amount);

/// <summary>
/// Bills stacks from the same <see cref="CostEstimator"/> the portal estimates with: a resource's daily cost is its monthly
/// estimate × 12 / 365 (a 365-day year, not the month's own length), prorated by the part of the day the stack existed
/// (creation → deletion or rollback completion), attributed to the stack's tags and to AWS's service names. Each account
/// also gets a small, deterministic untagged spend per day. Everything is a function of the stored state and the clock.
/// </summary>
internal sealed class BillingEngine(SandboxStore store, CostEstimator estimator, IOptions<SandboxOptions> options)
{
    private static readonly (string Service, decimal Share)[] UntaggedServices =
        [(ServiceNames.CloudWatch, 0.5m), (ServiceNames.S3, 0.3m), (ServiceNames.Kms, 0.2m)];

    private readonly ConcurrentDictionary<string, IReadOnlyList<(string Service, decimal MonthlyUsd)>> _estimates = new(StringComparer.Ordinal);

    /// <summary>Accounts billed: the configured ones and any with stacks.</summary>
    public IReadOnlyList<string> Accounts()
    {
        lock (store.Sync)
        {
            return [.. new[] { options.Value.AccountId }.Concat(options.Value.AccessKeyAccounts.Values).Concat(store.Stacks.Select(s => s.AccountId))
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Costs of <paramref name="day"/> as known at <paramref name="now"/>; with <paramref name="projecting"/>, live stacks bill the whole day (forecasts).</summary>
    public List<CostRow> Rows(DateOnly day, DateTimeOffset now, bool projecting = false)
    {
        var dayStart = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var dayEnd = dayStart.AddDays(1);
        var rows = new List<CostRow>();
        if (!projecting && dayStart >= now)
        {
            return rows;
        }

        var billedUntil = projecting ? dayEnd : (now < dayEnd ? now : dayEnd);
        List<(StackRecord Stack, DateTimeOffset From, DateTimeOffset To, StackConfig Config, string Key)> billed = [];
        lock (store.Sync)
        {
            foreach (var stack in store.Stacks)
            {
                var end = EndOfBilling(stack, projecting ? DateTimeOffset.MaxValue : now);
                var from = stack.CreationTime > dayStart ? stack.CreationTime : dayStart;
                var to = end is { } e && e < billedUntil ? e : billedUntil;
                if (to <= from || StackView.Status(stack, from) == "REVIEW_IN_PROGRESS" && StackView.Status(stack, to) == "REVIEW_IN_PROGRESS")
                {
                    continue;
                }

                var at = to.AddTicks(-1);
                var op = StackView.OperationAt(stack, at)!;
                var config = StackView.ConfigAt(stack, at);
                billed.Add((stack, from, to, config, $"{stack.StackId}|{op.OperationId}|{ReferenceEquals(config, op.ConfigAfterRollback)}"));
            }
        }

        foreach (var (stack, from, to, config, key) in billed)
        {
            var fraction = (decimal)(to - from).TotalSeconds / 86_400m;
            var tags = config.Tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
            foreach (var (service, monthly) in Estimate(key, stack.Region, config))
            {
                rows.Add(new CostRow(day, stack.AccountId, stack.Region, service, tags, monthly * 12m / 365m * fraction));
            }
        }

        foreach (var account in Accounts())
        {
            var random = new Seeded($"{account}|untagged|{day:yyyy-MM-dd}");
            var daily = options.Value.UntaggedDailyUsd * (0.5m + (0.5m * (decimal)random.Fraction()));
            var fraction = (decimal)(billedUntil - dayStart).TotalSeconds / 86_400m;
            foreach (var (service, share) in UntaggedServices)
            {
                rows.Add(new CostRow(day, account, "us-east-1", service, new Dictionary<string, string>(), daily * share * fraction));
            }
        }

        return rows;
    }

    // Deleted or rolled back: billing stops when the stack's resources are gone.
    private static DateTimeOffset? EndOfBilling(StackRecord stack, DateTimeOffset now)
    {
        var status = StackView.StatusEvent(stack, now);
        return status.ResourceStatus is "DELETE_COMPLETE" or "ROLLBACK_COMPLETE" ? status.Timestamp : null;
    }

    private IReadOnlyList<(string Service, decimal MonthlyUsd)> Estimate(string key, string region, StackConfig config) =>
        _estimates.GetOrAdd(key, _ =>
        {
            var input = new EstimateInput(
                PriceCatalog.IsSupportedRegion(region) ? region : PriceCatalog.UsEast1,
                [.. config.CreationOrder.Select(id => config.Resources[id]).Select(r => new EstimateResource(r.LogicalId, r.Type, r.Properties.DeepClone().AsObject()))],
                config.Usage.Where(u => UsageKeys.All.Contains(u.Key)).ToDictionary(u => u.Key, u => u.Value, StringComparer.Ordinal));
            var estimate = estimator.Estimate(input);
            return [.. estimate.LineItems.GroupBy(l => ServiceNames.For(l.ResourceType)).Select(g => (g.Key, g.Sum(l => l.MonthlyUsd)))];
        });
}
