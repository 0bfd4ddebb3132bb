namespace Portal.Provisioning.Lifecycle;

/// <summary>
/// Submits requests and records decisions: validates against the catalog, asks <see cref="ApprovalPolicy"/>, applies approvals
/// (creates the environment, allocates its VPC CIDR, starts its CloudFormation operation through the job layer) and audits
/// every transition. Errors: DomainValidationException (422, per field), DecisionForbiddenException (403),
/// LifecycleNotFoundException (404), InvalidTransitionException and LifecycleConflictException (409).
/// </summary>
public sealed class RequestWorkflow
{
    public Task<RequestOutcome> SubmitAsync(LifecycleActor actor, SubmitRequest request, CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    public Task<RequestOutcome> ApproveAsync(LifecycleActor actor, Guid requestId, string? comment, CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    public Task<RequestOutcome> RejectAsync(LifecycleActor actor, Guid requestId, string? comment, CancellationToken cancellationToken) =>
        throw new NotImplementedException();

    public Task<RequestOutcome> CancelAsync(LifecycleActor actor, Guid requestId, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}
