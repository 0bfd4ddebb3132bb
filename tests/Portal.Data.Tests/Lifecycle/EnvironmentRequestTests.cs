using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using static Portal.Data.Tests.Lifecycle.LifecycleFixtures;

namespace Portal.Data.Tests.Lifecycle;

public sealed class EnvironmentRequestTests
{
    private static readonly PolicyRuling OneEngineer = PolicyRuling.NeedsApproval(1, "Needs 1 platform engineer: staging");
    private static readonly PolicyRuling TwoEngineers = PolicyRuling.NeedsApproval(2, "Needs 2 different platform engineers: prod");

    [Fact]
    public void Submit_WhenThePolicyAutoApproves_IsApprovedAtOnceWithTheReason()
    {
        var request = Request(PolicyRuling.AutoApproved("Auto-approved: dev, $151/month ≤ $500 cap and within payments' remaining $2,340"), tier: EnvironmentTier.Dev);

        request.Status.ShouldBe(RequestStatus.Approved);
        request.PolicyOutcome.ShouldBe(PolicyOutcome.AutoApproved);
        request.PolicyReason.ShouldBe("Auto-approved: dev, $151/month ≤ $500 cap and within payments' remaining $2,340");
        request.DecidedAt.ShouldBe(Now);
        request.Decisions.ShouldBeEmpty();
    }

    [Fact]
    public void Submit_WhenThePolicyRejects_IsRejectedAtOnce()
    {
        var request = Request(PolicyRuling.Rejected("Rejected by policy: payments already has 3 of 3 staging environments"));

        request.Status.ShouldBe(RequestStatus.Rejected);
        request.DecidedAt.ShouldBe(Now);
    }

    [Fact]
    public void Submit_WhenApprovalIsNeeded_WaitsForThatManyEngineers()
    {
        var request = Request(TwoEngineers, tier: EnvironmentTier.Prod);

        request.Status.ShouldBe(RequestStatus.PendingApproval);
        request.ApprovalsRequired.ShouldBe(2);
        request.DecidedAt.ShouldBeNull();
    }

    [Fact]
    public void Submit_AnUpdateWithoutItsEnvironment_ReportsTheEnvironmentField()
    {
        var error = Should.Throw<DomainValidationException>(() => EnvironmentRequest.Submit(Details(RequestKind.Update), OneEngineer, Now));

        error.Errors.Keys.ShouldContain(nameof(EnvironmentRequest.EnvironmentId));
    }

    [Fact]
    public void Approve_ByOnePlatformEngineer_ApprovesAStagingRequest()
    {
        var request = Request(OneEngineer);

        var change = request.Approve(PlatformEngineer(EngineerOne), "Looks fine", Now.AddMinutes(5));

        change.ShouldBe(new StatusChange<RequestStatus>(RequestStatus.PendingApproval, RequestStatus.Approved));
        request.Status.ShouldBe(RequestStatus.Approved);
        request.DecidedAt.ShouldBe(Now.AddMinutes(5));
        var decision = request.Decisions.ShouldHaveSingleItem();
        decision.DeciderId.ShouldBe(EngineerOne);
        decision.Verdict.ShouldBe(DecisionVerdict.Approve);
        decision.Comment.ShouldBe("Looks fine");
    }

    [Fact]
    public void Approve_ProdByOneEngineer_StaysPendingUntilASecondDifferentEngineerApproves()
    {
        var request = Request(TwoEngineers, tier: EnvironmentTier.Prod);

        var first = request.Approve(PlatformEngineer(EngineerOne), null, Now);
        first.Changed.ShouldBeFalse();
        request.Status.ShouldBe(RequestStatus.PendingApproval);

        var second = request.Approve(PlatformEngineer(EngineerTwo), null, Now);
        second.ShouldBe(new StatusChange<RequestStatus>(RequestStatus.PendingApproval, RequestStatus.Approved));
        request.Decisions.Select(d => d.DeciderId).ShouldBe([EngineerOne, EngineerTwo]);
    }

    [Fact]
    public void Approve_ProdTwiceBySameEngineer_IsForbidden()
    {
        var request = Request(TwoEngineers, tier: EnvironmentTier.Prod);
        request.Approve(PlatformEngineer(EngineerOne), null, Now);

        var error = Should.Throw<DecisionForbiddenException>(() => request.Approve(PlatformEngineer(EngineerOne), null, Now));

        error.Message.ShouldContain("2 different platform engineers");
        request.Status.ShouldBe(RequestStatus.PendingApproval);
        request.Decisions.Count.ShouldBe(1);
    }

    [Fact]
    public void Approve_WhenRequesterIsApprover_IsForbidden()
    {
        var request = Request(OneEngineer);

        Should.Throw<DecisionForbiddenException>(() => request.Approve(PlatformEngineer(Requester), null, Now))
            .Message.ShouldContain("own request");
        request.Decisions.ShouldBeEmpty();
    }

    [Fact]
    public void Approve_ByAnyoneButAPlatformEngineer_IsForbidden()
    {
        var request = Request(OneEngineer);

        Should.Throw<DecisionForbiddenException>(() => request.Approve(new Decider(EngineerOne, "dev", IsPlatformEngineer: false), null, Now));
        Should.Throw<DecisionForbiddenException>(() => request.Reject(new Decider(EngineerOne, "dev", IsPlatformEngineer: false), "no", Now));
    }

    [Theory]
    [InlineData(RequestStatus.Approved)]
    [InlineData(RequestStatus.Rejected)]
    [InlineData(RequestStatus.Cancelled)]
    public void Approve_WhenAlreadyDecided_IsAnInvalidTransition(RequestStatus status)
    {
        var request = Decided(status);
        var version = request.Version;

        var error = Should.Throw<InvalidTransitionException>(() => request.Approve(PlatformEngineer(EngineerTwo), null, Now));
        Should.Throw<InvalidTransitionException>(() => request.Reject(PlatformEngineer(EngineerTwo), "late", Now));

        error.From.ShouldBe(status.ToString());
        error.To.ShouldBe(nameof(RequestStatus.Approved));
        request.Version.ShouldBe(version);
    }

    [Fact]
    public void Reject_ByOneEngineer_IsFinalEvenForProd()
    {
        var request = Request(TwoEngineers, tier: EnvironmentTier.Prod);
        request.Approve(PlatformEngineer(EngineerOne), null, Now);

        var change = request.Reject(PlatformEngineer(EngineerTwo), "Use the shared staging cluster", Now);

        change.To.ShouldBe(RequestStatus.Rejected);
        request.Decisions.Last().Verdict.ShouldBe(DecisionVerdict.Reject);
    }

    [Fact]
    public void Reject_WithoutAComment_ReportsTheCommentField()
    {
        var request = Request(OneEngineer);

        Should.Throw<DomainValidationException>(() => request.Reject(PlatformEngineer(EngineerOne), " ", Now)).Errors.Keys.ShouldBe(["Comment"]);
        request.Status.ShouldBe(RequestStatus.PendingApproval);
    }

    [Fact]
    public void Cancel_ByTheRequester_CancelsAPendingRequest_ButNobodyElseMay()
    {
        var request = Request(OneEngineer);

        Should.Throw<DecisionForbiddenException>(() => request.Cancel(EngineerOne, Now));
        request.Cancel(Requester, Now).To.ShouldBe(RequestStatus.Cancelled);
    }

    [Fact]
    public void Approved_ThenCompletedOrFailed_AndNothingAfterThat()
    {
        var completed = Decided(RequestStatus.Approved);
        var failed = Decided(RequestStatus.Approved);

        completed.MarkCompleted(Now).To.ShouldBe(RequestStatus.Completed);
        failed.MarkFailed("CREATE_FAILED", Now).To.ShouldBe(RequestStatus.Failed);

        Should.Throw<InvalidTransitionException>(() => completed.MarkFailed("late", Now));
        Should.Throw<InvalidTransitionException>(() => failed.MarkCompleted(Now));
        Should.Throw<InvalidTransitionException>(() => Request(OneEngineer).MarkCompleted(Now));
    }

    [Fact]
    public void AttachEnvironment_OnlyForAnApprovedCreate()
    {
        var pending = Request(OneEngineer);
        var approved = Decided(RequestStatus.Approved);
        var environmentId = Guid.NewGuid();

        Should.Throw<InvalidTransitionException>(() => pending.AttachEnvironment(environmentId, Now));
        approved.AttachEnvironment(environmentId, Now);
        approved.EnvironmentId.ShouldBe(environmentId);
        Should.Throw<InvalidTransitionException>(() => approved.AttachEnvironment(Guid.NewGuid(), Now));
    }

    [Fact]
    public void EveryChange_BumpsTheVersion()
    {
        var request = Request(TwoEngineers, tier: EnvironmentTier.Prod);

        request.Version.ShouldBe(0);
        request.Approve(PlatformEngineer(EngineerOne), null, Now);
        request.Version.ShouldBe(1);
        request.Approve(PlatformEngineer(EngineerTwo), null, Now);
        request.Version.ShouldBe(2);
    }

    private static EnvironmentRequest Decided(RequestStatus status)
    {
        var request = Request(OneEngineer);
        if (status == RequestStatus.Approved)
        {
            request.Approve(PlatformEngineer(EngineerOne), null, Now);
        }
        else if (status == RequestStatus.Rejected)
        {
            request.Reject(PlatformEngineer(EngineerOne), "no", Now);
        }
        else
        {
            request.Cancel(Requester, Now);
        }

        return request;
    }
}
