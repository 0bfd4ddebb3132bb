using Microsoft.Extensions.Options;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Tests.Lifecycle;

/// <summary>The policy decides on the expected estimate and states the maximum in its reason for approvers.</summary>
public sealed class ApprovalPolicyRangeTests
{
    // $5,000 budget, $2,000 spent, $660 committed by running environments: $2,340 left.
    private static readonly TeamBudget Budget = new(5000m, 2000m, 660m);
    private static readonly RequesterStanding Member = new(IsTeamMember: true, IsOwner: false, IsPlatformEngineer: false);

    private readonly ApprovalPolicy _policy = new(Options.Create(new ApprovalPolicyOptions()));

    [Fact]
    public void DevCreate_ExpectedUnderTheCap_MaxOverIt_IsAutoApproved_AndTheReasonSaysBoth()
    {
        var ruling = _policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Dev, expected: 230.80m, max: 730.15m));

        ruling.ShouldBe(PolicyRuling.AutoApproved(
            "Auto-approved: dev, $230.80/month ≤ $500 cap and within payments' remaining $2,340 (expected $230.80/month, up to $730.15/month at maximum scale)"));
    }

    [Fact]
    public void StagingUpdate_SaysExpectedAndUpTo()
    {
        _policy.Evaluate(Input(RequestKind.Update, EnvironmentTier.Staging, expected: 600m, max: 1_250.5m)).Reason
            .ShouldBe("Needs 1 platform engineer: staging (expected $600/month, up to $1,250.50/month at maximum scale)");
    }

    [Theory]
    [InlineData(null)]
    [InlineData(151)]
    public void WithoutARange_TheReasonIsUnchanged(int? max)
    {
        _policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Staging, expected: 151m, max: max)).Reason.ShouldBe("Needs 1 platform engineer: staging");
    }

    [Fact]
    public void Destroy_NeverMentionsTheRange()
    {
        _policy.Evaluate(Input(RequestKind.Destroy, EnvironmentTier.Dev, expected: 151m, max: 400m) with { Requester = Member with { IsOwner = true } }).Reason
            .ShouldBe("No approval needed: destroy of dev by its owner");
    }

    private static PolicyInput Input(RequestKind kind, EnvironmentTier tier, decimal expected, decimal? max) =>
        new(kind, tier, "payments", Member, expected, 7, Budget, 0, max);
}
