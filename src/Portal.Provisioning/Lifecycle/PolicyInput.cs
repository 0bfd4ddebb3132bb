using Portal.Data.Entities.Lifecycle;

namespace Portal.Provisioning.Lifecycle;

/// <summary>Everything <see cref="ApprovalPolicy.Evaluate"/> needs, gathered by the caller so the policy stays pure.</summary>
/// <param name="Kind">What is requested.</param>
/// <param name="Tier">The environment's tier.</param>
/// <param name="TeamSlug">The team's slug, for the reason text.</param>
/// <param name="Requester">How the requester stands towards the team and the environment.</param>
/// <param name="EstimateMonthlyUsd">The request's monthly estimate (for an update: the estimate with the new parameters).</param>
/// <param name="TtlDays">Requested lifetime in days (for an extension: the new lifetime from now); null means no expiry.</param>
/// <param name="Budget">The team's budget position this month.</param>
/// <param name="LiveEnvironmentsInTier">
/// How many environments the team already has in <paramref name="Tier"/>: those not destroyed, plus create requests
/// pending or approved but not yet made into environments (so a burst of requests cannot overrun the quota).
/// </param>
/// <param name="EstimateMonthlyMaxUsd">
/// The estimate with every scaling resource at its maximum (null when unknown). The policy decides on the expected
/// <paramref name="EstimateMonthlyUsd"/> and states the maximum in its reason for approvers.
/// </param>
public sealed record PolicyInput(
    RequestKind Kind,
    EnvironmentTier Tier,
    string TeamSlug,
    RequesterStanding Requester,
    decimal EstimateMonthlyUsd,
    int? TtlDays,
    TeamBudget Budget,
    int LiveEnvironmentsInTier,
    decimal? EstimateMonthlyMaxUsd = null);

/// <summary>The requester's relation to the team and to the environment the request is about.</summary>
/// <param name="IsTeamMember">The requester belongs to the environment's team.</param>
/// <param name="IsOwner">The requester owns the environment.</param>
/// <param name="IsPlatformEngineer">The requester is a platform engineer.</param>
/// <param name="IsPortal">The portal itself asks (expiry destroys an environment whose approved TTL ended).</param>
public sealed record RequesterStanding(bool IsTeamMember, bool IsOwner, bool IsPlatformEngineer, bool IsPortal = false);

/// <summary>
/// A team's budget position this month: what remains after month-to-date spend and the prorated estimates of its
/// running environments for the rest of the month.
/// </summary>
public sealed record TeamBudget(decimal MonthlyBudgetUsd, decimal MonthToDateSpendUsd, decimal RunningEnvironmentsProratedUsd)
{
    public decimal RemainingUsd => MonthlyBudgetUsd - MonthToDateSpendUsd - RunningEnvironmentsProratedUsd;
}

/// <summary>Where the policy gets a team's budget position; cost ingestion implements it.</summary>
public interface IBudgetLedger
{
    Task<TeamBudget> GetBudgetAsync(Guid teamId, DateTimeOffset now, CancellationToken cancellationToken);
}
