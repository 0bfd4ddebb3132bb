using Portal.Provisioning.Aws.Transport;

namespace Portal.Provisioning.Aws.CloudFormation;

/// <summary>Serializes CloudFormation requests to query-protocol parameters named after the service model's members.</summary>
internal static class CloudFormationQuery
{
    public const string ApiVersion = "2010-05-15";

    public static QueryRequestWriter Write(CreateStackRequest r) =>
        New("CreateStack")
            .Add("StackName", r.StackName)
            .Add("TemplateBody", r.TemplateBody)
            .Add("TemplateURL", r.TemplateURL)
            .AddList("Parameters", r.Parameters, WriteParameter)
            .Add("DisableRollback", r.DisableRollback)
            .AddRollbackConfiguration(r.RollbackConfiguration)
            .Add("TimeoutInMinutes", r.TimeoutInMinutes)
            .AddList("NotificationARNs", r.NotificationARNs)
            .AddList("Capabilities", r.Capabilities)
            .AddList("ResourceTypes", r.ResourceTypes)
            .Add("RoleARN", r.RoleARN)
            .Add("OnFailure", r.OnFailure)
            .Add("StackPolicyBody", r.StackPolicyBody)
            .Add("StackPolicyURL", r.StackPolicyURL)
            .AddList("Tags", r.Tags, WriteTag)
            .Add("ClientRequestToken", r.ClientRequestToken)
            .Add("EnableTerminationProtection", r.EnableTerminationProtection)
            .Add("RetainExceptOnCreate", r.RetainExceptOnCreate);

    public static QueryRequestWriter Write(UpdateStackRequest r) =>
        New("UpdateStack")
            .Add("StackName", r.StackName)
            .Add("TemplateBody", r.TemplateBody)
            .Add("TemplateURL", r.TemplateURL)
            .Add("UsePreviousTemplate", r.UsePreviousTemplate)
            .Add("StackPolicyDuringUpdateBody", r.StackPolicyDuringUpdateBody)
            .Add("StackPolicyDuringUpdateURL", r.StackPolicyDuringUpdateURL)
            .AddList("Parameters", r.Parameters, WriteParameter)
            .AddList("Capabilities", r.Capabilities)
            .AddList("ResourceTypes", r.ResourceTypes)
            .Add("RoleARN", r.RoleARN)
            .AddRollbackConfiguration(r.RollbackConfiguration)
            .Add("StackPolicyBody", r.StackPolicyBody)
            .Add("StackPolicyURL", r.StackPolicyURL)
            .AddList("NotificationARNs", r.NotificationARNs)
            .AddList("Tags", r.Tags, WriteTag)
            .Add("DisableRollback", r.DisableRollback)
            .Add("ClientRequestToken", r.ClientRequestToken)
            .Add("RetainExceptOnCreate", r.RetainExceptOnCreate);

    public static QueryRequestWriter Write(DeleteStackRequest r) =>
        New("DeleteStack")
            .Add("StackName", r.StackName)
            .AddList("RetainResources", r.RetainResources)
            .Add("RoleARN", r.RoleARN)
            .Add("ClientRequestToken", r.ClientRequestToken)
            .Add("DeletionMode", r.DeletionMode);

    public static QueryRequestWriter Write(DescribeStacksRequest r) =>
        New("DescribeStacks").Add("StackName", r.StackName).Add("NextToken", r.NextToken);

    public static QueryRequestWriter Write(ListStacksRequest r) =>
        New("ListStacks").Add("NextToken", r.NextToken).AddList("StackStatusFilter", r.StackStatusFilter is { Count: > 0 } f ? f : null);

    public static QueryRequestWriter Write(DescribeStackEventsRequest r) =>
        New("DescribeStackEvents").Add("StackName", r.StackName).Add("NextToken", r.NextToken);

    public static QueryRequestWriter Write(DescribeStackResourcesRequest r) =>
        New("DescribeStackResources")
            .Add("StackName", r.StackName)
            .Add("LogicalResourceId", r.LogicalResourceId)
            .Add("PhysicalResourceId", r.PhysicalResourceId);

    public static QueryRequestWriter Write(ListStackResourcesRequest r) =>
        New("ListStackResources").Add("StackName", r.StackName).Add("NextToken", r.NextToken);

    public static QueryRequestWriter Write(GetTemplateRequest r) =>
        New("GetTemplate").Add("StackName", r.StackName).Add("ChangeSetName", r.ChangeSetName).Add("TemplateStage", r.TemplateStage);

    public static QueryRequestWriter Write(ValidateTemplateRequest r) =>
        New("ValidateTemplate").Add("TemplateBody", r.TemplateBody).Add("TemplateURL", r.TemplateURL);

    public static QueryRequestWriter Write(CreateChangeSetRequest r) =>
        New("CreateChangeSet")
            .Add("StackName", r.StackName)
            .Add("TemplateBody", r.TemplateBody)
            .Add("TemplateURL", r.TemplateURL)
            .Add("UsePreviousTemplate", r.UsePreviousTemplate)
            .AddList("Parameters", r.Parameters, WriteParameter)
            .AddList("Capabilities", r.Capabilities)
            .AddList("ResourceTypes", r.ResourceTypes)
            .Add("RoleARN", r.RoleARN)
            .AddRollbackConfiguration(r.RollbackConfiguration)
            .AddList("NotificationARNs", r.NotificationARNs)
            .AddList("Tags", r.Tags, WriteTag)
            .Add("ChangeSetName", r.ChangeSetName)
            .Add("ClientToken", r.ClientToken)
            .Add("Description", r.Description)
            .Add("ChangeSetType", r.ChangeSetType)
            .Add("IncludeNestedStacks", r.IncludeNestedStacks)
            .Add("OnStackFailure", r.OnStackFailure)
            .Add("ImportExistingResources", r.ImportExistingResources);

    public static QueryRequestWriter Write(DescribeChangeSetRequest r) =>
        New("DescribeChangeSet")
            .Add("ChangeSetName", r.ChangeSetName)
            .Add("StackName", r.StackName)
            .Add("NextToken", r.NextToken)
            .Add("IncludePropertyValues", r.IncludePropertyValues);

    public static QueryRequestWriter Write(ExecuteChangeSetRequest r) =>
        New("ExecuteChangeSet")
            .Add("ChangeSetName", r.ChangeSetName)
            .Add("StackName", r.StackName)
            .Add("ClientRequestToken", r.ClientRequestToken)
            .Add("DisableRollback", r.DisableRollback)
            .Add("RetainExceptOnCreate", r.RetainExceptOnCreate);

    public static QueryRequestWriter Write(DeleteChangeSetRequest r) =>
        New("DeleteChangeSet").Add("ChangeSetName", r.ChangeSetName).Add("StackName", r.StackName);

    public static QueryRequestWriter Write(DetectStackDriftRequest r) =>
        New("DetectStackDrift").Add("StackName", r.StackName).AddList("LogicalResourceIds", r.LogicalResourceIds);

    public static QueryRequestWriter Write(DescribeStackDriftDetectionStatusRequest r) =>
        New("DescribeStackDriftDetectionStatus").Add("StackDriftDetectionId", r.StackDriftDetectionId);

    public static QueryRequestWriter Write(DescribeAccountLimitsRequest r) =>
        New("DescribeAccountLimits").Add("NextToken", r.NextToken);

    private static QueryRequestWriter New(string action) => new(action, ApiVersion);

    private static void WriteParameter(QueryRequestWriter writer, string prefix, Parameter parameter) =>
        writer.Add($"{prefix}.ParameterKey", parameter.ParameterKey)
            .Add($"{prefix}.ParameterValue", parameter.ParameterValue)
            .Add($"{prefix}.UsePreviousValue", parameter.UsePreviousValue);

    private static void WriteTag(QueryRequestWriter writer, string prefix, Tag tag) =>
        writer.Add($"{prefix}.Key", tag.Key).Add($"{prefix}.Value", tag.Value);

    private static QueryRequestWriter AddRollbackConfiguration(this QueryRequestWriter writer, RollbackConfiguration? configuration) =>
        configuration is null
            ? writer
            : writer
                .AddList("RollbackConfiguration.RollbackTriggers", configuration.RollbackTriggers, static (w, prefix, trigger) =>
                    w.Add($"{prefix}.Arn", trigger.Arn).Add($"{prefix}.Type", trigger.Type))
                .Add("RollbackConfiguration.MonitoringTimeInMinutes", configuration.MonitoringTimeInMinutes);
}
