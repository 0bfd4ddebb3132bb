using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Aws.CostExplorer;
using CfnTag = Portal.Provisioning.Aws.CloudFormation.Tag;

namespace Portal.Provisioning.Tests.Aws;

/// <summary>The typed records use the service models' member names, and the paginators follow the models' tokens.</summary>
public sealed class ModelConformanceTests
{
    public static TheoryData<Type, string> CloudFormationTypes => Pairs(
        (typeof(CreateStackRequest), "CreateStackInput"), (typeof(CreateStackResponse), "CreateStackOutput"),
        (typeof(UpdateStackRequest), "UpdateStackInput"), (typeof(UpdateStackResponse), "UpdateStackOutput"),
        (typeof(DeleteStackRequest), "DeleteStackInput"),
        (typeof(DescribeStacksRequest), "DescribeStacksInput"), (typeof(DescribeStacksResponse), "DescribeStacksOutput"),
        (typeof(ListStacksRequest), "ListStacksInput"), (typeof(ListStacksResponse), "ListStacksOutput"),
        (typeof(DescribeStackEventsRequest), "DescribeStackEventsInput"), (typeof(DescribeStackEventsResponse), "DescribeStackEventsOutput"),
        (typeof(DescribeStackResourcesRequest), "DescribeStackResourcesInput"), (typeof(DescribeStackResourcesResponse), "DescribeStackResourcesOutput"),
        (typeof(GetTemplateRequest), "GetTemplateInput"), (typeof(GetTemplateResponse), "GetTemplateOutput"),
        (typeof(ValidateTemplateRequest), "ValidateTemplateInput"), (typeof(ValidateTemplateResponse), "ValidateTemplateOutput"),
        (typeof(CreateChangeSetRequest), "CreateChangeSetInput"), (typeof(CreateChangeSetResponse), "CreateChangeSetOutput"),
        (typeof(DescribeChangeSetRequest), "DescribeChangeSetInput"), (typeof(DescribeChangeSetResponse), "DescribeChangeSetOutput"),
        (typeof(ExecuteChangeSetRequest), "ExecuteChangeSetInput"),
        (typeof(DeleteChangeSetRequest), "DeleteChangeSetInput"),
        (typeof(DetectStackDriftRequest), "DetectStackDriftInput"), (typeof(DetectStackDriftResponse), "DetectStackDriftOutput"),
        (typeof(DescribeStackDriftDetectionStatusRequest), "DescribeStackDriftDetectionStatusInput"),
        (typeof(DescribeStackDriftDetectionStatusResponse), "DescribeStackDriftDetectionStatusOutput"),
        (typeof(DescribeStackResourceDriftsRequest), "DescribeStackResourceDriftsInput"),
        (typeof(DescribeStackResourceDriftsResponse), "DescribeStackResourceDriftsOutput"),
        (typeof(StackResourceDrift), "StackResourceDrift"), (typeof(PropertyDifference), "PropertyDifference"),
        (typeof(DescribeAccountLimitsRequest), "DescribeAccountLimitsInput"), (typeof(DescribeAccountLimitsResponse), "DescribeAccountLimitsOutput"),
        (typeof(ListStackResourcesRequest), "ListStackResourcesInput"), (typeof(ListStackResourcesResponse), "ListStackResourcesOutput"),
        (typeof(StackResourceSummary), "StackResourceSummary"),
        (typeof(Stack), "Stack"), (typeof(StackSummary), "StackSummary"), (typeof(StackEvent), "StackEvent"), (typeof(StackResource), "StackResource"),
        (typeof(Parameter), "Parameter"), (typeof(CfnTag), "Tag"), (typeof(Output), "Output"), (typeof(TemplateParameter), "TemplateParameter"),
        (typeof(Change), "Change"), (typeof(ResourceChange), "ResourceChange"), (typeof(ResourceChangeDetail), "ResourceChangeDetail"),
        (typeof(ResourceTargetDefinition), "ResourceTargetDefinition"), (typeof(AccountLimit), "AccountLimit"),
        (typeof(RollbackConfiguration), "RollbackConfiguration"), (typeof(RollbackTrigger), "RollbackTrigger"),
        (typeof(StackDriftInformation), "StackDriftInformation"), (typeof(StackResourceDriftInformation), "StackResourceDriftInformation"));

    public static TheoryData<Type, string> CostExplorerTypes => Pairs(
        (typeof(GetCostAndUsageRequest), "GetCostAndUsageRequest"), (typeof(GetCostAndUsageResponse), "GetCostAndUsageResponse"),
        (typeof(GetCostForecastRequest), "GetCostForecastRequest"), (typeof(GetCostForecastResponse), "GetCostForecastResponse"),
        (typeof(GetTagsRequest), "GetTagsRequest"), (typeof(GetTagsResponse), "GetTagsResponse"),
        (typeof(UpdateCostAllocationTagsStatusRequest), "UpdateCostAllocationTagsStatusRequest"),
        (typeof(UpdateCostAllocationTagsStatusResponse), "UpdateCostAllocationTagsStatusResponse"),
        (typeof(ListCostAllocationTagsRequest), "ListCostAllocationTagsRequest"), (typeof(ListCostAllocationTagsResponse), "ListCostAllocationTagsResponse"),
        (typeof(DateInterval), "DateInterval"), (typeof(Expression), "Expression"), (typeof(DimensionValues), "DimensionValues"),
        (typeof(TagValues), "TagValues"), (typeof(CostCategoryValues), "CostCategoryValues"), (typeof(GroupDefinition), "GroupDefinition"),
        (typeof(ResultByTime), "ResultByTime"), (typeof(MetricValue), "MetricValue"), (typeof(Group), "Group"), (typeof(ForecastResult), "ForecastResult"),
        (typeof(SortDefinition), "SortDefinition"), (typeof(CostAllocationTagStatusEntry), "CostAllocationTagStatusEntry"),
        (typeof(UpdateCostAllocationTagsStatusError), "UpdateCostAllocationTagsStatusError"), (typeof(CostAllocationTag), "CostAllocationTag"),
        (typeof(DimensionValuesWithAttributes), "DimensionValuesWithAttributes"));

    [Theory]
    [MemberData(nameof(CloudFormationTypes))]
    public void CloudFormationRecord_PropertiesAreMembersOfItsShape(Type type, string shape) =>
        AssertMembers(ServiceModel.CloudFormation, type, shape);

    [Theory]
    [MemberData(nameof(CostExplorerTypes))]
    public void CostExplorerRecord_PropertiesAreMembersOfItsShape(Type type, string shape) =>
        AssertMembers(ServiceModel.CostExplorer, type, shape);

    [Theory]
    [InlineData("DescribeStacks", "Stacks")]
    [InlineData("ListStacks", "StackSummaries")]
    [InlineData("DescribeStackEvents", "StackEvents")]
    [InlineData("DescribeChangeSet", "Changes")]
    [InlineData("DescribeAccountLimits", "AccountLimits")]
    public void CloudFormationPaginators_FollowTheModelsTokens(string operation, string resultKey) =>
        AssertPaginator("cloudformation-2010-05-15.paginators-1.json", operation, "NextToken", "NextToken", resultKey);

    [Fact]
    public void CostExplorerPaginators_FollowTheModelsTokens()
    {
        AssertPaginator("ce-2017-10-25.paginators-1.json", "ListCostAllocationTags", "NextToken", "NextToken", "CostAllocationTags");
        // GetCostAndUsage and GetTags have no botocore paginator; their shapes carry NextPageToken both ways.
        foreach (var operation in new[] { "GetCostAndUsage", "GetTags" })
        {
            ServiceModel.CostExplorer.MemberNames($"{operation}Request").ShouldContain("NextPageToken");
            ServiceModel.CostExplorer.MemberNames($"{operation}Response").ShouldContain("NextPageToken");
        }
    }

    private static void AssertPaginator(string file, string operation, string inputToken, string outputToken, string resultKey)
    {
        using var paginators = ServiceModel.LoadJson(file);
        var paginator = paginators.RootElement.GetProperty("pagination").GetProperty(operation);
        paginator.GetProperty("input_token").GetString().ShouldBe(inputToken);
        paginator.GetProperty("output_token").GetString().ShouldBe(outputToken);
        paginator.GetProperty("result_key").GetString().ShouldBe(resultKey);
    }

    private static void AssertMembers(ServiceModel model, Type type, string shape)
    {
        var members = model.MemberNames(shape);
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .Select(p => p.Name)
            .ToList();

        properties.ShouldNotBeEmpty();
        properties.Where(p => !members.Contains(p)).ShouldBeEmpty($"{type.Name} has properties that are not members of {shape}");
        model.RequiredMembers(shape).Where(r => !properties.Contains(r)).ShouldBeEmpty($"{type.Name} lacks required members of {shape}");
    }

    private static TheoryData<Type, string> Pairs(params (Type Type, string Shape)[] pairs)
    {
        var data = new TheoryData<Type, string>();
        foreach (var (type, shape) in pairs)
        {
            data.Add(type, shape);
        }

        return data;
    }

    [Fact]
    public void JsonOptions_OmitNulls_AndWriteModelNames()
    {
        var json = JsonSerializer.Serialize(new GetTagsRequest { TimePeriod = DateInterval.Days(new(2026, 3, 1), new(2026, 4, 1)) }, CostExplorerJson.Options);

        json.ShouldBe("""{"TimePeriod":{"Start":"2026-03-01","End":"2026-04-01"}}""");
    }
}
