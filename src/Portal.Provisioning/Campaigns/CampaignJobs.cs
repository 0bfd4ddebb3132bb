using Hangfire;
using Hangfire.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Data.Entities.Campaigns;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Jobs;

namespace Portal.Provisioning.Campaigns;

/// <summary>
/// One environment's step of a campaign, keyed by campaign + environment: its preview while the campaign is prepared, its
/// update request once its wave starts. Never two at once for one key (a lock), and each reads the row first, so a duplicate
/// or retried job finds the step done and does nothing.
/// </summary>
[JobTracing]
public sealed class CampaignStepJob(CampaignPlanner planner, CampaignRunner runner, CampaignQueries queries, JobLocks locks)
{
    public const int Retries = 5;

    public static string LockName(Guid campaignId, Guid environmentId) => $"campaign:{campaignId:N}:{environmentId:N}";

    [AutomaticRetry(Attempts = Retries, DelaysInSeconds = new[] { 1, 2, 4, 8, 16 }, OnAttemptsExceeded = AttemptsExceededAction.Fail, LogEvents = false)]
    [JobDisplayName("Campaign {0}: step of environment {1}")]
    public async Task RunAsync(Guid campaignId, Guid environmentId, PerformContext? context, CancellationToken cancellationToken)
    {
        var attempt = context?.GetJobParameter<int>("RetryCount", allowStale: true) ?? 0;
        await using var held = await locks.TryAcquireAsync(LockName(campaignId, environmentId), TimeSpan.FromSeconds(30), cancellationToken)
            ?? throw new InvalidOperationException($"Another step of campaign {campaignId} for environment {environmentId} is still running.");
        var status = await queries.TargetStatusAsync(campaignId, environmentId, cancellationToken);
        if (status == CampaignTargetStatus.Pending)
        {
            await planner.PreviewAsync(campaignId, environmentId, attempt >= Retries, cancellationToken);
        }
        else if (status is CampaignTargetStatus.Queued or CampaignTargetStatus.Submitted)
        {
            await runner.SubmitAsync(campaignId, environmentId, cancellationToken);
        }
    }
}

/// <summary>Advances a campaign (outcomes, pause, next wave, completion) and schedules its next advance while there is work.</summary>
[JobTracing]
public sealed class CampaignAdvanceJob(CampaignRunner runner, JobLocks locks, ICampaignQueue queue)
{
    public static string LockName(Guid campaignId) => $"campaign:{campaignId:N}";

    [AutomaticRetry(Attempts = 10, DelaysInSeconds = new[] { 1, 2, 4, 8, 16, 30, 60, 60, 60, 60 }, LogEvents = false)]
    [JobDisplayName("Campaign {0}: advance")]
    public async Task RunAsync(Guid campaignId, CancellationToken cancellationToken)
    {
        await using var held = await locks.TryAcquireAsync(LockName(campaignId), TimeSpan.Zero, cancellationToken);
        if (held is null)
        {
            // Another advance is running; it schedules the next one.
            return;
        }

        if (await runner.AdvanceAsync(campaignId, cancellationToken))
        {
            queue.ScheduleAdvance(campaignId, CampaignRunner.AdvanceInterval);
        }
    }
}

/// <summary>Enqueues campaign jobs in Hangfire's persistent storage (ids only).</summary>
public sealed class CampaignQueue(IBackgroundJobClient jobs) : ICampaignQueue
{
    public void EnqueueStep(Guid campaignId, Guid environmentId) =>
        jobs.Enqueue<CampaignStepJob>(j => j.RunAsync(campaignId, environmentId, null, CancellationToken.None));

    public void ScheduleAdvance(Guid campaignId, TimeSpan delay) =>
        jobs.Schedule<CampaignAdvanceJob>(j => j.RunAsync(campaignId, CancellationToken.None), delay);
}

public static class CampaignServiceCollectionExtensions
{
    /// <summary>
    /// Template versions (the archive the catalog records each load in) and upgrade campaigns: planner, runner, queries and
    /// their Hangfire jobs. Call after <c>AddLifecycleJobs</c>.
    /// </summary>
    public static IServiceCollection AddUpgradeCampaigns(this IServiceCollection services)
    {
        services.TryAddSingleton<TemplateVersionArchive>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ICatalogLoadObserver, TemplateVersionArchive>(sp => sp.GetRequiredService<TemplateVersionArchive>()));
        services.TryAddSingleton<TemplateVersionService>();
        services.TryAddSingleton<ICampaignQueue, CampaignQueue>();
        services.TryAddSingleton<CampaignSignals>();
        services.TryAddSingleton<CampaignPlanner>();
        services.TryAddSingleton<CampaignRunner>();
        services.TryAddSingleton<CampaignQueries>();
        services.AddTransient<CampaignStepJob>();
        services.AddTransient<CampaignAdvanceJob>();
        return services;
    }
}
