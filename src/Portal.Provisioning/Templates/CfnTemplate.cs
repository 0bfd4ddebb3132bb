using System.Text.Json.Nodes;

namespace Portal.Provisioning.Templates;

/// <summary>
/// A parsed CloudFormation template. <see cref="Root"/> is the canonical JSON form (short-form intrinsics expanded);
/// the typed sections are views over it, in declaration order. Instances are shared (the catalog hands out one per
/// template), so treat every node as read-only; the resolver returns fresh copies.
/// </summary>
public sealed record CfnTemplate(
    JsonObject Root,
    string? Description,
    IReadOnlyDictionary<string, CfnParameter> Parameters,
    IReadOnlyDictionary<string, JsonObject> Mappings,
    IReadOnlyDictionary<string, JsonNode?> Conditions,
    IReadOnlyDictionary<string, CfnResource> Resources,
    IReadOnlyDictionary<string, CfnOutput> Outputs,
    JsonObject? Metadata,
    CfnInterface? Interface);

/// <summary>A template parameter with its declared constraints.</summary>
public sealed record CfnParameter(
    string Name,
    CfnParameterType Type,
    string? Default,
    IReadOnlyList<string>? AllowedValues,
    string? AllowedPattern,
    int? MinLength,
    int? MaxLength,
    decimal? MinValue,
    decimal? MaxValue,
    bool NoEcho,
    string? Description,
    string? ConstraintDescription);

/// <summary>
/// A parameter type such as <c>String</c>, <c>List&lt;AWS::EC2::Subnet::Id&gt;</c> or
/// <c>AWS::SSM::Parameter::Value&lt;String&gt;</c>, decomposed.
/// </summary>
/// <param name="Name">The type as written.</param>
/// <param name="IsList">The value is a comma-separated list (Ref yields an array).</param>
/// <param name="ItemType">The scalar type of the value or of each list item: <c>String</c>, <c>Number</c> or an AWS-specific type.</param>
/// <param name="IsSsmParameter">The value names an SSM parameter whose content CloudFormation reads.</param>
public sealed record CfnParameterType(string Name, bool IsList, string ItemType, bool IsSsmParameter)
{
    public bool IsNumber => ItemType == "Number";

    public bool IsAwsSpecific => ItemType.StartsWith("AWS::", StringComparison.Ordinal);

    public static CfnParameterType Parse(string name)
    {
        var inner = name;
        var ssm = false;
        const string SsmPrefix = "AWS::SSM::Parameter::Value<";
        if (inner.StartsWith(SsmPrefix, StringComparison.Ordinal) && inner.EndsWith('>'))
        {
            ssm = true;
            inner = inner[SsmPrefix.Length..^1];
        }

        if (inner == "CommaDelimitedList")
        {
            return new(name, true, "String", ssm);
        }

        if (inner.StartsWith("List<", StringComparison.Ordinal) && inner.EndsWith('>'))
        {
            return new(name, true, inner[5..^1], ssm);
        }

        return new(name, false, inner, ssm);
    }
}

/// <summary>A resource as declared; <see cref="Properties"/> is null when the template gives none.</summary>
public sealed record CfnResource(
    string LogicalId,
    string Type,
    JsonObject? Properties,
    IReadOnlyList<string> DependsOn,
    string? Condition,
    string? DeletionPolicy,
    string? UpdateReplacePolicy,
    JsonObject? Metadata,
    JsonObject Definition)
{
    public bool IsCustom => Type.StartsWith("Custom::", StringComparison.Ordinal) || Type == "AWS::CloudFormation::CustomResource";
}

/// <summary>A stack output; <see cref="ExportName"/> is the (possibly intrinsic) value of <c>Export.Name</c>.</summary>
public sealed record CfnOutput(string Name, JsonNode? Value, string? Description, JsonNode? ExportName, string? Condition);

/// <summary>The <c>AWS::CloudFormation::Interface</c> metadata: how a console orders and labels parameters.</summary>
public sealed record CfnInterface(IReadOnlyList<CfnParameterGroup> ParameterGroups, IReadOnlyDictionary<string, string> ParameterLabels);

public sealed record CfnParameterGroup(string? Label, IReadOnlyList<string> Parameters);
