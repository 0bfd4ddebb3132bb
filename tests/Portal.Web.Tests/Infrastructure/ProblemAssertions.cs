using System.Net;
using System.Text.Json;

namespace Portal.Web.Tests.Infrastructure;

internal static class ProblemAssertions
{
    /// <summary>Asserts an RFC 9457 problem details response with the status, and returns its detail.</summary>
    public static async Task<string> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", body);
        using var json = JsonDocument.Parse(body);
        json.RootElement.GetProperty("status").GetInt32().ShouldBe((int)status);
        return json.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : "";
    }
}
