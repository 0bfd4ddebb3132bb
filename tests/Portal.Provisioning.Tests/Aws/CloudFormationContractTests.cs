using System.Net;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Aws.Transport;

namespace Portal.Provisioning.Tests.Aws;

/// <summary>Every CloudFormation request Portal sends, checked member by member against the botocore model.</summary>
public sealed class CloudFormationContractTests
{
    private static readonly Guid RequestId = Guid.Parse("3f2504e0-4f89-11d3-9a0c-0305e82c3301");
    private const string Template = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n";
    private const string StackArn = "arn:aws:cloudformation:eu-west-1:111111111111:stack/env-orders-dev/5b2d6c30-0a1b-11ef-9c55-0a8c4e1a7b11";

    internal static readonly IReadOnlyDictionary<string, Func<QueryRequestWriter>> Requests = new Dictionary<string, Func<QueryRequestWriter>>
    {
        ["CreateStack"] = () => CloudFormationQuery.Write(new CreateStackRequest
        {
            StackName = "env-orders-dev",
            TemplateBody = Template,
            Parameters = [Parameter.Of("EnvironmentName", "orders-dev"), Parameter.Of("VpcCidr", "10.64.0.0/16")],
            Capabilities = [Capability.Iam, Capability.AutoExpand],
            Tags = [new Tag("portal:environment", "orders-dev"), new Tag("portal:tier", "dev")],
            RoleARN = "arn:aws:iam::111111111111:role/portal-cfn-exec",
            OnFailure = OnFailure.Delete,
            TimeoutInMinutes = 60,
            NotificationARNs = ["arn:aws:sns:eu-west-1:111111111111:portal-stack-events"],
            RollbackConfiguration = new RollbackConfiguration
            {
                RollbackTriggers = [new RollbackTrigger("arn:aws:cloudwatch:eu-west-1:111111111111:alarm:orders-5xx", "AWS::CloudWatch::Alarm")],
                MonitoringTimeInMinutes = 10,
            },
            ClientRequestToken = ClientRequestTokens.For("CreateStack", RequestId),
            EnableTerminationProtection = false,
            RetainExceptOnCreate = true,
        }),
        ["UpdateStack"] = () => CloudFormationQuery.Write(new UpdateStackRequest
        {
            StackName = "env-orders-dev",
            UsePreviousTemplate = true,
            Parameters = [Parameter.UsePrevious("EnvironmentName"), Parameter.Of("ApiDesiredCount", "2")],
            Capabilities = [Capability.NamedIam],
            Tags = [new Tag("portal:tier", "dev")],
            RoleARN = "arn:aws:iam::111111111111:role/portal-cfn-exec",
            DisableRollback = false,
            ClientRequestToken = ClientRequestTokens.For("UpdateStack", RequestId),
        }),
        ["DeleteStack"] = () => CloudFormationQuery.Write(new DeleteStackRequest
        {
            StackName = "env-orders-dev",
            RetainResources = ["DataBucket"],
            RoleARN = "arn:aws:iam::111111111111:role/portal-cfn-exec",
            ClientRequestToken = ClientRequestTokens.For("DeleteStack", RequestId),
            DeletionMode = DeletionMode.Standard,
        }),
        ["DescribeStacks"] = () => CloudFormationQuery.Write(new DescribeStacksRequest { StackName = "env-orders-dev", NextToken = "page-2-token" }),
        ["ListStacks"] = () => CloudFormationQuery.Write(new ListStacksRequest
        {
            StackStatusFilter = [StackStatus.CreateComplete, StackStatus.UpdateRollbackComplete, StackStatus.ReviewInProgress],
            NextToken = "page-2-token",
        }),
        ["DescribeStackEvents"] = () => CloudFormationQuery.Write(new DescribeStackEventsRequest { StackName = StackArn, NextToken = "page-2-token" }),
        ["DescribeStackResources"] = () => CloudFormationQuery.Write(new DescribeStackResourcesRequest { StackName = "env-orders-dev", LogicalResourceId = "Vpc" }),
        ["GetTemplate"] = () => CloudFormationQuery.Write(new GetTemplateRequest { StackName = "env-orders-dev", TemplateStage = TemplateStage.Processed }),
        ["ValidateTemplate"] = () => CloudFormationQuery.Write(new ValidateTemplateRequest { TemplateBody = Template }),
        ["CreateChangeSet"] = () => CloudFormationQuery.Write(new CreateChangeSetRequest
        {
            StackName = "env-orders-dev",
            ChangeSetName = "portal-3f2504e04f8911d39a0c0305e82c3301",
            TemplateBody = Template,
            Parameters = [Parameter.Of("EnvironmentName", "orders-dev")],
            Capabilities = [Capability.Iam],
            Tags = [new Tag("portal:environment", "orders-dev")],
            RoleARN = "arn:aws:iam::111111111111:role/portal-cfn-exec",
            ChangeSetType = ChangeSetType.Create,
            ClientToken = ClientRequestTokens.For("CreateChangeSet", RequestId),
            Description = "Portal request 3f2504e0",
            IncludeNestedStacks = false,
            OnStackFailure = OnFailure.Rollback,
        }),
        ["DescribeChangeSet"] = () => CloudFormationQuery.Write(new DescribeChangeSetRequest
        {
            ChangeSetName = "portal-3f2504e04f8911d39a0c0305e82c3301",
            StackName = "env-orders-dev",
            NextToken = "page-2-token",
            IncludePropertyValues = true,
        }),
        ["ExecuteChangeSet"] = () => CloudFormationQuery.Write(new ExecuteChangeSetRequest
        {
            ChangeSetName = "portal-3f2504e04f8911d39a0c0305e82c3301",
            StackName = "env-orders-dev",
            ClientRequestToken = ClientRequestTokens.For("ExecuteChangeSet", RequestId),
            DisableRollback = false,
        }),
        ["DeleteChangeSet"] = () => CloudFormationQuery.Write(new DeleteChangeSetRequest
        {
            ChangeSetName = "arn:aws:cloudformation:eu-west-1:111111111111:changeSet/portal-3f25/1a2b3c4d",
        }),
        ["DetectStackDrift"] = () => CloudFormationQuery.Write(new DetectStackDriftRequest { StackName = "env-orders-dev", LogicalResourceIds = ["Vpc", "Database"] }),
        ["DescribeStackDriftDetectionStatus"] = () => CloudFormationQuery.Write(new DescribeStackDriftDetectionStatusRequest("b78ac9b0-dec1-11e7-a451-503a3example")),
        ["DescribeStackResourceDrifts"] = () => CloudFormationDriftWire.Write(new DescribeStackResourceDriftsRequest
        {
            StackName = "env-orders-dev", StackResourceDriftStatusFilters = ["MODIFIED", "DELETED"], NextToken = "page-2-token", MaxResults = 100,
        }),
        ["DescribeAccountLimits"] = () => CloudFormationQuery.Write(new DescribeAccountLimitsRequest { NextToken = "page-2-token" }),
        ["ListStackResources"] = () => CloudFormationQuery.Write(new ListStackResourcesRequest { StackName = "env-orders-dev", NextToken = "page-2-token" }),
    };

    public static TheoryData<string> Operations => OperationsOf(Requests.Keys);

    private static TheoryData<string> OperationsOf(IEnumerable<string> names)
    {
        var data = new TheoryData<string>();
        foreach (var name in names)
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Operations))]
    public void Request_EveryParameter_IsAMemberOfTheInputShape(string operation)
    {
        var errors = ServiceModel.CloudFormation.CheckQuery(operation, Requests[operation]().Parameters);

        errors.ShouldBeEmpty(string.Join("\n", errors));
    }

    [Fact]
    public void EveryOperationPortalUses_IsCovered()
    {
        string[] used =
        [
            "CreateStack", "UpdateStack", "DeleteStack", "DescribeStacks", "ListStacks", "DescribeStackEvents",
            "DescribeStackResources", "GetTemplate", "ValidateTemplate", "CreateChangeSet", "DescribeChangeSet",
            "ExecuteChangeSet", "DeleteChangeSet", "DetectStackDrift", "DescribeStackDriftDetectionStatus", "DescribeStackResourceDrifts", "DescribeAccountLimits",
            "ListStackResources",
        ];
        Requests.Keys.ShouldBe(used, ignoreOrder: true);
        used.ShouldAllBe(op => ServiceModel.CloudFormation.HasOperation(op));
    }

    [Fact]
    public void CreateStack_ListsAndStructures_UseMemberNEncoding()
    {
        var form = Requests["CreateStack"]().Parameters.ToDictionary(p => p.Key, p => p.Value);

        form["Parameters.member.1.ParameterKey"].ShouldBe("EnvironmentName");
        form["Parameters.member.2.ParameterValue"].ShouldBe("10.64.0.0/16");
        form["Tags.member.2.Key"].ShouldBe("portal:tier");
        form["Capabilities.member.1"].ShouldBe("CAPABILITY_IAM");
        form["RollbackConfiguration.RollbackTriggers.member.1.Type"].ShouldBe("AWS::CloudWatch::Alarm");
        form["EnableTerminationProtection"].ShouldBe("false");
        form["RetainExceptOnCreate"].ShouldBe("true");
    }

    [Fact]
    public void Checker_RejectsWhatTheModelDoesNotAllow()
    {
        var writer = new QueryRequestWriter("CreateStack", "2010-05-15")
            .Add("TemplateBody", "x")
            .Add("Tags.member.1.Name", "wrong")
            .Add("Parameters.1.ParameterKey", "no-member-segment")
            .Add("DisableRollback", "True")
            .Add("OnFailure", "EXPLODE");

        var errors = ServiceModel.CloudFormation.CheckQuery("CreateStack", writer.Parameters);

        errors.ShouldContain(e => e.Contains("'Name' is not a member of Tag", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("expected '.member.N'", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("not lowercase true/false", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("not one of OnFailure's values", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("required member StackName", StringComparison.Ordinal));
        errors.ShouldContain(e => e.Contains("required member Tags.member.1.Key", StringComparison.Ordinal));
    }

    [Fact]
    public void Writer_EncodesTimestampsAsIso8601Utc_BooleansLowercase_AndAnEmptyListAsAnEmptyValue()
    {
        var writer = new QueryRequestWriter("UpdateStack", "2010-05-15")
            .Add("At", new DateTimeOffset(2026, 3, 14, 10, 26, 53, 5, TimeSpan.FromHours(1)))
            .Add("Flag", true)
            .AddList("NotificationARNs", Array.Empty<string>());

        var form = writer.Parameters.ToDictionary(p => p.Key, p => p.Value);
        form["At"].ShouldBe("2026-03-14T09:26:53.005Z");
        form["Flag"].ShouldBe("true");
        form["NotificationARNs"].ShouldBe("");
        System.Text.Encoding.UTF8.GetString(writer.ToBody())
            .ShouldBe("Action=UpdateStack&Version=2010-05-15&At=2026-03-14T09%3A26%3A53.005Z&Flag=true&NotificationARNs=");
        // An empty list clears NotificationARNs on UpdateStack; the model accepts it.
        ServiceModel.CloudFormation.CheckQuery("UpdateStack", [.. writer.Parameters.Where(p => p.Key is "Action" or "Version" or "NotificationARNs"), new("StackName", "s")])
            .ShouldBeEmpty();
    }

    [Fact]
    public async Task Client_PostsFormToTheRegionalEndpoint_SignedForCloudFormation()
    {
        using var host = new AwsTestHost();
        host.Handler.EnqueueFile(HttpStatusCode.OK, "cloudformation/CreateStack.xml");

        var response = await host.CloudFormation("eu-west-1").CreateStackAsync(
            new CreateStackRequest { StackName = "env-orders-dev", TemplateBody = Template, ClientRequestToken = "portal-CreateStack-1" },
            CancellationToken.None);

        response.StackId.ShouldStartWith("arn:aws:cloudformation:eu-west-1:111111111111:stack/env-orders-dev/");
        var sent = host.Handler.Requests.ShouldHaveSingleItem();
        sent.Method.ShouldBe(HttpMethod.Post);
        sent.Uri.ShouldBe(new Uri("https://cloudformation.eu-west-1.amazonaws.com/"));
        sent.Header("Content-Type").ShouldBe("application/x-www-form-urlencoded; charset=utf-8");
        sent.Header("Authorization").ShouldStartWith("AWS4-HMAC-SHA256 Credential=AKIDPORTALTEST/20260314/eu-west-1/cloudformation/aws4_request, ");
        sent.Header("X-Amz-Date").ShouldBe("20260314T092653Z");
        sent.Header("X-Amz-Security-Token").ShouldBe("portal-session-token");
        sent.FormValue("Action").ShouldBe("CreateStack");
        sent.FormValue("Version").ShouldBe("2010-05-15");
        sent.FormValue("TemplateBody").ShouldBe(Template);
        // The account's service role is passed as RoleARN when the request names none.
        sent.FormValue("RoleARN").ShouldBe("arn:aws:iam::111111111111:role/portal-cfn-exec");
        ServiceModel.CloudFormation.CheckQuery("CreateStack", sent.Form).ShouldBeEmpty();
    }

    [Fact]
    public async Task Client_WithServiceUrlOverride_SendsThereButSignsForTheRequestedRegion()
    {
        using var host = new AwsTestHost(new() { ["Aws:ServiceUrls:CloudFormation"] = "https://vpce-0abc.cloudformation.eu-west-1.vpce.amazonaws.com" });
        host.Handler.EnqueueFile(HttpStatusCode.OK, "cloudformation/DescribeStacks-page1.xml");

        await host.CloudFormation("eu-west-1").DescribeStacksAsync(new DescribeStacksRequest(), CancellationToken.None);

        var sent = host.Handler.Requests.ShouldHaveSingleItem();
        sent.Uri.Host.ShouldBe("vpce-0abc.cloudformation.eu-west-1.vpce.amazonaws.com");
        sent.Header("Authorization").ShouldContain("/eu-west-1/cloudformation/aws4_request");
    }

    [Fact]
    public void Factory_RejectsAnInvalidRegion()
    {
        using var host = new AwsTestHost();

        Should.Throw<ArgumentException>(() => host.CloudFormation("eu-west"));
    }

    [Fact]
    public void Factory_RejectsARegionTheAccountMayNotDeployTo()
    {
        using var host = new AwsTestHost();

        var ex = Should.Throw<ArgumentException>(() => host.CloudFormation("us-east-1", AwsTestHost.NonProd));

        ex.Message.ShouldStartWith("Region us-east-1 is not allowed for AWS account 111111111111; allowed: eu-west-1.");
    }

    [Fact]
    public void Factory_UsesTheRegionalEndpoint_ForAnAllowedRegion()
    {
        using var host = new AwsTestHost(new() { ["Aws:Accounts:0:AllowedRegions:1"] = "ap-southeast-2" });

        host.CloudFormation("ap-southeast-2").Region.ShouldBe("ap-southeast-2");
    }

    [Fact]
    public async Task Client_InAnotherAllowedRegion_UsesThatRegionsEndpointAndScope()
    {
        using var host = new AwsTestHost(new() { ["Aws:Accounts:0:AllowedRegions:1"] = "ap-southeast-2" });
        host.Handler.EnqueueFile(HttpStatusCode.OK, "cloudformation/DeleteStack.xml");

        await host.CloudFormation("ap-southeast-2").DeleteStackAsync(new DeleteStackRequest { StackName = "env-x" }, CancellationToken.None);

        var sent = host.Handler.Requests.ShouldHaveSingleItem();
        sent.Uri.ShouldBe(new Uri("https://cloudformation.ap-southeast-2.amazonaws.com/"));
        sent.Header("Authorization").ShouldContain("/ap-southeast-2/cloudformation/aws4_request");
    }
}
