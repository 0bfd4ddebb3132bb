using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Data;
using Portal.Web.Features.Catalog;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Api;

/// <summary><c>/api/v1/templates</c> through the real pipeline with the repository's catalog.</summary>
public sealed class CatalogApiTests : IAsyncLifetime
{
    private PortalWebFactory _portal = default!;
    private HttpClient _client = default!;

    public async Task InitializeAsync()
    {
        _portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite);
        _client = _portal.CreateClient();
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await _portal.CreateTokenAsync("dev@example.com", "read"));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _portal.DisposeAsync();
    }

    [Fact]
    public async Task ListTemplates_ReturnsAllFiveWithTiersAndFromPrices()
    {
        var templates = (await _client.GetFromJsonAsync<List<TemplateSummary>>("/api/v1/templates"))!;

        templates.Select(t => t.Slug).Order().ShouldBe(["ecs-web-service", "eks-platform", "network-vpc", "rds-postgres", "static-site"]);
        templates.Single(t => t.Slug == "ecs-web-service").Tiers.ShouldBe(["dev", "staging"]);
        templates.Single(t => t.Slug == "ecs-web-service").FromMonthlyUsd.ShouldBe(173.45m);
        templates.ShouldAllBe(t => t.Version == "1.0.0" && t.FromMonthlyUsd > 0);
    }

    [Fact]
    public async Task GetTemplate_ReturnsParametersWithConstraintsAndPresets_ResourcesAndOutputs()
    {
        var detail = await _client.GetFromJsonAsync<TemplateDetail>("/api/v1/templates/rds-postgres");

        detail!.Tiers.Select(t => t.Name).ShouldBe(["dev", "staging", "prod"]);
        var instanceClass = detail.Parameters.Single(p => p.Name == "DbInstanceClass");
        instanceClass.SetBy.ShouldBe("preset");
        instanceClass.Presets["prod"].ShouldBe("db.r5.2xlarge");
        instanceClass.AllowedValues.ShouldNotBeNull();
        detail.Parameters.Single(p => p.Name == "VpcId").SetBy.ShouldBe("requester");
        detail.Parameters.Single(p => p.Name == "EnvironmentName").SetBy.ShouldBe("portal");
        detail.Resources.ShouldContain(r => r.Type == "AWS::RDS::DBInstance");
        detail.Outputs.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task Estimate_ReturnsLineItemsAndTotal()
    {
        var response = await _client.PostAsJsonAsync("/api/v1/templates/ecs-web-service/estimate", new { tier = "dev", region = "us-east-1", parameters = new { } });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var estimate = await response.Content.ReadFromJsonAsync<EstimateResponse>();
        estimate!.MonthlyUsd.ShouldBe(173.45m);
        estimate.LineItems.Sum(l => l.MonthlyUsd).ShouldBe(estimate.MonthlyUsd);
        estimate.LineItems.Single(l => l.LogicalId == "Database").Description.ShouldContain("db.t3.micro");
        estimate.Unpriced.ShouldBeEmpty();
    }

    [Fact]
    public async Task Estimate_InUsWest2_IsPricedAndSaysWhereItAssumes()
    {
        var response = await _client.PostAsJsonAsync("/api/v1/templates/static-site/estimate", new { tier = "prod", region = "us-west-2" });

        var estimate = await response.Content.ReadFromJsonAsync<EstimateResponse>();
        estimate!.MonthlyUsd.ShouldBeGreaterThan(0m);
    }

    [Fact]
    public async Task Estimate_OfUnknownTemplate_Is404ProblemDetails()
    {
        var response = await _client.PostAsJsonAsync("/api/v1/templates/no-such-thing/estimate", new { tier = "dev" });

        (await response.ShouldBeProblemAsync(HttpStatusCode.NotFound)).ShouldContain("no-such-thing");
        (await _client.GetAsync("/api/v1/templates/no-such-thing")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Estimate_WithInvalidValues_Is422WithOneErrorPerField()
    {
        var response = await _client.PostAsJsonAsync("/api/v1/templates/ecs-web-service/estimate", new
        {
            tier = "dev",
            region = "eu-central-1",
            parameters = new Dictionary<string, string> { ["CertificateArn"] = "not-an-arn", ["DbInstanceClass"] = "db.r5.2xlarge" },
        });

        await response.ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        errors.EnumerateObject().Select(p => p.Name).Order().ShouldBe(["CertificateArn", "DbInstanceClass", "region"]);
        errors.GetProperty("DbInstanceClass")[0].GetString()!.ShouldContain("cannot be set");
    }

    [Theory]
    [InlineData("""{"tier":"dev"}""", HttpStatusCode.OK)]
    [InlineData("""{"tier":"prod"}""", HttpStatusCode.UnprocessableEntity)]
    [InlineData("""{}""", HttpStatusCode.UnprocessableEntity)]
    public async Task Validate_AnswersValidOr422(string body, HttpStatusCode expected)
    {
        var response = await _client.PostAsync("/api/v1/templates/ecs-web-service/validate", new StringContent(body, new MediaTypeHeaderValue("application/json")));

        response.StatusCode.ShouldBe(expected);
        if (expected == HttpStatusCode.OK)
        {
            (await response.Content.ReadFromJsonAsync<ValidResponse>())!.Valid.ShouldBeTrue();
        }
    }

    [Fact]
    public async Task Estimate_WithMalformedJson_Is400NotA500()
    {
        var response = await _client.PostAsync("/api/v1/templates/ecs-web-service/estimate", new StringContent("{\"tier\": ", new MediaTypeHeaderValue("application/json")));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Templates_WithoutCredentials_Are401()
    {
        (await _portal.CreateClient().GetAsync("/api/v1/templates")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
