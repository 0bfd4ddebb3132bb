namespace Portal.Provisioning.Aws.CloudFormation;

// Request and response records for the CloudFormation operations Portal uses. Member names follow the
// service model (cloudformation-2010-05-15); enum-valued members are strings, with the values Portal uses
// as constants below, so a value AWS adds later still round-trips.

public sealed record Parameter
{
    public string? ParameterKey { get; init; }

    public string? ParameterValue { get; init; }

    public bool? UsePreviousValue { get; init; }

    /// <summary>Response only: the value an SSM parameter type resolved to.</summary>
    public string? ResolvedValue { get; init; }

    public static Parameter Of(string key, string value) => new() { ParameterKey = key, ParameterValue = value };

    public static Parameter UsePrevious(string key) => new() { ParameterKey = key, UsePreviousValue = true };
}

public sealed record Tag(string Key, string Value);

public sealed record Output(string? OutputKey, string? OutputValue, string? Description, string? ExportName);

public sealed record StackDriftInformation(string StackDriftStatus, DateTimeOffset? LastCheckTimestamp);

public sealed record RollbackTrigger(string Arn, string Type);

public sealed record RollbackConfiguration
{
    public IReadOnlyList<RollbackTrigger>? RollbackTriggers { get; init; }

    public int? MonitoringTimeInMinutes { get; init; }
}

public sealed record CreateStackRequest
{
    public required string StackName { get; init; }

    public string? TemplateBody { get; init; }

    public string? TemplateURL { get; init; }

    public IReadOnlyList<Parameter>? Parameters { get; init; }

    public bool? DisableRollback { get; init; }

    public RollbackConfiguration? RollbackConfiguration { get; init; }

    public int? TimeoutInMinutes { get; init; }

    public IReadOnlyList<string>? NotificationARNs { get; init; }

    /// <summary><see cref="Capability"/> values the template needs acknowledged.</summary>
    public IReadOnlyList<string>? Capabilities { get; init; }

    public IReadOnlyList<string>? ResourceTypes { get; init; }

    /// <summary>Service role for the stack; defaults to the account's CloudFormationServiceRole.</summary>
    public string? RoleARN { get; init; }

    /// <summary><see cref="OnFailure"/> value; mutually exclusive with DisableRollback.</summary>
    public string? OnFailure { get; init; }

    public string? StackPolicyBody { get; init; }

    public string? StackPolicyURL { get; init; }

    public IReadOnlyList<Tag>? Tags { get; init; }

    /// <summary>Idempotency token (see <see cref="ClientRequestTokens"/>); the same on every retry of one logical call.</summary>
    public string? ClientRequestToken { get; init; }

    public bool? EnableTerminationProtection { get; init; }

    public bool? RetainExceptOnCreate { get; init; }
}

public sealed record CreateStackResponse(string StackId, string? OperationId);

public sealed record UpdateStackRequest
{
    public required string StackName { get; init; }

    public string? TemplateBody { get; init; }

    public string? TemplateURL { get; init; }

    public bool? UsePreviousTemplate { get; init; }

    public string? StackPolicyDuringUpdateBody { get; init; }

    public string? StackPolicyDuringUpdateURL { get; init; }

    public IReadOnlyList<Parameter>? Parameters { get; init; }

    public IReadOnlyList<string>? Capabilities { get; init; }

    public IReadOnlyList<string>? ResourceTypes { get; init; }

    public string? RoleARN { get; init; }

    public RollbackConfiguration? RollbackConfiguration { get; init; }

    public string? StackPolicyBody { get; init; }

    public string? StackPolicyURL { get; init; }

    public IReadOnlyList<string>? NotificationARNs { get; init; }

    public IReadOnlyList<Tag>? Tags { get; init; }

    public bool? DisableRollback { get; init; }

    public string? ClientRequestToken { get; init; }

    public bool? RetainExceptOnCreate { get; init; }
}

public sealed record UpdateStackResponse(string StackId, string? OperationId);

public sealed record DeleteStackRequest
{
    public required string StackName { get; init; }

    public IReadOnlyList<string>? RetainResources { get; init; }

    public string? RoleARN { get; init; }

    public string? ClientRequestToken { get; init; }

    /// <summary><see cref="DeletionMode"/> value.</summary>
    public string? DeletionMode { get; init; }
}

public sealed record DescribeStacksRequest
{
    /// <summary>Name or id; null lists every stack (paged).</summary>
    public string? StackName { get; init; }

    public string? NextToken { get; init; }
}

public sealed record Stack
{
    public string? StackId { get; init; }

    public required string StackName { get; init; }

    public string? ChangeSetId { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<Parameter> Parameters { get; init; } = [];

    public required DateTimeOffset CreationTime { get; init; }

    public DateTimeOffset? DeletionTime { get; init; }

    public DateTimeOffset? LastUpdatedTime { get; init; }

    public RollbackConfiguration? RollbackConfiguration { get; init; }

    /// <summary><see cref="StackStatus"/> value.</summary>
    public required string StackStatus { get; init; }

    public string? StackStatusReason { get; init; }

    public bool? DisableRollback { get; init; }

    public IReadOnlyList<string> NotificationARNs { get; init; } = [];

    public int? TimeoutInMinutes { get; init; }

    public IReadOnlyList<string> Capabilities { get; init; } = [];

    public IReadOnlyList<Output> Outputs { get; init; } = [];

    public string? RoleARN { get; init; }

    public IReadOnlyList<Tag> Tags { get; init; } = [];

    public bool? EnableTerminationProtection { get; init; }

    public string? ParentId { get; init; }

    public string? RootId { get; init; }

    public StackDriftInformation? DriftInformation { get; init; }

    public bool? RetainExceptOnCreate { get; init; }

    public string? DeletionMode { get; init; }

    public string? DetailedStatus { get; init; }
}

public sealed record DescribeStacksResponse(IReadOnlyList<Stack> Stacks, string? NextToken);

public sealed record ListStacksRequest
{
    public string? NextToken { get; init; }

    /// <summary><see cref="StackStatus"/> values to include; null or empty lists every status (deleted stacks for 90 days too).</summary>
    public IReadOnlyList<string>? StackStatusFilter { get; init; }
}

public sealed record StackSummary
{
    public string? StackId { get; init; }

    public required string StackName { get; init; }

    public string? TemplateDescription { get; init; }

    public required DateTimeOffset CreationTime { get; init; }

    public DateTimeOffset? LastUpdatedTime { get; init; }

    public DateTimeOffset? DeletionTime { get; init; }

    public required string StackStatus { get; init; }

    public string? StackStatusReason { get; init; }

    public string? ParentId { get; init; }

    public string? RootId { get; init; }

    public StackDriftInformation? DriftInformation { get; init; }
}

public sealed record ListStacksResponse(IReadOnlyList<StackSummary> StackSummaries, string? NextToken);

public sealed record DescribeStackEventsRequest
{
    public required string StackName { get; init; }

    public string? NextToken { get; init; }
}

/// <summary>One stack event; DescribeStackEvents lists them newest first.</summary>
public sealed record StackEvent
{
    public required string StackId { get; init; }

    public required string EventId { get; init; }

    public required string StackName { get; init; }

    public string? OperationId { get; init; }

    public string? LogicalResourceId { get; init; }

    public string? PhysicalResourceId { get; init; }

    public string? ResourceType { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public string? ResourceStatus { get; init; }

    public string? ResourceStatusReason { get; init; }

    public string? ResourceProperties { get; init; }

    /// <summary>The token of the operation that caused the event.</summary>
    public string? ClientRequestToken { get; init; }

    public string? HookType { get; init; }

    public string? HookStatus { get; init; }

    public string? HookStatusReason { get; init; }

    public string? DetailedStatus { get; init; }
}

public sealed record DescribeStackEventsResponse(IReadOnlyList<StackEvent> StackEvents, string? NextToken);

public sealed record DescribeStackResourcesRequest
{
    public string? StackName { get; init; }

    public string? LogicalResourceId { get; init; }

    public string? PhysicalResourceId { get; init; }
}

public sealed record StackResource
{
    public string? StackName { get; init; }

    public string? StackId { get; init; }

    public required string LogicalResourceId { get; init; }

    public string? PhysicalResourceId { get; init; }

    public required string ResourceType { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public required string ResourceStatus { get; init; }

    public string? ResourceStatusReason { get; init; }

    public string? Description { get; init; }

    public StackResourceDriftInformation? DriftInformation { get; init; }
}

/// <summary>IN_SYNC | MODIFIED | DELETED | NOT_CHECKED | UNKNOWN | UNSUPPORTED.</summary>
public sealed record StackResourceDriftInformation(string StackResourceDriftStatus, DateTimeOffset? LastCheckTimestamp);

/// <summary>At most 100 resources, unpaged (AWS's limit for DescribeStackResources).</summary>
public sealed record DescribeStackResourcesResponse(IReadOnlyList<StackResource> StackResources);

public sealed record GetTemplateRequest
{
    public string? StackName { get; init; }

    public string? ChangeSetName { get; init; }

    /// <summary><see cref="TemplateStage"/> value.</summary>
    public string? TemplateStage { get; init; }
}

public sealed record GetTemplateResponse(string? TemplateBody, IReadOnlyList<string> StagesAvailable);

public sealed record ValidateTemplateRequest
{
    public string? TemplateBody { get; init; }

    public string? TemplateURL { get; init; }
}

public sealed record TemplateParameter(string? ParameterKey, string? DefaultValue, bool? NoEcho, string? Description);

public sealed record ValidateTemplateResponse(
    IReadOnlyList<TemplateParameter> Parameters,
    string? Description,
    IReadOnlyList<string> Capabilities,
    string? CapabilitiesReason,
    IReadOnlyList<string> DeclaredTransforms);

public sealed record CreateChangeSetRequest
{
    public required string StackName { get; init; }

    /// <summary>Must match [a-zA-Z][-a-zA-Z0-9]*, at most 128 characters.</summary>
    public required string ChangeSetName { get; init; }

    public string? TemplateBody { get; init; }

    public string? TemplateURL { get; init; }

    public bool? UsePreviousTemplate { get; init; }

    public IReadOnlyList<Parameter>? Parameters { get; init; }

    public IReadOnlyList<string>? Capabilities { get; init; }

    public IReadOnlyList<string>? ResourceTypes { get; init; }

    public string? RoleARN { get; init; }

    public RollbackConfiguration? RollbackConfiguration { get; init; }

    public IReadOnlyList<string>? NotificationARNs { get; init; }

    public IReadOnlyList<Tag>? Tags { get; init; }

    /// <summary>CreateChangeSet's idempotency token is called ClientToken in the model.</summary>
    public string? ClientToken { get; init; }

    public string? Description { get; init; }

    /// <summary><see cref="ChangeSetType"/> value (CREATE for a new stack).</summary>
    public string? ChangeSetType { get; init; }

    public bool? IncludeNestedStacks { get; init; }

    /// <summary><see cref="OnFailure"/> value.</summary>
    public string? OnStackFailure { get; init; }

    public bool? ImportExistingResources { get; init; }
}

public sealed record CreateChangeSetResponse(string Id, string? StackId);

public sealed record DescribeChangeSetRequest
{
    public required string ChangeSetName { get; init; }

    public string? StackName { get; init; }

    public string? NextToken { get; init; }

    public bool? IncludePropertyValues { get; init; }
}

public sealed record ResourceTargetDefinition(string? Attribute, string? Name, string? RequiresRecreation, string? Path, string? BeforeValue, string? AfterValue);

public sealed record ResourceChangeDetail(ResourceTargetDefinition? Target, string? Evaluation, string? ChangeSource, string? CausingEntity);

public sealed record ResourceChange
{
    public string? PolicyAction { get; init; }

    /// <summary>Add | Modify | Remove | Import | Dynamic | SyncWithActual.</summary>
    public string? Action { get; init; }

    public string? LogicalResourceId { get; init; }

    public string? PhysicalResourceId { get; init; }

    public string? ResourceType { get; init; }

    /// <summary>True | False | Conditional.</summary>
    public string? Replacement { get; init; }

    public IReadOnlyList<string> Scope { get; init; } = [];

    public IReadOnlyList<ResourceChangeDetail> Details { get; init; } = [];

    public string? ChangeSetId { get; init; }
}

public sealed record Change(string? Type, int? HookInvocationCount, ResourceChange? ResourceChange);

public sealed record DescribeChangeSetResponse
{
    public string? ChangeSetName { get; init; }

    public string? ChangeSetId { get; init; }

    public string? StackId { get; init; }

    public string? StackName { get; init; }

    public string? Description { get; init; }

    public IReadOnlyList<Parameter> Parameters { get; init; } = [];

    public DateTimeOffset? CreationTime { get; init; }

    /// <summary>UNAVAILABLE | AVAILABLE | EXECUTE_IN_PROGRESS | EXECUTE_COMPLETE | EXECUTE_FAILED | OBSOLETE.</summary>
    public string? ExecutionStatus { get; init; }

    /// <summary><see cref="ChangeSetStatus"/> value.</summary>
    public string? Status { get; init; }

    public string? StatusReason { get; init; }

    public IReadOnlyList<string> NotificationARNs { get; init; } = [];

    public IReadOnlyList<string> Capabilities { get; init; } = [];

    public IReadOnlyList<Tag> Tags { get; init; } = [];

    public IReadOnlyList<Change> Changes { get; init; } = [];

    public string? NextToken { get; init; }

    public bool? IncludeNestedStacks { get; init; }

    public string? ParentChangeSetId { get; init; }

    public string? RootChangeSetId { get; init; }

    public string? OnStackFailure { get; init; }

    public bool? ImportExistingResources { get; init; }
}

public sealed record ExecuteChangeSetRequest
{
    public required string ChangeSetName { get; init; }

    public string? StackName { get; init; }

    public string? ClientRequestToken { get; init; }

    public bool? DisableRollback { get; init; }

    public bool? RetainExceptOnCreate { get; init; }
}

public sealed record DeleteChangeSetRequest
{
    public required string ChangeSetName { get; init; }

    public string? StackName { get; init; }
}

public sealed record DetectStackDriftRequest
{
    public required string StackName { get; init; }

    public IReadOnlyList<string>? LogicalResourceIds { get; init; }
}

public sealed record DetectStackDriftResponse(string StackDriftDetectionId);

public sealed record DescribeStackDriftDetectionStatusRequest(string StackDriftDetectionId);

public sealed record DescribeStackDriftDetectionStatusResponse
{
    public required string StackId { get; init; }

    public required string StackDriftDetectionId { get; init; }

    /// <summary>DRIFTED | IN_SYNC | UNKNOWN | NOT_CHECKED.</summary>
    public string? StackDriftStatus { get; init; }

    /// <summary>DETECTION_IN_PROGRESS | DETECTION_FAILED | DETECTION_COMPLETE.</summary>
    public required string DetectionStatus { get; init; }

    public string? DetectionStatusReason { get; init; }

    public int? DriftedStackResourceCount { get; init; }

    public required DateTimeOffset Timestamp { get; init; }
}

public sealed record DescribeAccountLimitsRequest
{
    public string? NextToken { get; init; }
}

/// <summary>E.g. StackLimit = 2000, StackOutputsLimit, ConcurrentResourcesLimit.</summary>
public sealed record AccountLimit(string? Name, int? Value);

public sealed record DescribeAccountLimitsResponse(IReadOnlyList<AccountLimit> AccountLimits, string? NextToken);

public static class Capability
{
    public const string Iam = "CAPABILITY_IAM";
    public const string NamedIam = "CAPABILITY_NAMED_IAM";
    public const string AutoExpand = "CAPABILITY_AUTO_EXPAND";
}

public static class OnFailure
{
    public const string DoNothing = "DO_NOTHING";
    public const string Rollback = "ROLLBACK";
    public const string Delete = "DELETE";
}

public static class ChangeSetType
{
    public const string Create = "CREATE";
    public const string Update = "UPDATE";
    public const string Import = "IMPORT";
}

public static class ChangeSetStatus
{
    public const string CreatePending = "CREATE_PENDING";
    public const string CreateInProgress = "CREATE_IN_PROGRESS";
    public const string CreateComplete = "CREATE_COMPLETE";
    public const string Failed = "FAILED";
}

public static class TemplateStage
{
    public const string Original = "Original";
    public const string Processed = "Processed";
}

public static class DeletionMode
{
    public const string Standard = "STANDARD";
    public const string ForceDeleteStack = "FORCE_DELETE_STACK";
}

public static class StackStatus
{
    public const string CreateInProgress = "CREATE_IN_PROGRESS";
    public const string CreateFailed = "CREATE_FAILED";
    public const string CreateComplete = "CREATE_COMPLETE";
    public const string RollbackInProgress = "ROLLBACK_IN_PROGRESS";
    public const string RollbackFailed = "ROLLBACK_FAILED";
    public const string RollbackComplete = "ROLLBACK_COMPLETE";
    public const string DeleteInProgress = "DELETE_IN_PROGRESS";
    public const string DeleteFailed = "DELETE_FAILED";
    public const string DeleteComplete = "DELETE_COMPLETE";
    public const string UpdateInProgress = "UPDATE_IN_PROGRESS";
    public const string UpdateCompleteCleanupInProgress = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS";
    public const string UpdateComplete = "UPDATE_COMPLETE";
    public const string UpdateFailed = "UPDATE_FAILED";
    public const string UpdateRollbackInProgress = "UPDATE_ROLLBACK_IN_PROGRESS";
    public const string UpdateRollbackFailed = "UPDATE_ROLLBACK_FAILED";
    public const string UpdateRollbackCompleteCleanupInProgress = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS";
    public const string UpdateRollbackComplete = "UPDATE_ROLLBACK_COMPLETE";
    public const string ReviewInProgress = "REVIEW_IN_PROGRESS";

    /// <summary>Every status except DELETE_COMPLETE: the filter for "stacks that exist".</summary>
    public static IReadOnlyList<string> Live { get; } =
    [
        CreateInProgress, CreateFailed, CreateComplete, RollbackInProgress, RollbackFailed, RollbackComplete,
        DeleteInProgress, DeleteFailed, UpdateInProgress, UpdateCompleteCleanupInProgress, UpdateComplete, UpdateFailed,
        UpdateRollbackInProgress, UpdateRollbackFailed, UpdateRollbackCompleteCleanupInProgress, UpdateRollbackComplete,
        ReviewInProgress, "IMPORT_IN_PROGRESS", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_IN_PROGRESS", "IMPORT_ROLLBACK_FAILED",
        "IMPORT_ROLLBACK_COMPLETE",
    ];

    public static bool IsTerminal(string status) =>
        !status.EndsWith("_IN_PROGRESS", StringComparison.Ordinal);
}
