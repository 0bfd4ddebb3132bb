using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Data;
using Portal.Data.Entities.Costs;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CostExplorer;
using Portal.Provisioning.Lifecycle;

namespace Portal.Provisioning.Costs;

/// <summary>
/// Checks that Portal's cost allocation tags are active in each configured account (<c>ListCostAllocationTags</c>),
/// activates inactive ones where the account permits (<c>UpdateCostAllocationTagsStatus</c>), and records each tag's
/// outcome as a <see cref="CostAllocationTagCheck"/> (the admin System page warns about any tag not active).
/// Cost Explorer attributes spend to environments only through active tags.
/// </summary>
public sealed partial class CostAllocationTags(
    IDbContextFactory<PortalDbContext> contextFactory,
    ICostExplorerClientFactory clients,
    AwsAccountDirectory accounts,
    TimeProvider timeProvider,
    ILogger<CostAllocationTags> logger)
{
    /// <summary>The tags Portal's cost reports group by.</summary>
    public static IReadOnlyList<string> Required { get; } = [PortalStackTags.EnvironmentId, PortalStackTags.Team, PortalStackTags.Tier];

    public async Task<IReadOnlyList<CostAllocationTagCheck>> CheckAllAsync(CancellationToken cancellationToken)
    {
        var checks = new List<CostAllocationTagCheck>();
        foreach (var accountId in accounts.Accounts.Select(a => a.Id).Distinct(StringComparer.Ordinal))
        {
            checks.AddRange(await CheckAccountAsync(accountId, cancellationToken));
        }

        return checks;
    }

    public async Task<IReadOnlyList<CostAllocationTagCheck>> CheckAccountAsync(string accountId, CancellationToken cancellationToken)
    {
        var outcomes = Required.ToDictionary(t => t, _ => (Status: CostAllocationTagCheck.NotFound, Activated: false, Error: (string?)null), StringComparer.Ordinal);
        try
        {
            var client = clients.Create(accounts.ContextFor(accountId));
            await foreach (var tag in client.ListAllCostAllocationTagsAsync(new ListCostAllocationTagsRequest { TagKeys = Required }, cancellationToken))
            {
                if (outcomes.ContainsKey(tag.TagKey))
                {
                    outcomes[tag.TagKey] = (tag.Status, false, null);
                }
            }

            var inactive = outcomes.Where(o => o.Value.Status != CostAllocationTagStatus.Active).Select(o => o.Key).ToList();
            if (inactive.Count > 0)
            {
                try
                {
                    var response = await client.UpdateCostAllocationTagsStatusAsync(
                        new UpdateCostAllocationTagsStatusRequest([.. inactive.Select(t => new CostAllocationTagStatusEntry(t, CostAllocationTagStatus.Active))]), cancellationToken);
                    var errors = response.Errors.Where(e => e.TagKey is not null).ToDictionary(e => e.TagKey!, StringComparer.Ordinal);
                    foreach (var tag in inactive)
                    {
                        outcomes[tag] = errors.TryGetValue(tag, out var error)
                            ? (outcomes[tag].Status, false, $"{error.Code}: {error.Message}")
                            : (CostAllocationTagStatus.Active, true, null);
                    }
                }
                catch (AwsServiceException e)
                {
                    // AccessDeniedException: the account (or Portal's role) may not change tag status; a person must activate them.
                    foreach (var tag in inactive)
                    {
                        outcomes[tag] = (outcomes[tag].Status, false, $"{e.ErrorCode}: {e.ErrorMessage}");
                    }
                }
            }
        }
        catch (Exception e) when (e is AwsServiceException or HttpRequestException or InvalidOperationException or KeyNotFoundException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            foreach (var tag in Required)
            {
                outcomes[tag] = (CostAllocationTagCheck.Unknown, false, e is AwsServiceException aws ? $"{aws.ErrorCode}: {aws.ErrorMessage}" : e.Message);
            }
        }

        var now = timeProvider.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var existing = await db.CostAllocationTagChecks.Where(c => c.AccountId == accountId).ToDictionaryAsync(c => c.TagKey, StringComparer.Ordinal, cancellationToken);
        var checks = new List<CostAllocationTagCheck>();
        foreach (var (tag, (status, activated, error)) in outcomes)
        {
            if (!existing.TryGetValue(tag, out var check))
            {
                check = CostAllocationTagCheck.Create(accountId, tag);
                db.CostAllocationTagChecks.Add(check);
            }

            check.Record(status, activated, error, now);
            checks.Add(check);
            if (activated)
            {
                db.Audit(now, Data.Entities.AuditActor.System, "cost-allocation-tag.activated", "cost-allocation-tag", $"{accountId}/{tag}");
            }
            else if (status != CostAllocationTagStatus.Active)
            {
                LogNotActive(accountId, tag, status, error);
            }
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e)
        {
            // Another node recorded its check at the same moment; its outcome is as good as ours.
            LogConcurrent(e.InnerException?.Message ?? e.Message, accountId);
        }

        return checks;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cost allocation tag {Tag} is not active in account {AccountId} ({Status}): {Error}")]
    private partial void LogNotActive(string accountId, string tag, string status, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cost allocation tag check of account {AccountId} was recorded concurrently: {Reason}")]
    private partial void LogConcurrent(string reason, string accountId);
}

/// <summary>
/// Checks the cost allocation tags once at startup, in the background once the host has started (after migrations, and
/// after the server listens: in sandbox mode Cost Explorer is served by this very host), so a slow or failing Cost
/// Explorer never delays the portal; errors are logged and recorded, never thrown.
/// </summary>
public sealed partial class CostAllocationTagStartupCheck(
    IServiceProvider services, IHostApplicationLifetime lifetime, IOptions<CostOptions> options, ILogger<CostAllocationTagStartupCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.CheckAllocationTagsOnStartup)
        {
            return;
        }

        try
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
            {
                await started.Task;
            }

            if ((await services.GetRequiredService<DatabaseMigrator>().GetPendingMigrationsAsync(stoppingToken)).Count > 0)
            {
                return;
            }

            await services.GetRequiredService<CostAllocationTags>().CheckAllAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cost allocation tag check at startup failed")]
    private partial void LogFailed(Exception exception);
}
