using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Lifecycle;

/// <summary>A stack the account holds (not DELETE_COMPLETE) when the snapshot was taken.</summary>
public sealed record QuotaStack(string StackId, string StackName, string StackStatus, DateTimeOffset? LastUpdatedTime);

/// <summary>
/// One read of an account and region: StackLimit, its live stacks and (when asked for) what each holds, by stack name.
/// </summary>
public sealed record AccountQuotaSnapshot(
    string AccountId,
    string Region,
    int StackLimit,
    IReadOnlyList<QuotaStack> Stacks,
    IReadOnlyDictionary<string, QuotaDemand>? Holdings,
    DateTimeOffset TakenAt);

/// <summary>
/// What an account and region hold, read through CloudFormation only (the same calls against the sandbox, LocalStack and AWS)
/// and reused: one snapshot per account and region for <see cref="QuotaOptions.SnapshotSeconds"/> (concurrent submits wait for
/// the one read in flight rather than each listing the account), and each stack's holdings cached by stack id until its
/// LastUpdatedTime or status changes. A stack's holdings: <c>ListStackResources</c> (VPCs, Elastic IPs, NAT gateways not
/// DELETE_COMPLETE or CREATE_FAILED); when it has NAT gateways, their zones from its own template (<c>GetTemplate</c> and the
/// stack's parameters from <c>DescribeStacks</c>, resolved); a template that cannot be read leaves those zones unknown.
/// </summary>
public sealed class AccountQuotaSnapshots(
    ICloudFormationClientFactory clients, AwsAccountDirectory accounts, IOptions<QuotaOptions> options, TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<(string AccountId, string Region), Slot> _slots = new();
    private readonly ConcurrentDictionary<string, (string Version, QuotaDemand Held)> _stacks = new(StringComparer.Ordinal);

    /// <summary>The account and region's snapshot, read again when older than the configured age (or lacking holdings when asked for).</summary>
    public async Task<AccountQuotaSnapshot> GetAsync(string accountId, string region, bool withHoldings, CancellationToken cancellationToken)
    {
        var slot = _slots.GetOrAdd((accountId, region), _ => new Slot());
        if (Usable(slot.Current, withHoldings) is { } fresh)
        {
            return fresh;
        }

        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Usable(slot.Current, withHoldings) is { } refreshed)
            {
                return refreshed;
            }

            var client = clients.Create(accounts.ContextFor(accountId), region);
            var current = slot.Current is { } stale && IsFresh(stale) ? stale : await ListAsync(client, accountId, region, cancellationToken).ConfigureAwait(false);
            if (withHoldings && current.Holdings is null)
            {
                current = current with { Holdings = await HoldingsAsync(client, current, cancellationToken).ConfigureAwait(false) };
            }

            slot.Current = current;
            return current;
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>Forgets the account and region's snapshot, so the next submit reads it again.</summary>
    public void Invalidate(string accountId, string region)
    {
        if (_slots.TryGetValue((accountId, region), out var slot))
        {
            slot.Current = null;
        }
    }

    private AccountQuotaSnapshot? Usable(AccountQuotaSnapshot? snapshot, bool withHoldings) =>
        snapshot is not null && IsFresh(snapshot) && (!withHoldings || snapshot.Holdings is not null) ? snapshot : null;

    private bool IsFresh(AccountQuotaSnapshot snapshot) =>
        options.Value.SnapshotSeconds > 0 && timeProvider.GetUtcNow() - snapshot.TakenAt < TimeSpan.FromSeconds(options.Value.SnapshotSeconds);

    private async Task<AccountQuotaSnapshot> ListAsync(ICloudFormationClient client, string accountId, string region, CancellationToken cancellationToken)
    {
        var takenAt = timeProvider.GetUtcNow();
        var stackLimit = 2000;
        await foreach (var limit in client.DescribeAllAccountLimitsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (limit is { Name: "StackLimit", Value: { } value })
            {
                stackLimit = value;
            }
        }

        var stacks = new List<QuotaStack>();
        await foreach (var summary in client.ListAllStacksAsync(new ListStacksRequest(), cancellationToken).ConfigureAwait(false))
        {
            if (summary.StackStatus != StackStatus.DeleteComplete)
            {
                stacks.Add(new QuotaStack(summary.StackId ?? summary.StackName, summary.StackName, summary.StackStatus, summary.LastUpdatedTime));
            }
        }

        return new AccountQuotaSnapshot(accountId, region, stackLimit, stacks, null, takenAt);
    }

    private async Task<IReadOnlyDictionary<string, QuotaDemand>> HoldingsAsync(ICloudFormationClient client, AccountQuotaSnapshot snapshot, CancellationToken cancellationToken)
    {
        var held = new ConcurrentDictionary<string, QuotaDemand>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(
            snapshot.Stacks,
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxParallelCalls, CancellationToken = cancellationToken },
            async (stack, token) =>
            {
                var version = string.Create(CultureInfo.InvariantCulture, $"{stack.LastUpdatedTime?.UtcTicks}|{stack.StackStatus}");
                if (!_stacks.TryGetValue(stack.StackId, out var cached) || cached.Version != version)
                {
                    cached = (version, await StackHoldingsAsync(client, snapshot, stack, token).ConfigureAwait(false));
                    _stacks[stack.StackId] = cached;
                }

                held[stack.StackName] = cached.Held;
            }).ConfigureAwait(false);
        return held;
    }

    private static async Task<QuotaDemand> StackHoldingsAsync(ICloudFormationClient client, AccountQuotaSnapshot snapshot, QuotaStack stack, CancellationToken cancellationToken)
    {
        int vpcs = 0, eips = 0;
        var nats = new List<string>();
        try
        {
            await foreach (var resource in client.ListAllStackResourcesAsync(stack.StackId, cancellationToken).ConfigureAwait(false))
            {
                if (!QuotaDemands.IsCounted(resource.ResourceType) || resource.ResourceStatus is "DELETE_COMPLETE" or "CREATE_FAILED")
                {
                    continue;
                }

                switch (resource.ResourceType)
                {
                    case QuotaDemands.VpcType:
                        vpcs++;
                        break;
                    case QuotaDemands.EipType:
                        eips++;
                        break;
                    default:
                        nats.Add(resource.LogicalResourceId);
                        break;
                }
            }

            var zones = nats.Count == 0 ? [] : await ZonesAsync(client, snapshot, stack, nats, cancellationToken).ConfigureAwait(false);
            return new QuotaDemand(1, vpcs, eips, zones.GroupBy(z => z, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
        }
        catch (StackNotFoundException)
        {
            // Deleted between the two calls: it holds nothing.
            return QuotaDemand.None;
        }
    }

    // The zones of a stack's NAT gateways from its own template and parameters (each through its subnet's AvailabilityZone).
    private static async Task<List<string>> ZonesAsync(
        ICloudFormationClient client, AccountQuotaSnapshot snapshot, QuotaStack stack, List<string> nats, CancellationToken cancellationToken)
    {
        try
        {
            var body = (await client.GetTemplateAsync(new GetTemplateRequest { StackName = stack.StackId }, cancellationToken).ConfigureAwait(false)).TemplateBody;
            var described = (await client.DescribeStacksAsync(new DescribeStacksRequest { StackName = stack.StackId }, cancellationToken).ConfigureAwait(false)).Stacks;
            if (body is not null && described.Count == 1)
            {
                var parameters = described[0].Parameters
                    .Where(p => p.ParameterKey is not null && p.ParameterValue is not null)
                    .ToDictionary(p => p.ParameterKey!, p => p.ParameterValue!, StringComparer.Ordinal);
                var resolved = TemplateResolver.Resolve(TemplateParser.Parse(body), parameters, new StackContext(stack.StackName, snapshot.Region, snapshot.AccountId, stack.StackId));
                return [.. nats.Select(id => QuotaDemands.ZoneOf(resolved, id))];
            }
        }
        catch (Exception e) when (e is TemplateParseException or TemplateResolveException or AwsValidationException)
        {
            // A template the resolver cannot read: the zones stay unknown and the check says so.
        }

        return [.. nats.Select(_ => QuotaDemand.UnknownZone)];
    }

    private sealed class Slot
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public AccountQuotaSnapshot? Current { get; set; }
    }
}
