using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Portal.Provisioning.Catalog;
using Portal.Provisioning.Estimates;
using Portal.Web.Hosting;
using Portal.Web.Security;

namespace Portal.Web.Features.Catalog;

/// <summary><c>/api/v1/templates</c>: the catalog, its templates' details, estimates and validation.</summary>
public static class CatalogEndpoints
{
    public static RouteGroupBuilder MapCatalogEndpoints(this RouteGroupBuilder api)
    {
        var templates = api.MapGroup("/templates").RequireAuthorization(PortalPolicies.ApiRead);
        templates.MapGet("/", List).WithName("ListTemplates").Produces<IEnumerable<TemplateSummary>>();
        templates.MapGet("/{slug}", Get).WithName("GetTemplate");
        templates.MapPost("/{slug}/estimate", Estimate).WithName("EstimateTemplate");
        templates.MapPost("/{slug}/validate", Validate).WithName("ValidateTemplate");
        return api;
    }

    /// <summary>The list as bytes serialized once per loaded catalog, with a strong ETag (304 when the caller has it).</summary>
    private static IResult List(HttpContext http, CatalogQueries catalog, IOptions<JsonOptions> json)
    {
        var body = ListBodies.GetValue(catalog.Current, _ => Serialize(catalog, json.Value.SerializerOptions));
        http.Response.Headers.ETag = body.ETag;
        http.Response.Headers.CacheControl = "private, no-cache";
        return http.Request.Headers.IfNoneMatch.Any(v => v is not null && (v == "*" || v.Split(',').Any(tag => tag.Trim() == body.ETag)))
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Bytes(body.Utf8, "application/json; charset=utf-8");
    }

    // The list depends only on the loaded catalog instance: serialized once per load, dropped with it.
    private static readonly ConditionalWeakTable<TemplateCatalog, SerializedList> ListBodies = [];

    private static SerializedList Serialize(CatalogQueries catalog, JsonSerializerOptions options)
    {
        var list = catalog.Cards().Select(c => new TemplateSummary(c.Slug, c.Name, c.Description, c.Version, c.Category, c.Tiers, c.FromMonthlyUsd)).ToList();
        var utf8 = JsonSerializer.SerializeToUtf8Bytes<IEnumerable<TemplateSummary>>(list, options);
        return new SerializedList(utf8, $"\"{Convert.ToHexStringLower(SHA256.HashData(utf8))[..32]}\"");
    }

    private sealed record SerializedList(byte[] Utf8, string ETag);

    private static Results<Ok<TemplateDetail>, ProblemHttpResult> Get(string slug, CatalogQueries catalog) =>
        catalog.Find(slug) is { } entry ? TypedResults.Ok(TemplateDetail.From(entry)) : NotFound(slug);

    private static async Task<Results<Ok<EstimateResponse>, ProblemHttpResult, JsonHttpResult<FieldProblem>>> Estimate(
        string slug, EstimateBody? body, CatalogQueries catalog, EstimateCalibration calibration, CancellationToken cancellationToken)
    {
        if (catalog.Find(slug) is not { } entry)
        {
            return NotFound(slug);
        }

        var result = catalog.Estimate(entry, ToRequest(body));
        if (result.Estimate is not { } estimate)
        {
            return Invalid(result);
        }

        var request = ToRequest(body);
        var figure = (await calibration.GetAsync(cancellationToken)).For(entry.Slug, request.Tier);
        return TypedResults.Ok(new EstimateResponse(
            estimate.MonthlyUsd,
            [.. estimate.LineItems.Select(EstimateLine.From)],
            [.. estimate.Unpriced.Select(u => new EstimateUnpriced(u.LogicalId, u.ResourceType, u.Reason))],
            estimate.Assumptions,
            estimate.MonthlyMaxUsd,
            figure is null ? null : EstimateCalibrationView.From(figure)));
    }

    private static Results<Ok<ValidResponse>, ProblemHttpResult, JsonHttpResult<FieldProblem>> Validate(string slug, EstimateBody? body, CatalogQueries catalog)
    {
        if (catalog.Find(slug) is not { } entry)
        {
            return NotFound(slug);
        }

        var result = catalog.Estimate(entry, ToRequest(body));
        return result.IsValid ? TypedResults.Ok(new ValidResponse(true)) : Invalid(result);
    }

    private static EstimateRequest ToRequest(EstimateBody? body) => new(
        body?.Tier ?? "",
        body?.Region ?? CatalogQueries.DefaultRegion,
        body?.Parameters ?? new Dictionary<string, string>());

    private static ProblemHttpResult NotFound(string slug) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Template not found", detail: $"The catalog has no template '{slug}'.");

    /// <summary>422 problem details with one entry per field (<c>tier</c>, <c>region</c> or the parameter's name, exactly as spelled).</summary>
    private static JsonHttpResult<FieldProblem> Invalid(EstimateResult result) => FieldProblem.UnprocessableEntity(
        "The request's values are not valid.",
        result.Errors.GroupBy(e => e.Parameter).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));
}

public sealed record TemplateSummary(string Slug, string Name, string Description, string Version, string Category, IReadOnlyList<string> Tiers, decimal? FromMonthlyUsd);

public sealed record EstimateBody(string? Tier, string? Region, Dictionary<string, string>? Parameters);

/// <summary>
/// An estimate: <see cref="MonthlyUsd"/> expected (every scaling resource at its start size), <see cref="MonthlyMaxUsd"/> with each at
/// its maximum, and the template and tier's calibration when it has enough history (else null).
/// </summary>
public sealed record EstimateResponse(
    decimal MonthlyUsd,
    IReadOnlyList<EstimateLine> LineItems,
    IReadOnlyList<EstimateUnpriced> Unpriced,
    IReadOnlyList<string> Assumptions,
    decimal MonthlyMaxUsd,
    EstimateCalibrationView? Calibration);

/// <summary>One line: expected and maximum, and the priced components (each with its basis, source and notes, which carry the price's date).</summary>
public sealed record EstimateLine(
    string LogicalId, string ResourceType, string Description, decimal MonthlyUsd, decimal MonthlyMaxUsd, IReadOnlyList<EstimateComponent> Components)
{
    public static EstimateLine From(Portal.Provisioning.Pricing.CostLineItem line) => new(
        line.LogicalId, line.ResourceType, line.Description, line.MonthlyUsd, line.MonthlyMaxUsd,
        [.. line.Components.Select(c => new EstimateComponent(c.Name, c.Quantity, c.Unit, c.UnitUsd, c.MonthlyUsd, c.Basis.ToString(), c.Source, c.AsOf, c.Notes))]);
}

/// <summary>Quantity × unit price; <see cref="Basis"/> Sourced, Unverified or Assumed; <see cref="AsOf"/> the date its source gives.</summary>
public sealed record EstimateComponent(string Name, decimal Quantity, string Unit, decimal UnitUsd, decimal MonthlyUsd, string Basis, string Source, string AsOf, string Notes);

/// <summary>Actual ÷ estimate of this template and tier over environments' full months: median, middle half, extremes, and how many.</summary>
public sealed record EstimateCalibrationView(decimal Median, decimal P25, decimal P75, decimal Min, decimal Max, int N, int Environments, string Summary)
{
    public static EstimateCalibrationView From(CalibrationFigure figure) =>
        new(figure.Median, figure.P25, figure.P75, figure.Min, figure.Max, figure.N, figure.Environments, figure.Sentence);
}

public sealed record EstimateUnpriced(string LogicalId, string ResourceType, string Reason);

public sealed record ValidResponse(bool Valid);
