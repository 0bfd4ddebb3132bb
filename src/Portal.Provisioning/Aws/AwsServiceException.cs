using System.Net;

namespace Portal.Provisioning.Aws;

/// <summary>An AWS API call that came back with an error. Subclasses name the errors callers act on.</summary>
public class AwsServiceException(
    string service,
    string operation,
    string errorCode,
    string errorMessage,
    HttpStatusCode statusCode,
    string? requestId)
    : Exception($"{service} {operation} failed with {errorCode} (HTTP {(int)statusCode}): {errorMessage}{(requestId is null ? "" : $" [request id {requestId}]")}")
{
    /// <summary>Service name as Portal labels it: CloudFormation, CostExplorer.</summary>
    public string Service { get; } = service;

    public string Operation { get; } = operation;

    /// <summary>AWS's error code, e.g. ValidationError, Throttling, LimitExceededException.</summary>
    public string ErrorCode { get; } = errorCode;

    /// <summary>AWS's own message, unformatted.</summary>
    public string ErrorMessage { get; } = errorMessage;

    public HttpStatusCode StatusCode { get; } = statusCode;

    public string? RequestId { get; } = requestId;

    /// <summary>Throttling or a 5xx: worth retrying with backoff. Validation errors and quotas never are.</summary>
    public virtual bool IsRetryable => (int)StatusCode >= 500;
}

/// <summary>ValidationError: the request was understood and refused. Also how CloudFormation says "no such stack" and "nothing to update".</summary>
public class AwsValidationException(string service, string operation, string errorCode, string errorMessage, HttpStatusCode statusCode, string? requestId)
    : AwsServiceException(service, operation, errorCode, errorMessage, statusCode, requestId)
{
    /// <summary>UpdateStack with nothing to change: "No updates are to be performed."</summary>
    public bool IsNoUpdatesToPerform => ErrorMessage.Contains("No updates are to be performed", StringComparison.Ordinal);

    /// <summary>"Stack with id X does not exist" (and "Stack [X] does not exist").</summary>
    public bool IsStackNotFound => AwsErrors.IsStackNotFoundMessage(ErrorMessage);

    public override bool IsRetryable => false;
}

/// <summary>The stack named in the request does not exist (a ValidationError whose message says so).</summary>
public sealed class StackNotFoundException(string service, string operation, string errorCode, string errorMessage, HttpStatusCode statusCode, string? requestId)
    : AwsValidationException(service, operation, errorCode, errorMessage, statusCode, requestId);

/// <summary>AlreadyExistsException: a stack (or change set) with that name already exists.</summary>
public sealed class StackAlreadyExistsException(string service, string operation, string errorCode, string errorMessage, HttpStatusCode statusCode, string? requestId)
    : AwsServiceException(service, operation, errorCode, errorMessage, statusCode, requestId)
{
    public override bool IsRetryable => false;
}

/// <summary>InsufficientCapabilitiesException: the template needs CAPABILITY_IAM / CAPABILITY_NAMED_IAM / CAPABILITY_AUTO_EXPAND.</summary>
public sealed class InsufficientCapabilitiesException(string service, string operation, string errorCode, string errorMessage, HttpStatusCode statusCode, string? requestId)
    : AwsServiceException(service, operation, errorCode, errorMessage, statusCode, requestId)
{
    public override bool IsRetryable => false;
}

/// <summary>LimitExceededException: an account quota (stacks per region, CE request limits). Not throttling; never retried.</summary>
public sealed class LimitExceededException(string service, string operation, string errorCode, string errorMessage, HttpStatusCode statusCode, string? requestId)
    : AwsServiceException(service, operation, errorCode, errorMessage, statusCode, requestId)
{
    public override bool IsRetryable => false;
}

/// <summary>TokenAlreadyExistsException: the ClientRequestToken was already used for a different call.</summary>
public sealed class TokenAlreadyExistsException(string service, string operation, string errorCode, string errorMessage, HttpStatusCode statusCode, string? requestId)
    : AwsServiceException(service, operation, errorCode, errorMessage, statusCode, requestId)
{
    public override bool IsRetryable => false;
}

/// <summary>ChangeSetNotFound (HTTP 404).</summary>
public sealed class ChangeSetNotFoundException(string service, string operation, string errorCode, string errorMessage, HttpStatusCode statusCode, string? requestId)
    : AwsServiceException(service, operation, errorCode, errorMessage, statusCode, requestId)
{
    public override bool IsRetryable => false;
}

/// <summary>InvalidChangeSetStatus: the change set cannot be executed or deleted in its current state.</summary>
public sealed class InvalidChangeSetStatusException(string service, string operation, string errorCode, string errorMessage, HttpStatusCode statusCode, string? requestId)
    : AwsServiceException(service, operation, errorCode, errorMessage, statusCode, requestId)
{
    public override bool IsRetryable => false;
}

/// <summary>Throttling, ThrottlingException, RequestLimitExceeded, TooManyRequestsException or HTTP 429. Retried with backoff.</summary>
public sealed class ThrottlingException(string service, string operation, string errorCode, string errorMessage, HttpStatusCode statusCode, string? requestId)
    : AwsServiceException(service, operation, errorCode, errorMessage, statusCode, requestId)
{
    public override bool IsRetryable => true;
}

/// <summary>Cost Explorer DataUnavailableException: the requested period has no billing data yet.</summary>
public sealed class DataUnavailableException(string service, string operation, string errorCode, string errorMessage, HttpStatusCode statusCode, string? requestId)
    : AwsServiceException(service, operation, errorCode, errorMessage, statusCode, requestId)
{
    public override bool IsRetryable => false;
}

/// <summary>Cost Explorer InvalidNextTokenException: the page token is stale or belongs to another query.</summary>
public sealed class InvalidNextTokenException(string service, string operation, string errorCode, string errorMessage, HttpStatusCode statusCode, string? requestId)
    : AwsServiceException(service, operation, errorCode, errorMessage, statusCode, requestId)
{
    public override bool IsRetryable => false;
}

/// <summary>Cost Explorer BillExpirationException: the bill for the period is too old to query.</summary>
public sealed class BillExpirationException(string service, string operation, string errorCode, string errorMessage, HttpStatusCode statusCode, string? requestId)
    : AwsServiceException(service, operation, errorCode, errorMessage, statusCode, requestId)
{
    public override bool IsRetryable => false;
}

/// <summary>Cost Explorer RequestChangedException: the query changed between pages; start paging again.</summary>
public sealed class RequestChangedException(string service, string operation, string errorCode, string errorMessage, HttpStatusCode statusCode, string? requestId)
    : AwsServiceException(service, operation, errorCode, errorMessage, statusCode, requestId)
{
    public override bool IsRetryable => false;
}

/// <summary>Cost Explorer ResourceNotFoundException (e.g. an unknown billing view).</summary>
public sealed class AwsResourceNotFoundException(string service, string operation, string errorCode, string errorMessage, HttpStatusCode statusCode, string? requestId)
    : AwsServiceException(service, operation, errorCode, errorMessage, statusCode, requestId)
{
    public override bool IsRetryable => false;
}
