using System.Net;
using System.Text;
using System.Text.Json;
using Portal.Data;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Hostile;

/// <summary>
/// Tried as a careless client with a valid token: values of the wrong type in the query or the JSON body, a body that is not
/// JSON or not an object, an unknown field, the wrong content type, a body over 1 MB. Each is a 4xx problem details whose
/// <c>errors</c> names the field to fix (before the fix: a bare 400 "Bad Request" that named nothing), with no exception text.
/// </summary>
public sealed class CarelessClientTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;
    private HttpClient _dev = default!;

    public async Task InitializeAsync()
    {
        // Kestrel, so its 1 MB body limit applies as in production.
        _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, kestrel: true);
        _dev = new HttpClient { BaseAddress = _portal.BaseAddress };
        _dev.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await _portal.CreateTokenAsync("dev@example.com"));
    }

    public async Task DisposeAsync()
    {
        _dev.Dispose();
        await _portal.DisposeAsync();
    }

    [Theory]
    [InlineData("/api/v1/environments?page=abc", "page")]
    [InlineData("/api/v1/environments?page=99999999999", "page")]
    [InlineData("/api/v1/environments?pageSize=1e3", "pageSize")]
    [InlineData("/api/v1/notifications?unread=maybe", "unread")]
    [InlineData("/api/v1/environments/00000000-0000-0000-0000-000000000000/events?after=zz", "after")]
    public async Task QueryValueOfTheWrongType_Is400_NamingTheParameter(string path, string field)
    {
        using var response = await _dev.GetAsync(path);

        await ShouldNameAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("{\"kind\": \"create\", \"ttlDays\": \"abc\"}", "ttlDays")]
    [InlineData("{\"kind\": \"create\", \"ttlDays\": 99999999999}", "ttlDays")]
    [InlineData("{\"kind\": \"update\", \"environmentId\": \"not-a-guid\"}", "environmentId")]
    [InlineData("{\"kind\": \"create\", \"parameters\": {\"a\": {\"b\": 1}}}", "parameters.a")]
    [InlineData("{\"kind\": \"create\", \"colour\": \"blue\"}", "colour")]
    [InlineData("{\"kind\": ", "kind")]
    [InlineData("[1, 2, 3]", "body")]
    [InlineData("", "body")]
    public async Task BodyThatCannotBeRead_Is400_NamingTheField(string body, string field)
    {
        using var response = await _dev.PostAsync("/api/v1/requests", new StringContent(body, Encoding.UTF8, "application/json"));

        await ShouldNameAsync(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task WrongContentType_Is415_NamingContentType()
    {
        using var response = await _dev.PostAsync("/api/v1/requests", new StringContent("kind=create", Encoding.UTF8, "application/x-www-form-urlencoded"));

        await ShouldNameAsync(response, HttpStatusCode.UnsupportedMediaType, "Content-Type");
    }

    [Fact]
    public async Task BodyOverOneMegabyte_Is413_NamingTheBody()
    {
        var huge = JsonSerializer.Serialize(new { kind = "create", justification = new string('x', 2_000_000) });

        using var response = await _dev.PostAsync("/api/v1/requests", new StringContent(huge, Encoding.UTF8, "application/json"));

        await ShouldNameAsync(response, HttpStatusCode.RequestEntityTooLarge, "body");
    }

    [Theory]
    [InlineData("/api/v1/environments?page=-1&pageSize=1000000", "page")]
    [InlineData("/api/v1/environments?status=Bogus", "status")]
    public async Task ValuesOutOfRange_AreStillTheEndpointsOwn422(string path, string field)
    {
        using var response = await _dev.GetAsync(path);

        await ShouldNameAsync(response, HttpStatusCode.UnprocessableEntity, field);
    }

    private static async Task ShouldNameAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", text);
        text.ShouldNotContain("Exception", Case.Insensitive);
        text.ShouldNotContain("   at ");
        using var json = JsonDocument.Parse(text);
        json.RootElement.TryGetProperty("errors", out var errors).ShouldBeTrue(text);
        errors.TryGetProperty(field, out var messages).ShouldBeTrue(text);
        messages.GetArrayLength().ShouldBeGreaterThan(0, text);
    }
}
