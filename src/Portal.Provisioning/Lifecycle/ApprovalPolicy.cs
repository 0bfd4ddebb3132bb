using System.Globalization;
using Microsoft.Extensions.Options;
using Portal.Data.Entities.Lifecycle;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// Decides who must approve a request, and says why in words a person understands. Pure: the caller gathers the
/// inputs (<see cref="PolicyInput"/>), and applies the ruling with <see cref="EnvironmentRequest.Submit"/>.
/// </summary>
public sealed class ApprovalPolicy(IOptions<ApprovalPolicyOptions> options)
{
    private readonly ApprovalPolicyOptions _options = options.Value;

    public PolicyRuling Evaluate(PolicyInput input)
    {
        var tier = input.Tier.Slug();
        var team = input.TeamSlug;
        if (input.Requester.IsPortal)
        {
            return input.Kind == RequestKind.Destroy
                ? PolicyRuling.AutoApproved($"Auto-approved: the {tier} environment's approved TTL ended, so the portal destroys it")
                : PolicyRuling.Rejected("Rejected by policy: the portal itself only destroys expired environments");
        }

        if (!input.Requester.IsTeamMember && !input.Requester.IsPlatformEngineer)
        {
            return PolicyRuling.Rejected($"Rejected by policy: only members of {team} or platform engineers can request changes to its environments");
        }

        if (input.Kind == RequestKind.Create)
        {
            var quota = _options.QuotaFor(input.Tier);
            if (input.LiveEnvironmentsInTier >= quota)
            {
                return PolicyRuling.Rejected($"Rejected by policy: {team} already has {input.LiveEnvironmentsInTier} of {quota} {tier} environments");
            }
        }

        var ruling = input.Kind switch
        {
            RequestKind.Destroy => EvaluateDestroy(input, tier, team),
            RequestKind.Create or RequestKind.Update or RequestKind.ExtendTtl => input.Tier switch
            {
                EnvironmentTier.Prod => PolicyRuling.NeedsApproval(2, "Needs 2 different platform engineers: prod"),
                EnvironmentTier.Staging => PolicyRuling.NeedsApproval(1, "Needs 1 platform engineer: staging"),
                EnvironmentTier.Dev => EvaluateDev(input, team),
                _ => throw new ArgumentOutOfRangeException(nameof(input), input.Tier, "Unknown tier."),
            },
            _ => throw new ArgumentOutOfRangeException(nameof(input), input.Kind, "Unknown request kind."),
        };

        // Decided on the expected figure; approvers also see how far it can scale.
        return input.Kind is RequestKind.Create or RequestKind.Update && input.EstimateMonthlyMaxUsd is { } max && max > input.EstimateMonthlyUsd
            ? ruling with { Reason = $"{ruling.Reason} (expected {Usd(input.EstimateMonthlyUsd)}/month, up to {Usd(max)}/month at maximum scale)" }
            : ruling;
    }

    private static PolicyRuling EvaluateDestroy(PolicyInput input, string tier, string team)
    {
        if (input.Tier == EnvironmentTier.Prod)
        {
            return PolicyRuling.NeedsApproval(1, "Needs 1 platform engineer: destroy of prod");
        }

        if (input.Requester.IsOwner)
        {
            return PolicyRuling.AutoApproved($"No approval needed: destroy of {tier} by its owner");
        }

        return input.Requester.IsTeamMember
            ? PolicyRuling.AutoApproved($"No approval needed: destroy of {tier} by a member of {team}")
            : PolicyRuling.NeedsApproval(1, $"Needs 1 platform engineer: destroy of {tier} by someone outside {team}");
    }

    private PolicyRuling EvaluateDev(PolicyInput input, string team)
    {
        var dev = _options.Dev;
        var remaining = input.Budget.RemainingUsd;
        var blockers = new List<string>();

        // An extension does not change what the environment costs; only its lifetime is checked.
        var costChecked = input.Kind != RequestKind.ExtendTtl;
        if (costChecked && input.EstimateMonthlyUsd > dev.AutoApproveMaxMonthlyUsd)
        {
            blockers.Add($"{Usd(input.EstimateMonthlyUsd)}/month is over the {Usd(dev.AutoApproveMaxMonthlyUsd)} cap");
        }

        if (costChecked && input.EstimateMonthlyUsd > remaining)
        {
            blockers.Add(remaining <= 0
                ? $"{team} has no budget left this month ({Usd(remaining)} remaining)"
                : $"{Usd(input.EstimateMonthlyUsd)}/month is more than {Possessive(team)} remaining {Usd(remaining)}");
        }

        if (input.TtlDays is null)
        {
            blockers.Add($"no expiry (the limit is {dev.MaxTtlDays} days)");
        }
        else if (input.TtlDays > dev.MaxTtlDays)
        {
            blockers.Add($"TTL of {input.TtlDays} days is over the {dev.MaxTtlDays}-day limit");
        }

        if (blockers.Count > 0)
        {
            return PolicyRuling.NeedsApproval(1, $"Needs 1 platform engineer: dev, {string.Join("; ", blockers)}");
        }

        return costChecked
            ? PolicyRuling.AutoApproved($"Auto-approved: dev, {Usd(input.EstimateMonthlyUsd)}/month ≤ {Usd(dev.AutoApproveMaxMonthlyUsd)} cap and within {Possessive(team)} remaining {Usd(remaining)}")
            : PolicyRuling.AutoApproved($"Auto-approved: dev, TTL of {input.TtlDays} days ≤ the {dev.MaxTtlDays}-day limit");
    }

    // "payments' remaining", "search's remaining".
    internal static string Possessive(string name) => name.EndsWith('s') ? name + "'" : name + "'s";

    // "$151", "$2,340", "$12.50": whole dollars without cents, thousands separated.
    internal static string Usd(decimal amount)
    {
        var rounded = Math.Round(amount, 2);
        var format = rounded == Math.Truncate(rounded) ? "N0" : "N2";
        return rounded < 0
            ? "-$" + (-rounded).ToString(format, CultureInfo.InvariantCulture)
            : "$" + rounded.ToString(format, CultureInfo.InvariantCulture);
    }
}
