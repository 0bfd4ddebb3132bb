using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Portal.Sandbox.CloudFormation;
using Portal.Sandbox.CostExplorer;

namespace Portal.Sandbox.Http;

/// <summary>The two HTTP handlers: CloudFormation (query protocol, XML) and Cost Explorer (JSON 1.1).</summary>
internal sealed partial class SandboxEndpoints(
    SigV4Verifier verifier, ISandboxFaults faults, CloudFormationApi cloudFormation, CostExplorerApi costExplorer, ILogger<SandboxEndpoints> logger)
{
    public async Task CloudFormationAsync(HttpContext context)
    {
        var requestId = Guid.NewGuid().ToString();
        var response = context.Response;
        response.Headers["x-amzn-RequestId"] = requestId;
        try
        {
            var body = await ReadAsync(context).ConfigureAwait(false);
            await DelayAsync(context.RequestAborted).ConfigureAwait(false);
            var caller = verifier.Verify(context.Request, body, "cloudformation", json: false, requestId);
            if (faults.ShouldThrottle())
            {
                throw new SandboxApiException("Throttling", "Rate exceeded");
            }

            var args = QueryArgs.Parse(Encoding.UTF8.GetString(body));
            var action = args.Get("Action") ?? throw new SandboxApiException("MissingAction", "Missing Action");
            if (args.Get("Version") is { } version && version != "2010-05-15")
            {
                throw new SandboxApiException("InvalidAction", $"Could not find operation {action} for version {version}");
            }

            await faults.WhileHeldAsync(action, context.RequestAborted).ConfigureAwait(false);

            XElement? result;
            try
            {
                result = cloudFormation.Handle(action, args, caller);
            }
            catch (FormatException ex)
            {
                throw SandboxApiException.Validation($"Invalid request parameter: {ex.Message}");
            }
            catch (Exception ex) when (ex is not SandboxApiException and not OperationCanceledException)
            {
                // A sandbox bug answers like an AWS service fault, so clients retry and the log says why.
                LogInternalFailure(ex, "cloudformation", action);
                throw new SandboxApiException("InternalFailure", "An internal error occurred.", 500, "Receiver");
            }

            var document = new XElement(CloudFormationApi.Ns + $"{action}Response",
                result,
                new XElement(CloudFormationApi.Ns + "ResponseMetadata", new XElement(CloudFormationApi.Ns + "RequestId", requestId)));
            await WriteAsync(response, 200, "text/xml", document.ToString(SaveOptions.DisableFormatting), context.RequestAborted).ConfigureAwait(false);
        }
        catch (SandboxApiException ex)
        {
            var error = new XElement(CloudFormationApi.Ns + "ErrorResponse",
                new XElement(CloudFormationApi.Ns + "Error",
                    new XElement(CloudFormationApi.Ns + "Type", ex.FaultType),
                    new XElement(CloudFormationApi.Ns + "Code", ex.Code),
                    new XElement(CloudFormationApi.Ns + "Message", ex.Message)),
                new XElement(CloudFormationApi.Ns + "RequestId", requestId));
            await WriteAsync(response, ex.Status, "text/xml", error.ToString(SaveOptions.DisableFormatting), context.RequestAborted).ConfigureAwait(false);
        }
    }

    public async Task CostExplorerAsync(HttpContext context)
    {
        var requestId = Guid.NewGuid().ToString();
        var response = context.Response;
        response.Headers["x-amzn-RequestId"] = requestId;
        try
        {
            var body = await ReadAsync(context).ConfigureAwait(false);
            await DelayAsync(context.RequestAborted).ConfigureAwait(false);
            verifier.Verify(context.Request, body, "ce", json: true, requestId);
            if (faults.ShouldThrottle())
            {
                throw new SandboxApiException("ThrottlingException", "Rate exceeded");
            }

            var target = context.Request.Headers["X-Amz-Target"].ToString();
            const string Prefix = "AWSInsightsIndexService.";
            if (!target.StartsWith(Prefix, StringComparison.Ordinal))
            {
                throw new SandboxApiException("UnknownOperationException", $"Unknown target '{target}'");
            }

            JsonObject request;
            try
            {
                request = JsonNode.Parse(body.Length == 0 ? "{}"u8.ToArray() : body) as JsonObject ?? throw new SandboxApiException("SerializationException", "Body is not a JSON object.");
            }
            catch (JsonException ex)
            {
                throw new SandboxApiException("SerializationException", ex.Message);
            }

            JsonObject result;
            try
            {
                result = costExplorer.Handle(target[Prefix.Length..], request, context.RequestAborted);
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException)
            {
                throw new SandboxApiException("ValidationException", ex.Message);
            }
            catch (Exception ex) when (ex is not SandboxApiException and not OperationCanceledException)
            {
                LogInternalFailure(ex, "ce", target);
                throw new SandboxApiException("InternalFailure", "An internal error occurred.", 500, "Receiver");
            }

            await WriteAsync(response, 200, "application/x-amz-json-1.1", result.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
        }
        catch (SandboxApiException ex)
        {
            response.Headers["x-amzn-ErrorType"] = ex.Code;
            var error = new JsonObject { ["__type"] = "com.amazonaws.awsinsightsindexservice#" + ex.Code, ["message"] = ex.Message };
            await WriteAsync(response, ex.Status, "application/x-amz-json-1.1", error.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "AWS sandbox {Service} {Operation} failed")]
    private partial void LogInternalFailure(Exception exception, string service, string operation);

    private static async Task<byte[]> ReadAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        return buffer.ToArray();
    }

    private async Task DelayAsync(CancellationToken cancellationToken)
    {
        if (faults.Latency > TimeSpan.Zero)
        {
            await Task.Delay(faults.Latency, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Task WriteAsync(HttpResponse response, int status, string contentType, string body, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        return response.WriteAsync(body, cancellationToken);
    }
}
