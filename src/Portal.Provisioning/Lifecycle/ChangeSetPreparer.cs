using Microsoft.EntityFrameworkCore;
using Portal.Data;
using Portal.Data.Entities;
using Portal.Data.Entities.Lifecycle;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Catalog;

namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// Creates the CloudFormation change set for an update and waits until CloudFormation has worked out its changes, so the
/// requester and the approvers see exactly what will happen before anything does.
/// </summary>
public sealed class ChangeSetPreparer(
    IDbContextFactory<PortalDbContext> contextFactory, ICloudFormationClientFactory clients, AwsAccountDirectory accounts, TimeProvider timeProvider)
{
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    public static string NameFor(Guid requestId) => $"portal-update-{requestId:N}";

    public sealed record Prepared(string ChangeSetName, IReadOnlyList<ResourceChangeRow> Changes);

    /// <summary>Creates change set <see cref="NameFor"/>(<paramref name="requestId"/>) with the request's values (idempotent by name).</summary>
    public async Task<Prepared> PrepareAsync(
        PortalEnvironment environment, string teamSlug, CatalogEntry entry, RequestDetails details, Guid requestId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(details);
        var name = NameFor(requestId);
        var changes = await CreateAndDescribeAsync(environment, entry, details.ParametersJson, name, keep: true, cancellationToken);
        return new Prepared(name, changes);
    }

    /// <summary>The changes an update with these values would make; the change set is deleted afterwards.</summary>
    public Task<IReadOnlyList<ResourceChangeRow>> PreviewAsync(PortalEnvironment environment, CatalogEntry entry, string userValuesJson, CancellationToken cancellationToken) =>
        CreateAndDescribeAsync(environment, entry, userValuesJson, $"portal-preview-{Guid.NewGuid():N}", keep: false, cancellationToken);

    /// <summary>Ensures the request's change set exists and is ready to execute (re-created when CloudFormation dropped it).</summary>
    public async Task EnsureExecutableAsync(PortalEnvironment environment, CatalogEntry entry, EnvironmentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(request);
        var client = Client(environment);
        var name = request.ChangeSetName ?? NameFor(request.Id);
        try
        {
            var existing = await client.DescribeChangeSetAsync(new DescribeChangeSetRequest { ChangeSetName = name, StackName = environment.StackId ?? environment.StackName }, cancellationToken);
            if (existing.Status == ChangeSetStatus.CreateComplete && existing.ExecutionStatus is "AVAILABLE" or "EXECUTE_IN_PROGRESS" or "EXECUTE_COMPLETE")
            {
                return;
            }

            await client.DeleteChangeSetAsync(new DeleteChangeSetRequest { ChangeSetName = name, StackName = environment.StackId ?? environment.StackName }, cancellationToken);
        }
        catch (AwsServiceException e) when (e.ErrorCode is "ChangeSetNotFound" or "ChangeSetNotFoundException")
        {
        }

        await CreateAndDescribeAsync(environment, entry, request.ParametersJson, name, keep: true, cancellationToken);
    }

    private async Task<IReadOnlyList<ResourceChangeRow>> CreateAndDescribeAsync(
        PortalEnvironment environment, CatalogEntry entry, string userValuesJson, string name, bool keep, CancellationToken cancellationToken)
    {
        if (environment.StackId is null)
        {
            throw new InvalidTransitionException(nameof(PortalEnvironment), environment.Id, environment.Status.ToString(), EnvironmentStatus.Updating.ToString(), "the stack has not been created");
        }

        StackSpec spec;
        await using (var db = await contextFactory.CreateDbContextAsync(cancellationToken))
        {
            spec = await StackSpec.ForAsync(db, environment, entry, userValuesJson, cancellationToken);
        }

        var client = Client(environment);
        try
        {
            await client.CreateChangeSetAsync(
                new CreateChangeSetRequest
                {
                    StackName = environment.StackId,
                    ChangeSetName = name,
                    TemplateBody = spec.TemplateBody,
                    Parameters = spec.Parameters,
                    Capabilities = spec.Capabilities,
                    Tags = spec.Tags,
                    ChangeSetType = ChangeSetType.Update,
                    Description = $"Portal update of {environment.StackName}",
                },
                cancellationToken);
        }
        catch (AwsServiceException e) when (e.ErrorCode is "AlreadyExistsException")
        {
            // Created by an earlier attempt of this same request: describe it.
        }

        var deadline = timeProvider.GetUtcNow() + MaxWait;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            var described = await client.DescribeFullChangeSetAsync(new DescribeChangeSetRequest { ChangeSetName = name, StackName = environment.StackId }, cancellationToken);
            if (described.Status == ChangeSetStatus.CreateComplete)
            {
                var rows = described.Changes.Where(c => c.ResourceChange is not null)
                    .Select(c => new ResourceChangeRow(c.ResourceChange!.Action ?? "", c.ResourceChange.LogicalResourceId ?? "", c.ResourceChange.ResourceType ?? "", c.ResourceChange.Replacement))
                    .ToList();
                if (!keep)
                {
                    await client.DeleteChangeSetAsync(new DeleteChangeSetRequest { ChangeSetName = name, StackName = environment.StackId }, cancellationToken);
                }

                return rows;
            }

            if (described.Status == ChangeSetStatus.Failed)
            {
                await client.DeleteChangeSetAsync(new DeleteChangeSetRequest { ChangeSetName = name, StackName = environment.StackId }, cancellationToken);
                var reason = described.StatusReason ?? "CloudFormation could not prepare the change.";
                throw new DomainValidationException("parameters", reason.Contains("didn't contain changes", StringComparison.OrdinalIgnoreCase) || reason.Contains("No updates", StringComparison.OrdinalIgnoreCase)
                    ? "Nothing would change: the stack already runs with these values."
                    : reason);
            }

            if (timeProvider.GetUtcNow() > deadline)
            {
                throw new LifecycleConflictException($"CloudFormation is still preparing change set {name}; try again in a minute.");
            }

            await Task.Delay(delay, timeProvider, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
        }
    }

    private ICloudFormationClient Client(PortalEnvironment environment) => clients.Create(accounts.ContextFor(environment.AccountId), environment.Region);
}
