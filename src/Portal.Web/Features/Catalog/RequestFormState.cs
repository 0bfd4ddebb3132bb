using Portal.Provisioning.Estimates;

namespace Portal.Web.Features.Catalog;

/// <summary>The request form's values and their validated estimate, for whoever submits the request.</summary>
public sealed record RequestFormState(string Template, string Tier, string Region, IReadOnlyDictionary<string, string> Parameters, EstimateResult? Result)
{
    public bool IsValid => Result?.IsValid == true;
}
