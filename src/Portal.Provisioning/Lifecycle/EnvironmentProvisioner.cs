using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Catalog;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// Starts an environment's CloudFormation operation: one idempotent step per run (allocate the VPC CIDR, create the stack,
/// execute the update's change set, delete the stack, or apply a stop/start). Every mutating call carries a
/// ClientRequestToken derived from the operation id, so a retry after a crash is recognised and never starts a second
/// operation. Once CloudFormation has accepted the operation the <see cref="StackWatcher"/> follows it.
/// </summary>
public sealed partial class EnvironmentProvisioner(
    IDbContextFactory<PortalDbContext> contextFactory,
    CatalogProvider catalog,
    ICloudFormationClientFactory clients,
    AwsAccountDirectory accounts,
    CidrAllocator cidrs,
    ChangeSetPreparer changeSets,
    LifecycleSignals signals,
    TimeProvider timeProvider,
    ILogger<EnvironmentProvisioner> logger)
{
    private static readonly AuditActor Portal = new(null, "portal");

    /// <summary>Whether the environment has a step for the provisioner (rather than the watcher) right now.</summary>
    public static bool NeedsStep(PortalEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment.Status switch
        {
            EnvironmentStatus.Requested => true,
            EnvironmentStatus.Provisioning or EnvironmentStatus.Updating or EnvironmentStatus.Destroying
                or EnvironmentStatus.Stopping or EnvironmentStatus.Starting => environment.OperationStartedAt is null,
            EnvironmentStatus.Ready or EnvironmentStatus.Stopped or EnvironmentStatus.Failed or EnvironmentStatus.Destroyed => false,
            _ => false,
        };
    }

    /// <summary>Runs the environment's next step, if it has one. Throws on transient AWS errors (the job retries).</summary>
    public async Task RunAsync(Guid environmentId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var environment = await db.Environments.SingleOrDefaultAsync(e => e.Id == environmentId, cancellationToken);
        if (environment is null)
        {
            return;
        }

        if (environment.Status == EnvironmentStatus.Destroyed)
        {
            await cidrs.ReleaseAsync(environment.Id, cancellationToken);
            return;
        }

        if (!NeedsStep(environment))
        {
            return;
        }

        try
        {
            switch (environment.Status)
            {
                case EnvironmentStatus.Requested:
                case EnvironmentStatus.Provisioning:
                    if (!await EnsureCidrAsync(environment, cancellationToken))
                    {
                        break;
                    }

                    await db.Entry(environment).ReloadAsync(cancellationToken);
                    await CreateAsync(db, environment, cancellationToken);
                    break;
                case EnvironmentStatus.Updating or EnvironmentStatus.Stopping or EnvironmentStatus.Starting when environment.OutOfBandConflict(RequestKind.Update) is { } outOfBand:
                    // Marked between the approval and this run: the portal does not overwrite a stack changed by hand.
                    throw new DomainValidationException("outOfBand", outOfBand);
                case EnvironmentStatus.Updating or EnvironmentStatus.Stopping or EnvironmentStatus.Starting when environment.StackId is null:
                    // Refused here with the reason, not by CloudFormation with "Value null at 'stackName'".
                    throw new DomainValidationException("stackId", $"Environment {environment.Name} has no CloudFormation stack, so it cannot be updated, stopped or started.");
                case EnvironmentStatus.Updating:
                    await UpdateAsync(db, environment, cancellationToken);
                    break;
                case EnvironmentStatus.Destroying:
                    await DeleteAsync(db, environment, cancellationToken);
                    break;
                case EnvironmentStatus.Stopping:
                case EnvironmentStatus.Starting:
                    await ScheduleChangeAsync(db, environment, cancellationToken);
                    break;
                case EnvironmentStatus.Ready:
                case EnvironmentStatus.Stopped:
                case EnvironmentStatus.Failed:
                case EnvironmentStatus.Destroyed:
                default:
                    return;
            }
        }
        catch (StackNotFoundException) when (environment.CanBeGoneFromAws && environment.Status is not EnvironmentStatus.Provisioning)
        {
            // The stack was deleted outside the portal: the environment is gone from AWS, not refused by CloudFormation.
            LogFailed(environment.StackName, await GoneFromAws.RecordAsync(contextFactory, environmentId, Portal, timeProvider.GetUtcNow(), cancellationToken));
        }
        catch (AwsServiceException e) when (!e.IsRetryable)
        {
            // CloudFormation refused the operation (bad template, missing permission): record it on the row, not only in the log.
            await FailAsync(environmentId, $"CloudFormation refused {e.Operation}: {e.ErrorMessage}", cancellationToken);
        }
        catch (DomainValidationException e)
        {
            await FailAsync(environmentId, e.Message, cancellationToken);
        }

        signals.Publish(new LifecycleChange(LifecycleChangeKind.Environment, environment.Id, environment.TeamId, environment.Id));
    }

    /// <summary>The job layer gave up on the environment's step (its retries ran out): Failed, with the reason on the row.</summary>
    public Task GiveUpAsync(Guid environmentId, string reason, CancellationToken cancellationToken) => FailAsync(environmentId, reason, cancellationToken);

    private async Task<bool> EnsureCidrAsync(PortalEnvironment environment, CancellationToken cancellationToken)
    {
        var entry = catalog.Current.Find(environment.TemplateSlug);
        if (entry is null || !entry.Manifest.NeedsVpcCidr || environment.VpcCidr is not null)
        {
            return true;
        }

        var account = accounts.Get(environment.AccountId);
        if (!account.CidrPools.TryGetValue(environment.Region, out var pool))
        {
            await FailAsync(environment.Id, $"No VPC address pool is configured for account {environment.AccountId} in {environment.Region} (Aws:Accounts:N:CidrPools).", cancellationToken);
            return false;
        }

        try
        {
            await cidrs.AllocateAsync(environment.AccountId, environment.Region, pool, CidrAllocator.LargestVpcPrefix, environment.Id, cancellationToken);
            return true;
        }
        catch (CidrPoolExhaustedException e)
        {
            await FailAsync(environment.Id, e.Message, cancellationToken);
            return false;
        }
    }

    private async Task CreateAsync(PortalDbContext db, PortalEnvironment environment, CancellationToken cancellationToken)
    {
        var entry = Entry(environment);
        var operation = environment.ActiveOperationId ?? throw new InvalidOperationException($"Environment {environment.Id} has no operation to run.");
        var spec = await StackSpec.ForAsync(db, environment, entry, environment.ParametersJson, cancellationToken);
        var client = Client(environment);
        var account = accounts.Get(environment.AccountId);
        string stackId;
        try
        {
            var created = await client.CreateStackAsync(
                new CreateStackRequest
                {
                    StackName = environment.StackName,
                    TemplateBody = spec.TemplateBody,
                    Parameters = spec.Parameters,
                    Capabilities = spec.Capabilities,
                    Tags = spec.Tags,
                    RoleARN = account.CloudFormationServiceRole,

                    // A failed create deletes what it made; its events stay readable by stack id, and a retry starts clean.
                    OnFailure = OnFailure.Delete,
                    ClientRequestToken = ClientRequestTokens.For("CreateStack", operation),
                },
                cancellationToken);
            stackId = created.StackId;
        }
        catch (AwsServiceException e) when (e.ErrorCode == "AlreadyExistsException")
        {
            // A stack of that name exists: ours (made by a crashed earlier attempt) is adopted; anyone else's is a conflict.
            var existing = await client.FindStackAsync(environment.StackName, cancellationToken);
            var tag = existing?.Tags.FirstOrDefault(t => t.Key == PortalStackTags.EnvironmentId)?.Value;
            if (existing?.StackId is null || tag != environment.Id.ToString())
            {
                await FailAsync(environment.Id, $"A stack named {environment.StackName} already exists in account {environment.AccountId} ({environment.Region}) and was not created for this environment.", cancellationToken);
                return;
            }

            stackId = existing.StackId;
        }

        var now = timeProvider.GetUtcNow();
        if (environment.Status == EnvironmentStatus.Requested)
        {
            var change = environment.BeginProvisioning(stackId, now);
            db.Audit(now, Portal, "environment.provisioning", PortalEnvironment.AuditTargetType, environment.Id.ToString(), new { change.From, change.To, StackId = stackId });
        }
        else
        {
            db.Audit(now, Portal, "environment.create-retried", PortalEnvironment.AuditTargetType, environment.Id.ToString(), new { StackId = stackId });
        }

        environment.MarkOperationStarted(stackId, now);
        await db.SaveChangesAsync(cancellationToken);
        LogStarted("CreateStack", environment.StackName, environment.Id);
    }

    private async Task UpdateAsync(PortalDbContext db, PortalEnvironment environment, CancellationToken cancellationToken)
    {
        var operation = environment.ActiveOperationId ?? throw new InvalidOperationException($"Environment {environment.Id} has no operation to run.");
        var request = await db.EnvironmentRequests.SingleAsync(r => r.Id == operation, cancellationToken);
        var entry = Entry(environment);
        var started = timeProvider.GetUtcNow();
        await changeSets.EnsureExecutableAsync(environment, entry, request, cancellationToken);
        try
        {
            await Client(environment).ExecuteChangeSetAsync(
                new ExecuteChangeSetRequest
                {
                    ChangeSetName = request.ChangeSetName ?? ChangeSetPreparer.NameFor(request.Id),
                    StackName = environment.StackId,
                    ClientRequestToken = ClientRequestTokens.For("ExecuteChangeSet", operation),
                },
                cancellationToken);
        }
        catch (AwsServiceException e) when (e.ErrorCode is "InvalidChangeSetStatus" or "InvalidChangeSetStatusException" or "TokenAlreadyExistsException")
        {
            // Executed by an earlier attempt: the watcher follows the update.
        }

        environment.MarkOperationStarted(null, started);
        await db.SaveChangesAsync(cancellationToken);
        LogStarted("ExecuteChangeSet", environment.StackName, environment.Id);
    }

    private async Task DeleteAsync(PortalDbContext db, PortalEnvironment environment, CancellationToken cancellationToken)
    {
        var operation = environment.ActiveOperationId ?? Guid.CreateVersion7(timeProvider.GetUtcNow());
        var started = timeProvider.GetUtcNow();
        if (environment.StackId is null)
        {
            // Never created: nothing to delete in AWS.
            var change = environment.MarkDestroyed(started);
            environment.EndOperation(started);
            db.Audit(started, Portal, "environment.destroyed", PortalEnvironment.AuditTargetType, environment.Id.ToString(), change);
            await CompleteRequestAsync(db, operation, started, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await cidrs.ReleaseAsync(environment.Id, cancellationToken);
            return;
        }

        await Client(environment).DeleteStackAsync(
            new DeleteStackRequest { StackName = environment.StackId, ClientRequestToken = ClientRequestTokens.For("DeleteStack", operation) }, cancellationToken);
        if (environment.ActiveOperationId is null)
        {
            environment.BeginOperation(operation, started);
        }

        environment.MarkOperationStarted(null, started);
        await db.SaveChangesAsync(cancellationToken);
        LogStarted("DeleteStack", environment.StackName, environment.Id);
    }

    private async Task ScheduleChangeAsync(PortalDbContext db, PortalEnvironment environment, CancellationToken cancellationToken)
    {
        var operation = environment.ActiveOperationId ?? throw new InvalidOperationException($"Environment {environment.Id} has no operation to run.");
        var entry = Entry(environment);
        var stopping = environment.Status == EnvironmentStatus.Stopping;
        var spec = await StackSpec.ForAsync(db, environment, entry, environment.ParametersJson, cancellationToken, stopping ? entry.Manifest.OffHours : null);
        var started = timeProvider.GetUtcNow();
        try
        {
            await Client(environment).UpdateStackAsync(
                new UpdateStackRequest
                {
                    StackName = environment.StackId!,
                    UsePreviousTemplate = true,
                    Parameters = spec.Parameters,
                    Capabilities = spec.Capabilities,
                    Tags = spec.Tags,
                    ClientRequestToken = ClientRequestTokens.For(stopping ? "StopEnvironment" : "StartEnvironment", operation),
                },
                cancellationToken);
        }
        catch (AwsValidationException e) when (e.IsNoUpdatesToPerform)
        {
            // Already in the wanted state: finish at once.
            var now = timeProvider.GetUtcNow();
            var change = stopping ? environment.MarkStopped(now) : environment.MarkStarted(environment.OutputsJson, now);
            environment.EndOperation(now);
            db.Audit(now, Portal, stopping ? "environment.stopped" : "environment.started", PortalEnvironment.AuditTargetType, environment.Id.ToString(), change);
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        environment.MarkOperationStarted(null, started);
        await db.SaveChangesAsync(cancellationToken);
        LogStarted(stopping ? "UpdateStack (stop)" : "UpdateStack (start)", environment.StackName, environment.Id);
    }

    private async Task FailAsync(Guid environmentId, string reason, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var environment = await db.Environments.SingleAsync(e => e.Id == environmentId, cancellationToken);
        if (!PortalEnvironment.CanMove(environment.Status, EnvironmentStatus.Failed))
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        var operation = environment.ActiveOperationId;
        var change = environment.MarkFailed(reason, now);
        environment.EndOperation(now);
        db.Audit(now, Portal, "environment.failed", PortalEnvironment.AuditTargetType, environment.Id.ToString(), new { change.From, change.To, Reason = reason });
        if (operation is { } id && await db.EnvironmentRequests.SingleOrDefaultAsync(r => r.Id == id, cancellationToken) is { Status: RequestStatus.Approved } request)
        {
            request.MarkFailed(reason, now);
        }

        StackWatcher.NotifyOwner(db, environment, "environment.failed", $"Failed: {environment.Name} ({environment.Tier.Slug()})", reason, now);
        await db.SaveChangesAsync(cancellationToken);
        LogFailed(environment.StackName, reason);
    }

    private static async Task CompleteRequestAsync(PortalDbContext db, Guid operation, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await db.EnvironmentRequests.SingleOrDefaultAsync(r => r.Id == operation, cancellationToken) is { Status: RequestStatus.Approved } request)
        {
            request.MarkCompleted(now);
        }
    }

    private CatalogEntry Entry(PortalEnvironment environment) =>
        catalog.Current.Find(environment.TemplateSlug)
        ?? throw new DomainValidationException("template", $"The template {environment.TemplateSlug} is no longer in the catalog.");

    private ICloudFormationClient Client(PortalEnvironment environment) => clients.Create(accounts.ContextFor(environment.AccountId), environment.Region);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation} accepted for stack {StackName} (environment {EnvironmentId})")]
    private partial void LogStarted(string operation, string stackName, Guid environmentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stack {StackName} failed: {Reason}")]
    private partial void LogFailed(string stackName, string reason);
}
