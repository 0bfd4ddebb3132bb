using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Templates;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// <c>Quotas</c>: the account quotas checked before a create request is queued. StackLimit comes from CloudFormation's
/// <c>DescribeAccountLimits</c>; the EC2 quotas below from here (AWS's defaults unless an account's were raised).
/// </summary>
public sealed class QuotaOptions
{
    public const string SectionName = "Quotas";

    /// <summary>Check quotas at submit (on by default).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>VPCs per region (AWS default 5).</summary>
    [Range(0, 100_000)]
    public int VpcsPerRegion { get; set; } = 5;

    /// <summary>Elastic IP addresses per region (AWS default 5).</summary>
    [Range(0, 100_000)]
    public int ElasticIpsPerRegion { get; set; } = 5;

    /// <summary>NAT gateways per Availability Zone (AWS default 5).</summary>
    [Range(0, 100_000)]
    public int NatGatewaysPerAz { get; set; } = 5;

    /// <summary>Availability Zones the templates spread NAT gateways over (the catalog's network templates use three).</summary>
    [Range(1, 10)]
    public int AvailabilityZones { get; set; } = 3;

    /// <summary>ListStackResources calls in flight at once while counting what an account holds.</summary>
    [Range(1, 64)]
    public int MaxParallelCalls { get; set; } = 4;
}

/// <summary>What a template would add to an account: one stack and its VPCs, Elastic IPs and NAT gateways (conditions applied).</summary>
public sealed record QuotaDemand(int Stacks, int Vpcs, int ElasticIps, int NatGateways)
{
    public bool NeedsResourceCounts => Vpcs > 0 || ElasticIps > 0 || NatGateways > 0;
}

/// <summary>One quota in an account and region: in use, the limit and what the request would add.</summary>
public sealed record QuotaUsage(string Quota, string Unit, int InUse, int Limit, int Requested)
{
    public bool WouldExceed => Requested > 0 && InUse + Requested > Limit;
}

/// <summary>The quotas looked at, and the refusal (null when the request fits).</summary>
public sealed record QuotaVerdict(string AccountId, string Region, IReadOnlyList<QuotaUsage> Usages, string? Refusal);

/// <summary>
/// Quota-aware admission: before a create request is queued, counts what the target account and region hold through
/// CloudFormation's own APIs — <c>DescribeAccountLimits</c> (StackLimit), <c>ListStacks</c> (stacks not deleted) and, when
/// the template makes VPCs, Elastic IPs or NAT gateways, <c>ListStackResources</c> of each of those stacks — and refuses
/// (422, field <c>region</c>) a request that would pass a quota, with the numbers. The same calls work against the sandbox,
/// LocalStack and AWS. Resources made outside CloudFormation (a default VPC, hand-made addresses) are not seen. When the
/// account cannot be read, the request is admitted and the reason logged: the check never blocks on an outage.
/// </summary>
public sealed partial class QuotaAdmission(
    ICloudFormationClientFactory clients, AwsAccountDirectory accounts, IOptions<QuotaOptions> options, ILogger<QuotaAdmission> logger)
{
    public const string VpcType = "AWS::EC2::VPC";
    public const string EipType = "AWS::EC2::EIP";
    public const string NatGatewayType = "AWS::EC2::NatGateway";

    /// <summary>What <paramref name="entry"/> would create with these values: its resources after conditions, by type.</summary>
    public static QuotaDemand DemandOf(CatalogEntry entry, string tier, string region, IReadOnlyDictionary<string, string> portalValues, IReadOnlyDictionary<string, string> userValues)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var parameters = entry.BuildParameters(tier, portalValues, userValues);
        IEnumerable<string> types;
        try
        {
            var resolved = TemplateResolver.Resolve(entry.Template, parameters.Values, new StackContext($"quota-{tier}", region));
            types = resolved.Resources.Values.Select(r => r.Type);
        }
        catch (TemplateResolveException)
        {
            // Values the estimate already refused: count every declared resource (the upper bound).
            types = entry.Template.Resources.Values.Select(r => r.Type);
        }

        var list = types.ToList();
        return new QuotaDemand(1, list.Count(t => t == VpcType), list.Count(t => t == EipType), list.Count(t => t == NatGatewayType));
    }

    /// <summary>Counts the account and region and compares with <paramref name="demand"/>.</summary>
    public async Task<QuotaVerdict> CheckAsync(string accountId, string region, QuotaDemand demand, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(demand);
        var quotas = options.Value;
        var client = clients.Create(accounts.ContextFor(accountId), region);

        var stackLimit = 2000;
        await foreach (var limit in client.DescribeAllAccountLimitsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (limit is { Name: "StackLimit", Value: { } value })
            {
                stackLimit = value;
            }
        }

        var live = new List<string>();
        await foreach (var summary in client.ListAllStacksAsync(new ListStacksRequest(), cancellationToken).ConfigureAwait(false))
        {
            if (summary.StackStatus != StackStatus.DeleteComplete)
            {
                live.Add(summary.StackId ?? summary.StackName);
            }
        }

        var usages = new List<QuotaUsage> { new("stacks", "stacks (CloudFormation StackLimit)", live.Count, stackLimit, demand.Stacks) };
        if (demand.NeedsResourceCounts)
        {
            var held = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            await Parallel.ForEachAsync(
                live,
                new ParallelOptions { MaxDegreeOfParallelism = quotas.MaxParallelCalls, CancellationToken = cancellationToken },
                async (stackId, token) =>
                {
                    try
                    {
                        await foreach (var resource in client.ListAllStackResourcesAsync(stackId, token).ConfigureAwait(false))
                        {
                            if (resource.ResourceType is VpcType or EipType or NatGatewayType
                                && resource.ResourceStatus is not ("DELETE_COMPLETE" or "CREATE_FAILED"))
                            {
                                held.AddOrUpdate(resource.ResourceType, 1, (_, n) => n + 1);
                            }
                        }
                    }
                    catch (StackNotFoundException)
                    {
                        // Deleted between the two calls: it holds nothing.
                    }
                }).ConfigureAwait(false);

            usages.Add(new("vpcs", "VPCs", held.GetValueOrDefault(VpcType), quotas.VpcsPerRegion, demand.Vpcs));
            usages.Add(new("elastic-ips", "Elastic IPs", held.GetValueOrDefault(EipType), quotas.ElasticIpsPerRegion, demand.ElasticIps));
            usages.Add(new(
                "nat-gateways",
                $"NAT gateways ({quotas.NatGatewaysPerAz.ToString(CultureInfo.InvariantCulture)} per Availability Zone in {quotas.AvailabilityZones.ToString(CultureInfo.InvariantCulture)} zones)",
                held.GetValueOrDefault(NatGatewayType),
                quotas.NatGatewaysPerAz * quotas.AvailabilityZones,
                demand.NatGateways));
        }

        var exceeded = usages.FirstOrDefault(u => u.WouldExceed);
        var refusal = exceeded is null
            ? null
            : $"{region} has {N(exceeded.InUse)} of {N(exceeded.Limit)} {exceeded.Unit} in account {accountId}; this request needs {N(exceeded.Requested)} more. "
              + "Free some up or ask for a quota increase, then submit again.";
        return new QuotaVerdict(accountId, region, usages, refusal);
    }

    /// <summary>The submit hook: refuses a create that would pass a quota (422 on <c>region</c>, with the numbers).</summary>
    internal async Task ThrowIfExceededAsync(RequestDetails details, CatalogEntry entry, string teamSlug, CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        var user = JsonSerializer.Deserialize<Dictionary<string, string>>(details.ParametersJson, RequestWorkflow.Json) ?? [];
        var demand = DemandOf(entry, details.Tier.Slug(), details.Region, PortalValues.Preview(teamSlug, details.EnvironmentName, details.Tier), user);
        QuotaVerdict verdict;
        try
        {
            verdict = await CheckAsync(details.AccountId, details.Region, demand, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AwsServiceException or HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogUnreadable(e, details.AccountId, details.Region);
            return;
        }

        if (verdict.Refusal is { } refusal)
        {
            throw new DomainValidationException("region", refusal);
        }
    }

    private static string N(int value) => value.ToString("#,##0", CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quotas of account {AccountId} in {Region} could not be read; the request is admitted unchecked")]
    private partial void LogUnreadable(Exception exception, string accountId, string region);
}

/// <summary>Registers <see cref="QuotaAdmission"/> and binds <see cref="QuotaOptions"/> (section <c>Quotas</c>).</summary>
public static class QuotaAdmissionServiceCollectionExtensions
{
    public static IServiceCollection AddQuotaAdmission(this IServiceCollection services)
    {
        services.AddOptions<QuotaOptions>().BindConfiguration(QuotaOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<QuotaAdmission>();
        return services;
    }
}
