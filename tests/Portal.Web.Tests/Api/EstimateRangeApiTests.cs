using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Data;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Api;

/// <summary>
/// Ranges through the real pipeline: the estimate endpoint's <c>monthlyMaxUsd</c> per line and in total with the tiers' default
/// purchase options, each component's source and notes, and a request that stores its maximum and whose policy reason says both.
/// </summary>
public sealed class EstimateRangeApiTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;
    private HttpClient _client = default!;

    public async Task InitializeAsync()
    {
        _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite);
        _client = _portal.CreateClient();
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await _portal.CreateTokenAsync("dev@example.com", "read,write"));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _portal.DisposeAsync();
    }

    [Fact]
    public async Task Estimate_EksPlatformProd_ReturnsExpectedAndMax_WithTheTiersReservedAndSavingsPlanCoverage()
    {
        var response = await _client.PostAsJsonAsync("/api/v1/templates/eks-platform/estimate", new { tier = "prod", region = "us-east-1", parameters = new { } });

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        // Hand-computed in EstimateRangeTests: 3 (max 30) m5.xlarge at 0.694 of list (60% reserved at 37% off, 30% savings plans at 28% off).
        root.GetProperty("monthlyUsd").GetDecimal().ShouldBe(2966.93m);
        root.GetProperty("monthlyMaxUsd").GetDecimal().ShouldBe(5593.25m);
        var nodes = root.GetProperty("lineItems").EnumerateArray().Single(l => l.GetProperty("logicalId").GetString() == "OnDemandNodeGroup");
        nodes.GetProperty("monthlyUsd").GetDecimal().ShouldBe(291.81m);
        nodes.GetProperty("monthlyMaxUsd").GetDecimal().ShouldBe(2918.13m);
        var components = nodes.GetProperty("components").EnumerateArray().ToList();
        components.Count.ShouldBe(3);
        components[0].GetProperty("source").GetString().ShouldStartWith("https://");
        components[0].GetProperty("notes").GetString()!.ShouldContain("2026-07-20");
        components[1].GetProperty("basis").GetString().ShouldBe("Assumed");
        components[1].GetProperty("notes").GetString()!.ShouldContain("Platform documents");
        root.GetProperty("calibration").ValueKind.ShouldBe(JsonValueKind.Null, "no environment has a full month of history");
    }

    [Fact]
    public async Task CreateRequest_StoresItsMaximum_AndThePolicyReasonSaysExpectedAndUpTo()
    {
        var estimate = await (await _client.PostAsJsonAsync("/api/v1/templates/ecs-web-service/estimate", new { tier = "staging", region = "us-east-1", parameters = new { } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var expected = estimate.GetProperty("monthlyUsd").GetDecimal();
        var max = estimate.GetProperty("monthlyMaxUsd").GetDecimal();
        // API 2 → 6 tasks of 0.5 vCPU / 1 GB (4 × $18.02005) and Multi-AZ storage 50 → 100 GB (2 × 50 GB × $0.115).
        max.ShouldBe(expected + 72.08m + 11.50m);

        var response = await _client.PostAsJsonAsync("/api/v1/requests", new
        {
            kind = "create",
            template = "ecs-web-service",
            tier = "staging",
            region = "us-east-1",
            team = "payments",
            name = "ranged",
            parameters = new Dictionary<string, string>(),
            justification = "Ranges end to end",
        });
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, text);
        var id = JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();

        var detail = await _client.GetFromJsonAsync<JsonElement>($"/api/v1/requests/{id}");
        detail.GetProperty("estimateMonthlyUsd").GetDecimal().ShouldBe(expected);
        detail.GetProperty("estimateMonthlyMaxUsd").GetDecimal().ShouldBe(max);
        detail.GetProperty("decision").GetProperty("reason").GetString().ShouldBe(
            $"Needs 1 platform engineer: staging (expected {Usd(expected)}/month, up to {Usd(max)}/month at maximum scale)");
        var line = detail.GetProperty("estimateLineItems").EnumerateArray().Single(l => l.GetProperty("logicalId").GetString() == "ApiService");
        line.GetProperty("monthlyMaxUsd").GetDecimal().ShouldBe(Math.Round(6 * 730m * ((0.5m * 0.04048m) + 0.004445m), 2));
    }

    // The policy's money: "$2,340", "$12.50".
    private static string Usd(decimal amount) =>
        "$" + amount.ToString(amount == Math.Truncate(amount) ? "N0" : "N2", System.Globalization.CultureInfo.InvariantCulture);
}
