namespace Portal.Provisioning.Lifecycle;

/// <summary>Asks the job layer to run an environment's next provisioning step now (the reconciler catches anything missed).</summary>
public interface IProvisioningQueue
{
    Task EnqueueAsync(Guid environmentId, CancellationToken cancellationToken);
}
