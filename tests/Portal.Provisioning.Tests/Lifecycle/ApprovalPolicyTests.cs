using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Tests.Lifecycle;

public sealed class ApprovalPolicyTests
{
    private static readonly RequesterStanding Member = new(IsTeamMember: true, IsOwner: false, IsPlatformEngineer: false);
    private static readonly RequesterStanding Owner = new(IsTeamMember: true, IsOwner: true, IsPlatformEngineer: false);
    private static readonly RequesterStanding Outsider = new(IsTeamMember: false, IsOwner: false, IsPlatformEngineer: false);
    private static readonly RequesterStanding OutsideEngineer = new(IsTeamMember: false, IsOwner: false, IsPlatformEngineer: true);

    // $5,000 budget, $2,000 spent, $660 committed by running environments: $2,340 left.
    private static readonly TeamBudget Budget = new(5000m, 2000m, 660m);

    private readonly ApprovalPolicy _policy = new(Options.Create(new ApprovalPolicyOptions()));

    [Fact]
    public void DevCreate_UnderTheCapWithinBudgetAndTtl_IsAutoApprovedAndSaysWhy()
    {
        var ruling = _policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Dev, estimate: 151m));

        ruling.ShouldBe(PolicyRuling.AutoApproved("Auto-approved: dev, $151/month ≤ $500 cap and within payments' remaining $2,340"));
    }

    [Fact]
    public void DevCreate_ForATeamNotEndingInS_ReadsAsAPossessive()
    {
        var input = Input(RequestKind.Create, EnvironmentTier.Dev, estimate: 12.5m) with { TeamSlug = "search" };

        _policy.Evaluate(input).Reason.ShouldBe("Auto-approved: dev, $12.50/month ≤ $500 cap and within search's remaining $2,340");
    }

    [Fact]
    public void DevCreate_ExactlyAtTheCap_IsAutoApproved()
    {
        _policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Dev, estimate: 500m)).Outcome.ShouldBe(PolicyOutcome.AutoApproved);
    }

    [Fact]
    public void DevCreate_OverTheCap_NeedsOnePlatformEngineer()
    {
        var ruling = _policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Dev, estimate: 620.50m));

        ruling.ShouldBe(PolicyRuling.NeedsApproval(1, "Needs 1 platform engineer: dev, $620.50/month is over the $500 cap"));
    }

    [Fact]
    public void DevCreate_BeyondTheTeamsRemainingBudget_NeedsOnePlatformEngineer()
    {
        var ruling = _policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Dev, estimate: 151m, budget: new TeamBudget(1000m, 800m, 100m)));

        ruling.ShouldBe(PolicyRuling.NeedsApproval(1, "Needs 1 platform engineer: dev, $151/month is more than payments' remaining $100"));
    }

    [Fact]
    public void DevCreate_WhenTheBudgetIsSpent_SaysNothingIsLeft()
    {
        var ruling = _policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Dev, estimate: 10m, budget: new TeamBudget(1000m, 1100m, 0m)));

        ruling.Reason.ShouldBe("Needs 1 platform engineer: dev, payments has no budget left this month (-$100 remaining)");
    }

    [Fact]
    public void DevCreate_WithTtlOverTheLimit_NeedsOnePlatformEngineer()
    {
        var ruling = _policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Dev, estimate: 151m, ttlDays: 30));

        ruling.ShouldBe(PolicyRuling.NeedsApproval(1, "Needs 1 platform engineer: dev, TTL of 30 days is over the 14-day limit"));
    }

    [Fact]
    public void DevCreate_WithoutExpiry_NeedsOnePlatformEngineer()
    {
        _policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Dev, estimate: 151m, ttlDays: null)).Reason
            .ShouldBe("Needs 1 platform engineer: dev, no expiry (the limit is 14 days)");
    }

    [Fact]
    public void DevCreate_BreakingSeveralRules_NamesEachOfThem()
    {
        var ruling = _policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Dev, estimate: 3000m, ttlDays: 20));

        ruling.Reason.ShouldBe("Needs 1 platform engineer: dev, $3,000/month is over the $500 cap; $3,000/month is more than payments' remaining $2,340; TTL of 20 days is over the 14-day limit");
    }

    [Fact]
    public void DevUpdate_FollowsTheSameCostRules()
    {
        _policy.Evaluate(Input(RequestKind.Update, EnvironmentTier.Dev, estimate: 151m)).Outcome.ShouldBe(PolicyOutcome.AutoApproved);
        _policy.Evaluate(Input(RequestKind.Update, EnvironmentTier.Dev, estimate: 900m)).Outcome.ShouldBe(PolicyOutcome.NeedsApproval);
    }

    [Fact]
    public void DevExtension_WithinTheTtlLimit_IsAutoApprovedWhateverItCosts()
    {
        var ruling = _policy.Evaluate(Input(RequestKind.ExtendTtl, EnvironmentTier.Dev, estimate: 900m, ttlDays: 10));

        ruling.ShouldBe(PolicyRuling.AutoApproved("Auto-approved: dev, TTL of 10 days ≤ the 14-day limit"));
    }

    [Fact]
    public void DevExtension_BeyondTheTtlLimit_NeedsOnePlatformEngineer()
    {
        _policy.Evaluate(Input(RequestKind.ExtendTtl, EnvironmentTier.Dev, ttlDays: 21)).Reason
            .ShouldBe("Needs 1 platform engineer: dev, TTL of 21 days is over the 14-day limit");
    }

    [Theory]
    [InlineData(RequestKind.Create)]
    [InlineData(RequestKind.Update)]
    [InlineData(RequestKind.ExtendTtl)]
    public void Staging_NeedsOnePlatformEngineer(RequestKind kind)
    {
        _policy.Evaluate(Input(kind, EnvironmentTier.Staging, estimate: 10m)).ShouldBe(PolicyRuling.NeedsApproval(1, "Needs 1 platform engineer: staging"));
    }

    [Theory]
    [InlineData(RequestKind.Create)]
    [InlineData(RequestKind.Update)]
    [InlineData(RequestKind.ExtendTtl)]
    public void Prod_NeedsTwoDifferentPlatformEngineers(RequestKind kind)
    {
        _policy.Evaluate(Input(kind, EnvironmentTier.Prod, estimate: 10m)).ShouldBe(PolicyRuling.NeedsApproval(2, "Needs 2 different platform engineers: prod"));
    }

    [Fact]
    public void Create_WhenTheTeamHasReachedItsQuota_IsRejectedByPolicy()
    {
        var ruling = _policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Staging, live: 3));

        ruling.ShouldBe(PolicyRuling.Rejected("Rejected by policy: payments already has 3 of 3 staging environments"));
    }

    [Fact]
    public void Create_OneBelowTheQuota_IsNotRejected()
    {
        _policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Prod, live: 1)).Outcome.ShouldBe(PolicyOutcome.NeedsApproval);
        _policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Prod, live: 2)).Outcome.ShouldBe(PolicyOutcome.Rejected);
    }

    [Fact]
    public void Update_WhenTheTeamIsAtItsQuota_IsNotCountedAgainstIt()
    {
        _policy.Evaluate(Input(RequestKind.Update, EnvironmentTier.Staging, live: 3)).Outcome.ShouldBe(PolicyOutcome.NeedsApproval);
    }

    [Theory]
    [InlineData(EnvironmentTier.Dev)]
    [InlineData(EnvironmentTier.Staging)]
    public void Destroy_OfDevOrStagingByItsOwner_NeedsNoApproval(EnvironmentTier tier)
    {
        var ruling = _policy.Evaluate(Input(RequestKind.Destroy, tier, requester: Owner));

        ruling.ShouldBe(PolicyRuling.AutoApproved($"No approval needed: destroy of {tier.Slug()} by its owner"));
    }

    [Fact]
    public void Destroy_OfStagingByATeamMember_NeedsNoApproval()
    {
        _policy.Evaluate(Input(RequestKind.Destroy, EnvironmentTier.Staging, requester: Member))
            .ShouldBe(PolicyRuling.AutoApproved("No approval needed: destroy of staging by a member of payments"));
    }

    [Fact]
    public void Destroy_OfDevByAPlatformEngineerOutsideTheTeam_NeedsAnotherPlatformEngineer()
    {
        _policy.Evaluate(Input(RequestKind.Destroy, EnvironmentTier.Dev, requester: OutsideEngineer))
            .ShouldBe(PolicyRuling.NeedsApproval(1, "Needs 1 platform engineer: destroy of dev by someone outside payments"));
    }

    [Fact]
    public void Destroy_OfProd_NeedsOnePlatformEngineerEvenForTheOwner()
    {
        _policy.Evaluate(Input(RequestKind.Destroy, EnvironmentTier.Prod, requester: Owner))
            .ShouldBe(PolicyRuling.NeedsApproval(1, "Needs 1 platform engineer: destroy of prod"));
    }

    [Theory]
    [InlineData(RequestKind.Create)]
    [InlineData(RequestKind.Destroy)]
    public void Request_BySomeoneOutsideTheTeam_IsRejectedByPolicy(RequestKind kind)
    {
        var ruling = _policy.Evaluate(Input(kind, EnvironmentTier.Dev, requester: Outsider));

        ruling.Outcome.ShouldBe(PolicyOutcome.Rejected);
        ruling.Reason.ShouldBe("Rejected by policy: only members of payments or platform engineers can request changes to its environments");
    }

    [Fact]
    public void Options_FromConfiguration_OverrideTheDefaults()
    {
        var policy = PolicyFrom(new Dictionary<string, string?>
        {
            ["Policies:Dev:AutoApproveMaxMonthlyUsd"] = "100",
            ["Policies:Dev:MaxTtlDays"] = "7",
            ["Policies:Quotas:staging"] = "5",
        });

        policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Dev, estimate: 151m)).Reason.ShouldBe("Needs 1 platform engineer: dev, $151/month is over the $100 cap");
        policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Staging, live: 4)).Outcome.ShouldBe(PolicyOutcome.NeedsApproval);
        policy.Evaluate(Input(RequestKind.Create, EnvironmentTier.Prod, live: 2)).Outcome.ShouldBe(PolicyOutcome.Rejected);
    }

    [Theory]
    [InlineData("Policies:Dev:MaxTtlDays", "0", "Policies:Dev:MaxTtlDays")]
    [InlineData("Policies:Dev:AutoApproveMaxMonthlyUsd", "-1", "Policies:Dev:AutoApproveMaxMonthlyUsd")]
    [InlineData("Policies:Quotas:qa", "1", "Policies:Quotas:qa")]
    [InlineData("Policies:Quotas:prod", "-2", "Policies:Quotas:prod")]
    public void Options_Misconfigured_FailNamingTheKey(string key, string value, string named)
    {
        var error = Should.Throw<OptionsValidationException>(() => PolicyFrom(new Dictionary<string, string?> { [key] = value }));

        error.Message.ShouldContain(named);
    }

    private static ApprovalPolicy PolicyFrom(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLifecycle();
        return services.BuildServiceProvider().GetRequiredService<ApprovalPolicy>();
    }

    private static PolicyInput Input(
        RequestKind kind,
        EnvironmentTier tier,
        decimal estimate = 151m,
        int? ttlDays = 7,
        TeamBudget? budget = null,
        int live = 0,
        RequesterStanding? requester = null) =>
        new(kind, tier, "payments", requester ?? Member, estimate, ttlDays, budget ?? Budget, live);
}
