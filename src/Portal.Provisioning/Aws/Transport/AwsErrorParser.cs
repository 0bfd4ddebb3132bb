using System.Net;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;

namespace Portal.Provisioning.Aws.Transport;

/// <summary>Reads an error response in the service's protocol into a typed <see cref="AwsServiceException"/>.</summary>
internal static class AwsErrorParser
{
    public static AwsServiceException Parse(AwsApiRequest request, HttpStatusCode status, string body, string? headerRequestId, string? headerErrorType)
    {
        var (code, message, bodyRequestId) = request.Protocol switch
        {
            AwsProtocol.Query => ParseQuery(body),
            AwsProtocol.Json => ParseJson(body, headerErrorType),
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.Protocol, "Unknown protocol."),
        };
        code = string.IsNullOrWhiteSpace(code) ? FallbackCode(status) : AwsErrors.NormalizeCode(code);
        message = string.IsNullOrWhiteSpace(message) ? $"HTTP {(int)status} {status}" : message;
        return AwsErrors.Create(request.Service, request.Operation, code, message, status, headerRequestId ?? bodyRequestId);
    }

    // <ErrorResponse xmlns="..."><Error><Type>Sender</Type><Code/><Message/></Error><RequestId/></ErrorResponse>
    private static (string? Code, string? Message, string? RequestId) ParseQuery(string body)
    {
        try
        {
            var root = XDocument.Parse(body).Root;
            var error = root?.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            return (
                error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value,
                error?.Elements().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value,
                root?.Descendants().FirstOrDefault(e => e.Name.LocalName == "RequestId")?.Value);
        }
        catch (XmlException)
        {
            return (null, Truncate(body), null);
        }
    }

    // {"__type": "com.amazonaws.awsinsightsindexservice#LimitExceededException", "message": "..."}
    private static (string? Code, string? Message, string? RequestId) ParseJson(string body, string? headerErrorType)
    {
        string? code = headerErrorType, message = null;
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(body) ? "{}" : body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (property.Value.ValueKind != JsonValueKind.String)
                    {
                        continue;
                    }

                    if (property.NameEquals("__type") || (code is null && property.Name.Equals("code", StringComparison.OrdinalIgnoreCase)))
                    {
                        code = property.Value.GetString();
                    }
                    else if (property.Name.Equals("message", StringComparison.OrdinalIgnoreCase))
                    {
                        message = property.Value.GetString();
                    }
                }
            }
        }
        catch (JsonException)
        {
            message = Truncate(body);
        }

        return (code, message, null);
    }

    private static string FallbackCode(HttpStatusCode status)
    {
        if (status == HttpStatusCode.TooManyRequests)
        {
            return "TooManyRequestsException";
        }

        if (status == HttpStatusCode.ServiceUnavailable)
        {
            return "ServiceUnavailable";
        }

        return (int)status >= 500 ? "InternalFailure" : $"Http{(int)status}";
    }

    private static string Truncate(string body) => body.Length <= 512 ? body : body[..512];
}
