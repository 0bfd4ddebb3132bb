using Portal.Data.Entities.Campaigns;

namespace Portal.Provisioning.Campaigns;

/// <summary>Who acts on a campaign (a platform engineer or an admin; the host checks the role).</summary>
public sealed record CampaignActor(Guid UserId, string Name);

/// <summary>
/// A new campaign, as the API and the page send it: the template, its target version (default: the version the catalog offers,
/// the only one a campaign can upgrade to), the tiers and teams (slugs; empty: all), the wave size and the failures tolerated
/// before the campaign pauses itself (0: the first failure pauses it).
/// </summary>
public sealed record NewCampaign(
    string? Name,
    string? Template,
    string? TargetVersion = null,
    IReadOnlyList<string>? Tiers = null,
    IReadOnlyList<string>? Teams = null,
    int? WaveSize = null,
    int? MaxFailures = null);

/// <summary>How one parameter fares in an upgrade: <c>kept</c>, <c>filled</c> (added, takes its default), <c>preset</c> or <c>portal</c> (added, set by the tier or the portal), <c>dropped</c> (warning), <c>missing</c> (blocks).</summary>
public sealed record ParameterNote(string Name, string Change, string Detail);

/// <summary>One resource change of an environment's upgrade, from its change set; <see cref="Replacement"/> is True, Conditional or False.</summary>
public sealed record CampaignChange(string Action, string LogicalResourceId, string ResourceType, string? Replacement)
{
    public bool IsReplacement => Replacement is "True" or "Conditional";
}

public sealed record CampaignSummary(
    Guid Id, string Name, string Template, string TargetVersion, CampaignStatus Status, int Environments, int Succeeded, int Failed, int InFlight,
    DateTimeOffset CreatedAt, string CreatedBy);

public sealed record CampaignTargetView(
    Guid EnvironmentId,
    string Environment,
    string Team,
    string Tier,
    int Wave,
    string FromVersion,
    CampaignTargetStatus Status,
    int Added,
    int Modified,
    int Removed,
    int Replaced,
    decimal CurrentMonthlyUsd,
    decimal TargetMonthlyUsd,
    decimal CostDeltaUsd,
    IReadOnlyList<CampaignChange> Changes,
    IReadOnlyList<ParameterNote> Parameters,
    Guid? RequestId,
    string? Detail);

public sealed record CampaignTotals(
    int Environments, int Added, int Modified, int Removed, int Replaced, int EnvironmentsWithReplacement, decimal CurrentMonthlyUsd, decimal TargetMonthlyUsd,
    decimal CostDeltaUsd, int Warnings, int Blocked, int Succeeded, int Failed, int Skipped, int InFlight, int Pending);

/// <summary>
/// A campaign with its totals over every environment (<see cref="CampaignTotals.Environments"/>) and one page of its
/// environments (<see cref="Targets"/>, page <see cref="Page"/> of <see cref="PageSize"/>), by wave, team and name.
/// </summary>
public sealed record CampaignDetail(
    Guid Id,
    string Name,
    string Template,
    string TargetVersion,
    string TargetShortHash,
    IReadOnlyList<string> Tiers,
    IReadOnlyList<string> Teams,
    int WaveSize,
    int MaxFailures,
    CampaignStatus Status,
    string? PauseReason,
    int CurrentWave,
    int Waves,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    CampaignTotals Totals,
    IReadOnlyList<CampaignTargetView> Targets,
    int Page,
    int PageSize);

/// <summary>One page of the campaigns, and how many there are.</summary>
public sealed record CampaignListPage(IReadOnlyList<CampaignSummary> Items, int Total);

/// <summary>The campaign list as the API answers it: one page (<c>page</c>, <c>pageSize</c>), as the environment list does.</summary>
public sealed record CampaignListResponse(IReadOnlyList<CampaignSummary> Items, int Total, int Page, int PageSize);

/// <summary>Enqueues campaign steps and advances (Hangfire in the host).</summary>
public interface ICampaignQueue
{
    /// <summary>One environment's step (preview or submit), keyed by campaign + environment.</summary>
    void EnqueueStep(Guid campaignId, Guid environmentId);

    /// <summary>The campaign's next advance, after <paramref name="delay"/>.</summary>
    void ScheduleAdvance(Guid campaignId, TimeSpan delay);
}
