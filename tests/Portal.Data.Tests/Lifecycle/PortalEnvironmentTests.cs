using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using static Portal.Data.Tests.Lifecycle.LifecycleFixtures;

namespace Portal.Data.Tests.Lifecycle;

public sealed class PortalEnvironmentTests
{
    public static TheoryData<EnvironmentStatus, EnvironmentStatus> LegalMoves()
    {
        var data = new TheoryData<EnvironmentStatus, EnvironmentStatus>();
        foreach (var (from, targets) in PortalEnvironment.Transitions)
        {
            foreach (var to in targets)
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    public static TheoryData<EnvironmentStatus, EnvironmentStatus> IllegalMoves()
    {
        var data = new TheoryData<EnvironmentStatus, EnvironmentStatus>();
        foreach (var from in Enum.GetValues<EnvironmentStatus>())
        {
            foreach (var to in Enum.GetValues<EnvironmentStatus>().Where(t => t != EnvironmentStatus.Requested && !PortalEnvironment.CanMove(from, t)))
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(LegalMoves))]
    public void Transition_AllowedByTheTable_MovesAndReportsTheChange(EnvironmentStatus from, EnvironmentStatus to)
    {
        var environment = In(from);
        var version = environment.Version;

        var change = MoveTo(environment, to);

        environment.Status.ShouldBe(to);
        change.ShouldBe(new StatusChange<EnvironmentStatus>(from, to));
        environment.Version.ShouldBe(version + 1);
        environment.UpdatedAt.ShouldBe(Now.AddHours(1));
    }

    [Theory]
    [MemberData(nameof(IllegalMoves))]
    public void Transition_NotInTheTable_ThrowsNamingFromAndTo_AndChangesNothing(EnvironmentStatus from, EnvironmentStatus to)
    {
        var environment = In(from);
        var version = environment.Version;

        var error = Should.Throw<InvalidTransitionException>(() => MoveTo(environment, to));

        error.From.ShouldBe(from.ToString());
        error.To.ShouldBe(to.ToString());
        error.Message.ShouldContain($"from {from} to {to}");
        environment.Status.ShouldBe(from);
        environment.Version.ShouldBe(version);
    }

    [Fact]
    public void MarkReady_AfterAnUpdate_IsRefused_BecauseMarkUpdatedRecordsTheNewVersion()
    {
        var environment = In(EnvironmentStatus.Updating);

        Should.Throw<InvalidTransitionException>(() => environment.MarkReady("{}", Now));
        environment.MarkUpdated("1.3.0", """{"Size":"large"}""", """{"Url":"https://x"}""", Now);

        environment.Status.ShouldBe(EnvironmentStatus.Ready);
        environment.TemplateVersion.ShouldBe("1.3.0");
        environment.ParametersJson.ShouldBe("""{"Size":"large"}""");
        environment.OutputsJson.ShouldBe("""{"Url":"https://x"}""");
    }

    [Fact]
    public void MarkFailed_RemembersWhatItWasDoingAndWhy_AndARetryClearsIt()
    {
        var environment = In(EnvironmentStatus.Updating);

        environment.MarkFailed("UPDATE_ROLLBACK_COMPLETE: bucket name taken", Now);

        environment.FailedFrom.ShouldBe(EnvironmentStatus.Updating);
        environment.FailureReason.ShouldBe("UPDATE_ROLLBACK_COMPLETE: bucket name taken");
        environment.BeginUpdate(Now);
        environment.FailureReason.ShouldBeNull();
        environment.FailedFrom.ShouldBeNull();
    }

    [Fact]
    public void Create_BuildsTheStackNameFromTeamNameAndTier()
    {
        var environment = Environment("checkout", EnvironmentTier.Staging);

        environment.StackName.ShouldBe("payments-checkout-staging");
        environment.Status.ShouldBe(EnvironmentStatus.Requested);
        environment.Version.ShouldBe(0);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("Checkout")]
    [InlineData("1checkout")]
    [InlineData("check_out")]
    [InlineData("a-name-that-is-much-too-long-for-a-portal-env")]
    public void Create_WithInvalidName_ReportsTheNameField(string name)
    {
        var error = Should.Throw<DomainValidationException>(() => Environment(name));

        error.Errors.Keys.ShouldBe([nameof(PortalEnvironment.Name)]);
    }

    [Fact]
    public void JsonColumns_ThatAreNotJsonObjects_AreRefusedOnEveryProvider()
    {
        Should.Throw<DomainValidationException>(() =>
            PortalEnvironment.Create("checkout", TeamId, "payments", Requester, "web-service", "1.0.0", EnvironmentTier.Dev, "123456789012", "eu-west-1", "not json", null, false, Now))
            .Errors.Keys.ShouldBe([nameof(PortalEnvironment.ParametersJson)]);
        var provisioning = In(EnvironmentStatus.Provisioning);
        Should.Throw<DomainValidationException>(() => provisioning.MarkReady("[1,2]", Now));
        provisioning.Status.ShouldBe(EnvironmentStatus.Provisioning);
        Should.Throw<DomainValidationException>(() => EnvironmentRequest.Submit(Details() with { EstimateLineItemsJson = "{}" }, PolicyRuling.AutoApproved("ok"), Now))
            .Errors.Keys.ShouldBe([nameof(EnvironmentRequest.EstimateLineItemsJson)]);
    }

    [Fact]
    public void Create_WithABadAccountOrRegion_ReportsBothFields()
    {
        var error = Should.Throw<DomainValidationException>(() =>
            PortalEnvironment.Create("checkout", TeamId, "payments", Requester, "web-service", "1.0.0", EnvironmentTier.Dev, "1234", "Ireland", "{}", null, false, Now));

        error.Errors.Keys.ShouldBe([nameof(PortalEnvironment.AccountId), nameof(PortalEnvironment.Region)], ignoreOrder: true);
    }

    [Theory]
    [InlineData("payments-checkout-dev", true)]
    [InlineData("payments_checkout-dev", false)]
    [InlineData("1payments-checkout-dev", false)]
    public void IsValidStackName_FollowsCloudFormationsRules(string stackName, bool valid) =>
        PortalEnvironment.IsValidStackName(stackName).ShouldBe(valid);

    [Fact]
    public void IsValidStackName_AllowsAtMost128Characters()
    {
        PortalEnvironment.IsValidStackName("a" + new string('b', 127)).ShouldBeTrue();
        PortalEnvironment.IsValidStackName("a" + new string('b', 128)).ShouldBeFalse();
    }

    [Fact]
    public void ExtendExpiry_WhileDestroying_IsAnInvalidTransition()
    {
        var environment = In(EnvironmentStatus.Destroying);

        Should.Throw<InvalidTransitionException>(() => environment.ExtendExpiry(Now.AddDays(30), Now));
        Should.Throw<InvalidTransitionException>(() => environment.SetOffHoursSchedule(false, Now));
    }

    [Fact]
    public void ExtendExpiry_OnALiveEnvironment_MovesTheExpiryAndBumpsTheVersion()
    {
        var environment = In(EnvironmentStatus.Ready);
        var version = environment.Version;

        environment.ExtendExpiry(Now.AddDays(30), Now);
        environment.AddHoursSaved(12.5m, Now);

        environment.ExpiresAt.ShouldBe(Now.AddDays(30));
        environment.HoursSavedBySchedule.ShouldBe(12.5m);
        environment.Version.ShouldBe(version + 2);
    }

    /// <summary>An environment driven along legal moves to <paramref name="status"/>.</summary>
    internal static PortalEnvironment In(EnvironmentStatus status)
    {
        var path = status switch
        {
            EnvironmentStatus.Requested => [],
            EnvironmentStatus.Provisioning => [EnvironmentStatus.Provisioning],
            EnvironmentStatus.Ready => [EnvironmentStatus.Provisioning, EnvironmentStatus.Ready],
            EnvironmentStatus.Updating => [EnvironmentStatus.Provisioning, EnvironmentStatus.Ready, EnvironmentStatus.Updating],
            EnvironmentStatus.Stopping => [EnvironmentStatus.Provisioning, EnvironmentStatus.Ready, EnvironmentStatus.Stopping],
            EnvironmentStatus.Stopped => [EnvironmentStatus.Provisioning, EnvironmentStatus.Ready, EnvironmentStatus.Stopping, EnvironmentStatus.Stopped],
            EnvironmentStatus.Starting => [EnvironmentStatus.Provisioning, EnvironmentStatus.Ready, EnvironmentStatus.Stopping, EnvironmentStatus.Stopped, EnvironmentStatus.Starting],
            EnvironmentStatus.Failed => [EnvironmentStatus.Provisioning, EnvironmentStatus.Failed],
            EnvironmentStatus.Destroying => [EnvironmentStatus.Provisioning, EnvironmentStatus.Ready, EnvironmentStatus.Destroying],
            EnvironmentStatus.Destroyed => [EnvironmentStatus.Provisioning, EnvironmentStatus.Ready, EnvironmentStatus.Destroying, EnvironmentStatus.Destroyed],
            _ => (EnvironmentStatus[])[],
        };
        var environment = Environment();
        foreach (var step in path)
        {
            MoveTo(environment, step, Now);
        }

        return environment;
    }

    /// <summary>Calls the transition method that leads to <paramref name="to"/>.</summary>
    private static StatusChange<EnvironmentStatus> MoveTo(PortalEnvironment environment, EnvironmentStatus to, DateTimeOffset? at = null)
    {
        var now = at ?? Now.AddHours(1);
        return to switch
        {
            EnvironmentStatus.Provisioning => environment.BeginProvisioning("arn:aws:cloudformation:eu-west-1:123456789012:stack/x/1", now),
            EnvironmentStatus.Ready when environment.Status == EnvironmentStatus.Updating => environment.MarkUpdated("1.3.0", "{}", "{}", now),
            EnvironmentStatus.Ready when environment.Status == EnvironmentStatus.Starting => environment.MarkStarted("{}", now),
            EnvironmentStatus.Ready => environment.MarkReady("""{"Url":"https://checkout"}""", now),
            EnvironmentStatus.Updating => environment.BeginUpdate(now),
            EnvironmentStatus.Stopping => environment.BeginStop(now),
            EnvironmentStatus.Stopped => environment.MarkStopped(now),
            EnvironmentStatus.Starting => environment.BeginStart(now),
            EnvironmentStatus.Failed => environment.MarkFailed("CREATE_FAILED: quota", now),
            EnvironmentStatus.Destroying => environment.BeginDestroy(now),
            EnvironmentStatus.Destroyed => environment.MarkDestroyed(now),
            EnvironmentStatus.Requested => throw new InvalidOperationException("Nothing moves back to Requested."),
            _ => throw new ArgumentOutOfRangeException(nameof(to)),
        };
    }
}
