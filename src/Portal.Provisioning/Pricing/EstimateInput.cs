using System.Text.Json.Nodes;

namespace Portal.Provisioning.Pricing;

/// <summary>What to price: a resolved stack's resources in one region plus the tier's monthly usage assumptions.</summary>
/// <param name="Region"><c>us-east-1</c> or <c>us-west-2</c>.</param>
/// <param name="Resources">The stack's resources after parameter and condition resolution.</param>
/// <param name="Usage">Monthly usage by <see cref="UsageKeys"/> key; missing keys count as 0.</param>
/// <param name="Purchase">The tier's purchase options; null prices at list on-demand rates (spot capacity still gets the spot discount).</param>
public sealed record EstimateInput(string Region, IReadOnlyList<EstimateResource> Resources, IReadOnlyDictionary<string, decimal> Usage, TierPurchaseOptions? Purchase = null);

/// <summary>One CloudFormation resource: its properties in CloudFormation's JSON form, references left as <c>Ref</c>/<c>Fn::GetAtt</c> objects.</summary>
public sealed record EstimateResource(string LogicalId, string ResourceType, JsonObject Properties);
