namespace Portal.Provisioning.Aws.CloudFormation;

/// <summary>
/// CloudFormation in one account and region. Errors surface as <see cref="AwsServiceException"/> subclasses
/// (<see cref="StackNotFoundException"/>, <see cref="AwsValidationException.IsNoUpdatesToPerform"/>, ...).
/// Paged helpers that follow NextToken are in <see cref="CloudFormationClientExtensions"/>.
/// </summary>
public interface ICloudFormationClient
{
    AwsAccountContext Account { get; }

    string Region { get; }

    Task<CreateStackResponse> CreateStackAsync(CreateStackRequest request, CancellationToken cancellationToken);

    Task<UpdateStackResponse> UpdateStackAsync(UpdateStackRequest request, CancellationToken cancellationToken);

    Task DeleteStackAsync(DeleteStackRequest request, CancellationToken cancellationToken);

    Task<DescribeStacksResponse> DescribeStacksAsync(DescribeStacksRequest request, CancellationToken cancellationToken);

    Task<ListStacksResponse> ListStacksAsync(ListStacksRequest request, CancellationToken cancellationToken);

    Task<DescribeStackEventsResponse> DescribeStackEventsAsync(DescribeStackEventsRequest request, CancellationToken cancellationToken);

    Task<DescribeStackResourcesResponse> DescribeStackResourcesAsync(DescribeStackResourcesRequest request, CancellationToken cancellationToken);

    Task<ListStackResourcesResponse> ListStackResourcesAsync(ListStackResourcesRequest request, CancellationToken cancellationToken);

    Task<GetTemplateResponse> GetTemplateAsync(GetTemplateRequest request, CancellationToken cancellationToken);

    Task<ValidateTemplateResponse> ValidateTemplateAsync(ValidateTemplateRequest request, CancellationToken cancellationToken);

    Task<CreateChangeSetResponse> CreateChangeSetAsync(CreateChangeSetRequest request, CancellationToken cancellationToken);

    Task<DescribeChangeSetResponse> DescribeChangeSetAsync(DescribeChangeSetRequest request, CancellationToken cancellationToken);

    Task ExecuteChangeSetAsync(ExecuteChangeSetRequest request, CancellationToken cancellationToken);

    Task DeleteChangeSetAsync(DeleteChangeSetRequest request, CancellationToken cancellationToken);

    Task<DetectStackDriftResponse> DetectStackDriftAsync(DetectStackDriftRequest request, CancellationToken cancellationToken);

    Task<DescribeStackDriftDetectionStatusResponse> DescribeStackDriftDetectionStatusAsync(
        DescribeStackDriftDetectionStatusRequest request, CancellationToken cancellationToken);

    Task<DescribeStackResourceDriftsResponse> DescribeStackResourceDriftsAsync(DescribeStackResourceDriftsRequest request, CancellationToken cancellationToken);

    Task<DescribeAccountLimitsResponse> DescribeAccountLimitsAsync(DescribeAccountLimitsRequest request, CancellationToken cancellationToken);
}

/// <summary>Creates a CloudFormation client acting in an account and region (assuming the account's role when it has one).</summary>
public interface ICloudFormationClientFactory
{
    ICloudFormationClient Create(AwsAccountContext account, string region);
}
