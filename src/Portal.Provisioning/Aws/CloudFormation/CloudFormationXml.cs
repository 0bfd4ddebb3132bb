using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Portal.Provisioning.Aws.CloudFormation;

/// <summary>
/// Reads CloudFormation's query-protocol XML: <c>&lt;OpResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"&gt;&lt;OpResult&gt;</c>,
/// list items as <c>&lt;member&gt;</c>.
/// </summary>
internal static class CloudFormationXml
{
    public static readonly XNamespace Namespace = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

    /// <summary>The <c>OpResult</c> element (empty for operations without output). Throws when the body is not that operation's response.</summary>
    public static XElement Result(string body, string operation)
    {
        XDocument document;
        try
        {
            document = XDocument.Parse(body);
        }
        catch (XmlException ex)
        {
            throw new InvalidDataException($"CloudFormation {operation} returned a body that is not XML.", ex);
        }

        var root = document.Root;
        if (root is null || root.Name != Namespace + $"{operation}Response")
        {
            throw new InvalidDataException($"CloudFormation {operation} returned <{root?.Name}>, not <{operation}Response xmlns=\"{Namespace}\">.");
        }

        return root.Element(Namespace + $"{operation}Result") ?? new XElement(Namespace + $"{operation}Result");
    }

    public static string? RequestId(XElement result) =>
        result.Parent?.Element(Namespace + "ResponseMetadata")?.Element(Namespace + "RequestId")?.Value;

    public static string? Str(this XElement element, string name) => element.Element(Namespace + name)?.Value;

    public static string Required(this XElement element, string name) =>
        element.Str(name) ?? throw new InvalidDataException($"CloudFormation response <{element.Name.LocalName}> lacks required <{name}>.");

    public static bool? Bool(this XElement element, string name) =>
        element.Str(name) is { } value ? XmlConvert.ToBoolean(value.Trim()) : null;

    public static int? Int(this XElement element, string name) =>
        element.Str(name) is { } value ? int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;

    public static DateTimeOffset? Time(this XElement element, string name) =>
        element.Str(name) is { } value
            ? DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal)
            : null;

    public static DateTimeOffset RequiredTime(this XElement element, string name) =>
        element.Time(name) ?? throw new InvalidDataException($"CloudFormation response <{element.Name.LocalName}> lacks required <{name}>.");

    public static IEnumerable<XElement> Members(this XElement element, string name) =>
        element.Element(Namespace + name)?.Elements(Namespace + "member") ?? [];

    public static IReadOnlyList<string> Strings(this XElement element, string name) => [.. element.Members(name).Select(m => m.Value)];

    public static CreateStackResponse ReadCreateStack(XElement r) => new(r.Required("StackId"), r.Str("OperationId"));

    public static UpdateStackResponse ReadUpdateStack(XElement r) => new(r.Required("StackId"), r.Str("OperationId"));

    public static DescribeStacksResponse ReadDescribeStacks(XElement r) =>
        new([.. r.Members("Stacks").Select(ReadStack)], r.Str("NextToken"));

    public static ListStacksResponse ReadListStacks(XElement r) =>
        new([.. r.Members("StackSummaries").Select(ReadStackSummary)], r.Str("NextToken"));

    public static DescribeStackEventsResponse ReadDescribeStackEvents(XElement r) =>
        new([.. r.Members("StackEvents").Select(ReadStackEvent)], r.Str("NextToken"));

    public static DescribeStackResourcesResponse ReadDescribeStackResources(XElement r) =>
        new([.. r.Members("StackResources").Select(ReadStackResource)]);

    public static GetTemplateResponse ReadGetTemplate(XElement r) => new(r.Str("TemplateBody"), r.Strings("StagesAvailable"));

    public static ValidateTemplateResponse ReadValidateTemplate(XElement r) =>
        new(
            [.. r.Members("Parameters").Select(p => new TemplateParameter(p.Str("ParameterKey"), p.Str("DefaultValue"), p.Bool("NoEcho"), p.Str("Description")))],
            r.Str("Description"),
            r.Strings("Capabilities"),
            r.Str("CapabilitiesReason"),
            r.Strings("DeclaredTransforms"));

    public static CreateChangeSetResponse ReadCreateChangeSet(XElement r) => new(r.Required("Id"), r.Str("StackId"));

    public static DescribeChangeSetResponse ReadDescribeChangeSet(XElement r) => new()
    {
        ChangeSetName = r.Str("ChangeSetName"),
        ChangeSetId = r.Str("ChangeSetId"),
        StackId = r.Str("StackId"),
        StackName = r.Str("StackName"),
        Description = r.Str("Description"),
        Parameters = [.. r.Members("Parameters").Select(ReadParameter)],
        CreationTime = r.Time("CreationTime"),
        ExecutionStatus = r.Str("ExecutionStatus"),
        Status = r.Str("Status"),
        StatusReason = r.Str("StatusReason"),
        NotificationARNs = r.Strings("NotificationARNs"),
        Capabilities = r.Strings("Capabilities"),
        Tags = [.. r.Members("Tags").Select(ReadTag)],
        Changes = [.. r.Members("Changes").Select(ReadChange)],
        NextToken = r.Str("NextToken"),
        IncludeNestedStacks = r.Bool("IncludeNestedStacks"),
        ParentChangeSetId = r.Str("ParentChangeSetId"),
        RootChangeSetId = r.Str("RootChangeSetId"),
        OnStackFailure = r.Str("OnStackFailure"),
        ImportExistingResources = r.Bool("ImportExistingResources"),
    };

    public static DetectStackDriftResponse ReadDetectStackDrift(XElement r) => new(r.Required("StackDriftDetectionId"));

    public static DescribeStackDriftDetectionStatusResponse ReadDescribeStackDriftDetectionStatus(XElement r) => new()
    {
        StackId = r.Required("StackId"),
        StackDriftDetectionId = r.Required("StackDriftDetectionId"),
        StackDriftStatus = r.Str("StackDriftStatus"),
        DetectionStatus = r.Required("DetectionStatus"),
        DetectionStatusReason = r.Str("DetectionStatusReason"),
        DriftedStackResourceCount = r.Int("DriftedStackResourceCount"),
        Timestamp = r.RequiredTime("Timestamp"),
    };

    public static ListStackResourcesResponse ReadListStackResources(XElement r) =>
        new([.. r.Members("StackResourceSummaries").Select(m => new StackResourceSummary
        {
            LogicalResourceId = m.Required("LogicalResourceId"),
            PhysicalResourceId = m.Str("PhysicalResourceId"),
            ResourceType = m.Required("ResourceType"),
            LastUpdatedTimestamp = m.RequiredTime("LastUpdatedTimestamp"),
            ResourceStatus = m.Required("ResourceStatus"),
            ResourceStatusReason = m.Str("ResourceStatusReason"),
        })], r.Str("NextToken"));

    public static DescribeAccountLimitsResponse ReadDescribeAccountLimits(XElement r) =>
        new([.. r.Members("AccountLimits").Select(l => new AccountLimit(l.Str("Name"), l.Int("Value")))], r.Str("NextToken"));

    private static Stack ReadStack(XElement s) => new()
    {
        StackId = s.Str("StackId"),
        StackName = s.Required("StackName"),
        ChangeSetId = s.Str("ChangeSetId"),
        Description = s.Str("Description"),
        Parameters = [.. s.Members("Parameters").Select(ReadParameter)],
        CreationTime = s.RequiredTime("CreationTime"),
        DeletionTime = s.Time("DeletionTime"),
        LastUpdatedTime = s.Time("LastUpdatedTime"),
        RollbackConfiguration = ReadRollbackConfiguration(s.Element(Namespace + "RollbackConfiguration")),
        StackStatus = s.Required("StackStatus"),
        StackStatusReason = s.Str("StackStatusReason"),
        DisableRollback = s.Bool("DisableRollback"),
        NotificationARNs = s.Strings("NotificationARNs"),
        TimeoutInMinutes = s.Int("TimeoutInMinutes"),
        Capabilities = s.Strings("Capabilities"),
        Outputs = [.. s.Members("Outputs").Select(o => new Output(o.Str("OutputKey"), o.Str("OutputValue"), o.Str("Description"), o.Str("ExportName")))],
        RoleARN = s.Str("RoleARN"),
        Tags = [.. s.Members("Tags").Select(ReadTag)],
        EnableTerminationProtection = s.Bool("EnableTerminationProtection"),
        ParentId = s.Str("ParentId"),
        RootId = s.Str("RootId"),
        DriftInformation = ReadDrift(s.Element(Namespace + "DriftInformation")),
        RetainExceptOnCreate = s.Bool("RetainExceptOnCreate"),
        DeletionMode = s.Str("DeletionMode"),
        DetailedStatus = s.Str("DetailedStatus"),
    };

    private static StackSummary ReadStackSummary(XElement s) => new()
    {
        StackId = s.Str("StackId"),
        StackName = s.Required("StackName"),
        TemplateDescription = s.Str("TemplateDescription"),
        CreationTime = s.RequiredTime("CreationTime"),
        LastUpdatedTime = s.Time("LastUpdatedTime"),
        DeletionTime = s.Time("DeletionTime"),
        StackStatus = s.Required("StackStatus"),
        StackStatusReason = s.Str("StackStatusReason"),
        ParentId = s.Str("ParentId"),
        RootId = s.Str("RootId"),
        DriftInformation = ReadDrift(s.Element(Namespace + "DriftInformation")),
    };

    private static StackEvent ReadStackEvent(XElement e) => new()
    {
        StackId = e.Required("StackId"),
        EventId = e.Required("EventId"),
        StackName = e.Required("StackName"),
        OperationId = e.Str("OperationId"),
        LogicalResourceId = e.Str("LogicalResourceId"),
        PhysicalResourceId = e.Str("PhysicalResourceId"),
        ResourceType = e.Str("ResourceType"),
        Timestamp = e.RequiredTime("Timestamp"),
        ResourceStatus = e.Str("ResourceStatus"),
        ResourceStatusReason = e.Str("ResourceStatusReason"),
        ResourceProperties = e.Str("ResourceProperties"),
        ClientRequestToken = e.Str("ClientRequestToken"),
        HookType = e.Str("HookType"),
        HookStatus = e.Str("HookStatus"),
        HookStatusReason = e.Str("HookStatusReason"),
        DetailedStatus = e.Str("DetailedStatus"),
    };

    private static StackResource ReadStackResource(XElement r) => new()
    {
        StackName = r.Str("StackName"),
        StackId = r.Str("StackId"),
        LogicalResourceId = r.Required("LogicalResourceId"),
        PhysicalResourceId = r.Str("PhysicalResourceId"),
        ResourceType = r.Required("ResourceType"),
        Timestamp = r.RequiredTime("Timestamp"),
        ResourceStatus = r.Required("ResourceStatus"),
        ResourceStatusReason = r.Str("ResourceStatusReason"),
        Description = r.Str("Description"),
        DriftInformation = r.Element(Namespace + "DriftInformation") is { } drift
            ? new StackResourceDriftInformation(drift.Str("StackResourceDriftStatus") ?? "NOT_CHECKED", drift.Time("LastCheckTimestamp"))
            : null,
    };

    private static Change ReadChange(XElement c)
    {
        var rc = c.Element(Namespace + "ResourceChange");
        return new Change(
            c.Str("Type"),
            c.Int("HookInvocationCount"),
            rc is null ? null : new ResourceChange
            {
                PolicyAction = rc.Str("PolicyAction"),
                Action = rc.Str("Action"),
                LogicalResourceId = rc.Str("LogicalResourceId"),
                PhysicalResourceId = rc.Str("PhysicalResourceId"),
                ResourceType = rc.Str("ResourceType"),
                Replacement = rc.Str("Replacement"),
                Scope = rc.Strings("Scope"),
                Details = [.. rc.Members("Details").Select(ReadChangeDetail)],
                ChangeSetId = rc.Str("ChangeSetId"),
            });
    }

    private static ResourceChangeDetail ReadChangeDetail(XElement d)
    {
        var t = d.Element(Namespace + "Target");
        return new ResourceChangeDetail(
            t is null ? null : new ResourceTargetDefinition(t.Str("Attribute"), t.Str("Name"), t.Str("RequiresRecreation"), t.Str("Path"), t.Str("BeforeValue"), t.Str("AfterValue")),
            d.Str("Evaluation"),
            d.Str("ChangeSource"),
            d.Str("CausingEntity"));
    }

    private static Parameter ReadParameter(XElement p) => new()
    {
        ParameterKey = p.Str("ParameterKey"),
        ParameterValue = p.Str("ParameterValue"),
        UsePreviousValue = p.Bool("UsePreviousValue"),
        ResolvedValue = p.Str("ResolvedValue"),
    };

    private static Tag ReadTag(XElement t) => new(t.Str("Key") ?? "", t.Str("Value") ?? "");

    private static StackDriftInformation? ReadDrift(XElement? d) =>
        d is null ? null : new StackDriftInformation(d.Str("StackDriftStatus") ?? "NOT_CHECKED", d.Time("LastCheckTimestamp"));

    private static RollbackConfiguration? ReadRollbackConfiguration(XElement? c) =>
        c is null
            ? null
            : new RollbackConfiguration
            {
                RollbackTriggers = [.. c.Members("RollbackTriggers").Select(t => new RollbackTrigger(t.Str("Arn") ?? "", t.Str("Type") ?? ""))],
                MonitoringTimeInMinutes = c.Int("MonitoringTimeInMinutes"),
            };
}
