using System.Net;
using System.Text.RegularExpressions;

namespace Portal.Provisioning.Aws;

/// <summary>Maps an AWS error code to the typed exception callers catch.</summary>
internal static partial class AwsErrors
{
    public static readonly IReadOnlySet<string> ThrottlingCodes = new HashSet<string>(StringComparer.Ordinal)
    {
        "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
    };

    public static bool IsThrottling(string code, HttpStatusCode status) =>
        status == HttpStatusCode.TooManyRequests || ThrottlingCodes.Contains(code);

    /// <summary>JSON protocols send <c>__type</c> as <c>namespace#Code</c>; the code is what follows the last '#' (and precedes any ':').</summary>
    public static string NormalizeCode(string code)
    {
        var hash = code.LastIndexOf('#');
        var normalized = hash >= 0 ? code[(hash + 1)..] : code;
        var colon = normalized.IndexOf(':', StringComparison.Ordinal);
        return (colon >= 0 ? normalized[..colon] : normalized).Trim();
    }

    public static AwsServiceException Create(
        string service, string operation, string code, string message, HttpStatusCode status, string? requestId)
    {
        if (IsThrottling(code, status))
        {
            return new ThrottlingException(service, operation, code, message, status, requestId);
        }

        return code switch
        {
            "ValidationError" or "ValidationException" when IsStackNotFoundMessage(message) => new StackNotFoundException(service, operation, code, message, status, requestId),
            "ValidationError" or "ValidationException" => new AwsValidationException(service, operation, code, message, status, requestId),
            "AlreadyExistsException" => new StackAlreadyExistsException(service, operation, code, message, status, requestId),
            "InsufficientCapabilitiesException" => new InsufficientCapabilitiesException(service, operation, code, message, status, requestId),
            "LimitExceededException" => new LimitExceededException(service, operation, code, message, status, requestId),
            "TokenAlreadyExistsException" => new TokenAlreadyExistsException(service, operation, code, message, status, requestId),
            "ChangeSetNotFound" or "ChangeSetNotFoundException" => new ChangeSetNotFoundException(service, operation, code, message, status, requestId),
            "InvalidChangeSetStatus" or "InvalidChangeSetStatusException" => new InvalidChangeSetStatusException(service, operation, code, message, status, requestId),
            "DataUnavailableException" => new DataUnavailableException(service, operation, code, message, status, requestId),
            "InvalidNextTokenException" => new InvalidNextTokenException(service, operation, code, message, status, requestId),
            "BillExpirationException" => new BillExpirationException(service, operation, code, message, status, requestId),
            "RequestChangedException" => new RequestChangedException(service, operation, code, message, status, requestId),
            "ResourceNotFoundException" => new AwsResourceNotFoundException(service, operation, code, message, status, requestId),
            _ => new AwsServiceException(service, operation, code, message, status, requestId),
        };
    }

    /// <summary>CloudFormation's wording for a missing stack: "Stack with id X does not exist" or "Stack [X] does not exist".</summary>
    public static bool IsStackNotFoundMessage(string message) => StackNotFound().IsMatch(message);

    [GeneratedRegex(@"\bStack (with id )?\[?[^\s\]]+\]? does not exist")]
    private static partial Regex StackNotFound();
}
