using System.Globalization;
using System.Runtime.CompilerServices;
using System.Xml.Linq;
using Portal.Sandbox.Http;
using Portal.Sandbox.State;

namespace Portal.Sandbox.CloudFormation;

/// <summary>
/// Account quotas as AWS enforces them: StackLimit refuses CreateStack with <c>LimitExceededException</c>; VPCs and Elastic IPs
/// per region and NAT gateways per Availability Zone are EC2's quotas, so a resource beyond one fails to create with EC2's
/// message and the stack rolls back (what a real account shows in its stack events).
/// </summary>
internal sealed partial class CloudFormationApi
{
    public const string VpcType = "AWS::EC2::VPC";
    public const string EipType = "AWS::EC2::EIP";
    public const string NatGatewayType = "AWS::EC2::NatGateway";
    private const string SubnetType = "AWS::EC2::Subnet";
    private static readonly ConditionalWeakTable<StackOperation, HoldingsEntry> Holdings = new();

    private XElement DescribeAccountLimits(CallerContext caller)
    {
        _ = caller;
        return Result("DescribeAccountLimits", new XElement(Ns + "AccountLimits",
            Member(El("Name", "StackLimit"), El("Value", options.Value.Limits.StackLimit.ToString(CultureInfo.InvariantCulture))),
            Member(El("Name", "StackOutputsLimit"), El("Value", "200")),
            Member(El("Name", "ConcurrentResourcesLimit"), El("Value", "2500"))));
    }

    /// <summary>A new stack beyond StackLimit is refused before anything is created, as CloudFormation does.</summary>
    private void RequireStackQuota(CallerContext caller, DateTimeOffset now)
    {
        var limit = options.Value.Limits.StackLimit;
        if (Stacks(caller).Count(s => !StackView.IsDeleted(s, now)) >= limit)
        {
            throw new SandboxApiException("LimitExceededException", "Limit for stacks has been exceeded");
        }
    }

    /// <summary>
    /// Resources of <paramref name="config"/> that would take the account past an EC2 quota, with the reason AWS reports:
    /// counted against what the account's other stacks hold (or will hold once their plans run) and what this stack keeps.
    /// </summary>
    private Dictionary<string, string> LimitFailures(CallerContext caller, StackRecord stack, StackConfig config, StackConfig? previous, DateTimeOffset now)
    {
        var limits = options.Value.Limits;
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        var adding = config.CreationOrder
            .Where(id => config.Resources[id].Type is VpcType or EipType or NatGatewayType)
            .Where(id => previous is null || !previous.Resources.TryGetValue(id, out var old) || old.PhysicalId != config.Resources[id].PhysicalId)
            .ToList();
        if (adding.Count == 0)
        {
            return failures;
        }

        var held = HeldResources(caller, stack.StackId, now);
        if (previous is not null)
        {
            held.AddRange(previous.Resources.Values
                .Where(r => config.Resources.TryGetValue(r.LogicalId, out var next) && next.PhysicalId == r.PhysicalId)
                .Select(r => (r.Type, AvailabilityZone(previous, r, stack.Region))));
        }

        var vpcs = held.Count(r => r.Type == VpcType);
        var eips = held.Count(r => r.Type == EipType);
        var nats = held.Where(r => r.Type == NatGatewayType).GroupBy(r => r.Zone, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var id in adding)
        {
            var resource = config.Resources[id];
            switch (resource.Type)
            {
                case VpcType when ++vpcs > limits.VpcsPerRegion:
                    failures[id] = Ec2Failure("The maximum number of VPCs has been reached.", stack, id);
                    break;
                case EipType when ++eips > limits.ElasticIpsPerRegion:
                    failures[id] = Ec2Failure("The maximum number of addresses has been reached.", stack, id);
                    break;
                case NatGatewayType:
                    var zone = AvailabilityZone(config, resource, stack.Region);
                    var count = nats.GetValueOrDefault(zone) + 1;
                    nats[zone] = count;
                    if (count > limits.NatGatewaysPerAz)
                    {
                        failures[id] = Ec2Failure(
                            $"Performing this operation would exceed the limit of {limits.NatGatewaysPerAz.ToString(CultureInfo.InvariantCulture)} NAT gateways",
                            stack, id);
                    }

                    break;
                default:
                    break;
            }
        }

        return failures;
    }

    /// <summary>VPCs, Elastic IPs and NAT gateways (with their zone) the account's other live stacks hold or will hold once their plans finish.</summary>
    private List<(string Type, string Zone)> HeldResources(CallerContext caller, string exceptStackId, DateTimeOffset now)
    {
        var held = new List<(string Type, string Zone)>();
        foreach (var other in Stacks(caller).Where(s => s.StackId != exceptStackId && !StackView.IsDeleted(s, now)))
        {
            held.AddRange(FinalHoldings(other));
        }

        return held;
    }

    // A stack's holdings once its plans have run depend only on its operations: cached on its last operation (a new or
    // rewritten operation is a new object), so admission stays linear in the number of stacks.
    private static List<(string Type, string Zone)> FinalHoldings(StackRecord stack)
    {
        var last = stack.Operations[^1];
        if (Holdings.TryGetValue(last, out var cached) && cached.Count == stack.Operations.Count)
        {
            return cached.Held;
        }

        var held = new List<(string Type, string Zone)>();
        var final = StackView.ConfigAt(stack, DateTimeOffset.MaxValue);
        foreach (var (id, state) in StackView.ResourcesAt(stack, DateTimeOffset.MaxValue))
        {
            if (state.ResourceType is VpcType or EipType or NatGatewayType && state.ResourceStatus != "CREATE_FAILED")
            {
                held.Add((state.ResourceType, final.Resources.TryGetValue(id, out var resource) ? AvailabilityZone(final, resource, stack.Region) : stack.Region + "a"));
            }
        }

        Holdings.AddOrUpdate(last, new HoldingsEntry(stack.Operations.Count, held));
        return held;
    }

    private sealed record HoldingsEntry(int Count, List<(string Type, string Zone)> Held);

    /// <summary>A NAT gateway's zone: its subnet's AvailabilityZone (a subnet without one lands in the region's first zone).</summary>
    private static string AvailabilityZone(StackConfig config, ResourceRecord resource, string region)
    {
        if (resource.Type != NatGatewayType)
        {
            return region;
        }

        var subnetId = resource.Properties["SubnetId"]?.ToString();
        var subnet = config.Resources.Values.FirstOrDefault(r => r.Type == SubnetType && r.PhysicalId == subnetId);
        return subnet?.Properties["AvailabilityZone"]?.ToString() is { Length: > 0 } zone ? zone : region + "a";
    }

    // AWS's wording for a handler failure: EC2's message, then the request token and handler error code.
    private static string Ec2Failure(string message, StackRecord stack, string logicalId)
    {
        var seeded = new Seeded($"{stack.StackId}|limit|{logicalId}|{stack.Operations.Count}");
        return $"Resource handler returned message: \"{message} (Service: Ec2, Status Code: 400, Request ID: {seeded.Guid()})\" "
            + $"(RequestToken: {new Seeded($"{stack.StackId}|token|{logicalId}|{stack.Operations.Count}").Guid()}, HandlerErrorCode: GeneralServiceException)";
    }

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> first, Dictionary<string, string> second)
    {
        var merged = new Dictionary<string, string>(first, StringComparer.Ordinal);
        foreach (var (key, value) in second)
        {
            merged.TryAdd(key, value);
        }

        return merged;
    }
}
