namespace Portal.Sandbox.Http;

/// <summary>An AWS error the sandbox answers with: code, message, HTTP status and fault type (Sender or Receiver).</summary>
internal sealed class SandboxApiException(string code, string message, int status = 400, string type = "Sender") : Exception(message)
{
    public string Code { get; } = code;

    public int Status { get; } = status;

    public string FaultType { get; } = type;

    public static SandboxApiException Validation(string message) => new("ValidationError", message);
}

/// <summary>Who is calling and where: from the SigV4 credential scope.</summary>
internal sealed record CallerContext(string AccessKeyId, string AccountId, string Region, string RequestId);
