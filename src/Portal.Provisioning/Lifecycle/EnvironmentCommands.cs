using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Estimates;

namespace Portal.Provisioning.Lifecycle;

/// <summary>Day-2 actions on an environment that need no approval: the off-hours schedule, starting a stopped environment, retrying a failed step, previewing an update.</summary>
public sealed class EnvironmentCommands(
    IDbContextFactory<PortalDbContext> contextFactory,
    CatalogProvider catalog,
    EnvironmentEstimator estimator,
    ChangeSetPreparer changeSets,
    IProvisioningQueue queue,
    LifecycleSignals signals,
    TimeProvider timeProvider)
{
    /// <summary>Turns the dev off-hours stop/start on or off (owner, team member or platform engineer).</summary>
    public async Task SetOffHoursScheduleAsync(LifecycleActor actor, Guid environmentId, bool enabled, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var environment = await FindAsync(db, actor, environmentId, cancellationToken);
        if (enabled && environment.Tier != EnvironmentTier.Dev)
        {
            throw new DomainValidationException("offHoursSchedule", "Only dev environments are stopped outside business hours.");
        }

        if (enabled && catalog.Current.Find(environment.TemplateSlug) is not { Manifest.OffHours.Count: > 0 })
        {
            throw new DomainValidationException("offHoursSchedule", $"The {environment.TemplateSlug} template has nothing that can be stopped off-hours.");
        }

        var now = timeProvider.GetUtcNow();
        var before = environment.OffHoursSchedule;
        environment.SetOffHoursSchedule(enabled, now);
        db.Audit(now, new AuditActor(actor.UserId, actor.Name), "environment.schedule-changed", PortalEnvironment.AuditTargetType, environment.Id.ToString(), new { From = before, To = enabled });
        await SaveAsync(db, environment, cancellationToken);
        Publish(environment);
    }

    /// <summary>Retries a failed create: the portal creates the stack again (a new operation, so a new ClientRequestToken).</summary>
    public async Task RetryAsync(LifecycleActor actor, Guid environmentId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var environment = await FindAsync(db, actor, environmentId, cancellationToken);
        if (environment.Status != EnvironmentStatus.Failed || environment.FailedFrom is not (EnvironmentStatus.Provisioning or EnvironmentStatus.Requested))
        {
            throw new InvalidTransitionException(nameof(PortalEnvironment), environment.Id, environment.Status.ToString(), EnvironmentStatus.Provisioning.ToString(),
                environment.Status == EnvironmentStatus.Failed
                    ? $"only a failed create can be retried; this failed while {environment.FailedFrom} — request an update or destroy it"
                    : "only a failed environment can be retried");
        }

        var now = timeProvider.GetUtcNow();
        var change = environment.RetryCreate(now);
        environment.BeginOperation(Guid.CreateVersion7(now), now);
        db.Audit(now, new AuditActor(actor.UserId, actor.Name), "environment.retried", PortalEnvironment.AuditTargetType, environment.Id.ToString(), change);
        await SaveAsync(db, environment, cancellationToken);
        await queue.EnqueueAsync(environment.Id, cancellationToken);
        Publish(environment);
    }

    /// <summary>
    /// Starts a stopped environment now, before business hours begin (owner, team member or platform engineer). The off-hours
    /// schedule is turned off as well, or the next off-hours check would stop it again; the page says so and the user turns it
    /// back on when they are done.
    /// </summary>
    public async Task StartAsync(LifecycleActor actor, Guid environmentId, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var environment = await FindAsync(db, actor, environmentId, cancellationToken);
        if (environment.Status != EnvironmentStatus.Stopped)
        {
            throw new InvalidTransitionException(nameof(PortalEnvironment), environment.Id, environment.Status.ToString(), EnvironmentStatus.Starting.ToString(),
                "only a stopped environment can be started");
        }

        var now = timeProvider.GetUtcNow();
        var scheduleWasOn = environment.OffHoursSchedule;
        var change = environment.BeginStart(now);
        environment.SetOffHoursSchedule(false, now);
        environment.BeginOperation(Guid.CreateVersion7(now), now);
        db.Audit(now, new AuditActor(actor.UserId, actor.Name), "environment.starting", PortalEnvironment.AuditTargetType, environment.Id.ToString(),
            new { change.From, change.To, Reason = "started on demand", ScheduleTurnedOff = scheduleWasOn });
        await SaveAsync(db, environment, cancellationToken);
        await queue.EnqueueAsync(environment.Id, cancellationToken);
        Publish(environment);
    }

    /// <summary>What an update with these requester values would change (CloudFormation change set) and cost.</summary>
    public async Task<UpdatePreview> PreviewUpdateAsync(LifecycleActor actor, Guid environmentId, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        PortalEnvironment environment;
        string teamSlug;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            environment = await FindAsync(db, actor, environmentId, cancellationToken);
            teamSlug = await db.Teams.Where(t => t.Id == environment.TeamId).Select(t => t.Slug).SingleAsync(cancellationToken);
        }

        if (environment.Status is not (EnvironmentStatus.Ready or EnvironmentStatus.Failed))
        {
            throw new InvalidTransitionException(nameof(PortalEnvironment), environment.Id, environment.Status.ToString(), EnvironmentStatus.Updating.ToString(), "only a Ready (or failed) environment can be updated");
        }

        var entry = catalog.Current.Find(environment.TemplateSlug)
            ?? throw new DomainValidationException("template", $"The template {environment.TemplateSlug} is no longer in the catalog.");
        var current = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(environment.ParametersJson, RequestWorkflow.Json) ?? [];
        var merged = current.Where(p => entry.Manifest.UserParameters.Contains(p.Key)).ToDictionary();
        foreach (var (key, value) in parameters)
        {
            merged[key] = value;
        }

        var estimate = estimator.Estimate(entry, new EstimateRequest(environment.Tier.Slug(), environment.Region, merged), PortalValues.Preview(teamSlug, environment.Name, environment.Tier));
        if (!estimate.IsValid || estimate.Estimate is null)
        {
            throw new DomainValidationException(estimate.Errors.GroupBy(e => $"parameters.{e.Parameter}").ToDictionary(g => g.Key, g => string.Join(" ", g.Select(e => e.Message))));
        }

        var changes = await changeSets.PreviewAsync(environment, entry, System.Text.Json.JsonSerializer.Serialize(merged, RequestWorkflow.Json), cancellationToken);
        return new UpdatePreview(environment.MonthlyEstimateUsd, estimate.Estimate.MonthlyUsd, changes);
    }

    private static async Task<PortalEnvironment> FindAsync(PortalDbContext db, LifecycleActor actor, Guid environmentId, CancellationToken cancellationToken)
    {
        var environment = await db.Environments.SingleOrDefaultAsync(e => e.Id == environmentId, cancellationToken);
        if (environment is null || !actor.CanSee(environment.TeamId))
        {
            throw new LifecycleNotFoundException("environment", environmentId);
        }

        if (!actor.IsMemberOf(environment.TeamId) && !actor.IsPlatformEngineer)
        {
            throw new DecisionForbiddenException("Only members of the environment's team and platform engineers can change it.");
        }

        if (environment.OutOfBandConflict(RequestKind.Update) is { } outOfBand)
        {
            throw new LifecycleConflictException(outOfBand);
        }

        return environment;
    }

    private static async Task SaveAsync(PortalDbContext db, PortalEnvironment environment, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new LifecycleConflictException($"{environment.Name} changed at the same moment; reload and try again.");
        }
    }

    private void Publish(PortalEnvironment environment) =>
        signals.Publish(new LifecycleChange(LifecycleChangeKind.Environment, environment.Id, environment.TeamId, environment.Id));
}

/// <summary>An update's effect: the monthly estimate before and after, and CloudFormation's resource changes.</summary>
public sealed record UpdatePreview(decimal CurrentMonthlyUsd, decimal NewMonthlyUsd, IReadOnlyList<ResourceChangeRow> Changes);

/// <summary>One resource change of a change set: Add, Modify, Remove, with whether it replaces the resource (True, False, Conditional).</summary>
public sealed record ResourceChangeRow(string Action, string LogicalResourceId, string ResourceType, string? Replacement);
