using System.Net;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;

namespace Portal.Provisioning.Tests.Aws;

/// <summary>Documented-form responses through the real transport and parser (a fake HttpMessageHandler answers).</summary>
public sealed class CloudFormationClientTests : IDisposable
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly AwsTestHost _host = new();

    public void Dispose() => _host.Dispose();

    private FakeHttpHandler Reply(string file, HttpStatusCode status = HttpStatusCode.OK) =>
        _host.Handler.EnqueueFile(status, $"cloudformation/{file}");

    [Fact]
    public async Task DescribeAllStacks_FollowsNextToken_AndParsesEveryField()
    {
        Reply("DescribeStacks-page1.xml");
        Reply("DescribeStacks-page2.xml");

        var stacks = await _host.CloudFormation().DescribeAllStacksAsync(new DescribeStacksRequest(), Ct).ToListAsync(Ct);

        stacks.Select(s => s.StackName).ShouldBe(["env-orders-dev", "env-billing-staging"]);
        _host.Handler.Requests.Count.ShouldBe(2);
        _host.Handler.Requests[0].Form.ShouldNotContain(p => p.Key == "NextToken");
        _host.Handler.Requests[1].FormValue("NextToken").ShouldBe("eyJwYWdlIjoyfQ==");

        var orders = stacks[0];
        orders.StackStatus.ShouldBe(StackStatus.CreateComplete);
        orders.CreationTime.ShouldBe(new DateTimeOffset(2026, 3, 14, 9, 20, 11, 428, TimeSpan.Zero));
        orders.Parameters.Single(p => p.ParameterKey == "VpcCidr").ParameterValue.ShouldBe("10.64.0.0/16");
        orders.Outputs.Single(o => o.OutputKey == "VpcId").ExportName.ShouldBe("orders-dev-VpcId");
        orders.Capabilities.ShouldBe([Capability.Iam]);
        orders.Tags.ShouldBe([new Tag("portal:environment", "orders-dev")]);
        orders.NotificationARNs.ShouldBeEmpty();
        orders.DisableRollback.ShouldBe(false);
        orders.DriftInformation!.StackDriftStatus.ShouldBe("NOT_CHECKED");

        var billing = stacks[1];
        billing.TimeoutInMinutes.ShouldBe(60);
        billing.EnableTerminationProtection.ShouldBe(true);
        billing.StackStatusReason.ShouldBe("Resource update cancelled");
        billing.DriftInformation!.LastCheckTimestamp.ShouldBe(new DateTimeOffset(2026, 3, 12, 8, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task ListAllStacks_SendsTheStatusFilterOnEveryPage()
    {
        Reply("ListStacks-page1.xml");
        Reply("ListStacks-page2.xml");

        var summaries = await _host.CloudFormation()
            .ListAllStacksAsync(new ListStacksRequest { StackStatusFilter = [StackStatus.CreateComplete, StackStatus.UpdateComplete] }, Ct)
            .ToListAsync(Ct);

        summaries.Select(s => s.StackStatus).ShouldBe([StackStatus.CreateComplete, StackStatus.UpdateComplete]);
        summaries[0].TemplateDescription.ShouldBe("Web service on ECS Fargate");
        summaries[1].LastUpdatedTime.ShouldNotBeNull();
        foreach (var request in _host.Handler.Requests)
        {
            request.FormValue("StackStatusFilter.member.1").ShouldBe("CREATE_COMPLETE");
            request.FormValue("StackStatusFilter.member.2").ShouldBe("UPDATE_COMPLETE");
            ServiceModel.CloudFormation.CheckQuery("ListStacks", request.Form).ShouldBeEmpty();
        }

        _host.Handler.Requests[1].FormValue("NextToken").ShouldBe("bGlzdC1wYWdlLTI=");
    }

    [Fact]
    public async Task DescribeAllStackEvents_ReturnsNewestFirstAcrossPages_WithTheirClientRequestToken()
    {
        Reply("DescribeStackEvents-page1.xml");
        Reply("DescribeStackEvents-page2.xml");

        var events = await _host.CloudFormation()
            .DescribeAllStackEventsAsync(new DescribeStackEventsRequest { StackName = "env-orders-dev" }, Ct)
            .ToListAsync(Ct);

        events.Count.ShouldBe(3);
        events.Select(e => e.Timestamp).ShouldBeInOrder(SortDirection.Descending);
        events.ShouldAllBe(e => e.ClientRequestToken == "portal-CreateStack-3f2504e04f8911d39a0c0305e82c3301");
        var failed = events.Single(e => e.ResourceStatus == "CREATE_FAILED");
        failed.LogicalResourceId.ShouldBe("Database");
        failed.ResourceStatusReason.ShouldBe("Resource handler returned message: \"DB instance class db.t2.nano is not supported\"");
        failed.ResourceProperties.ShouldBe("{\"DBInstanceClass\":\"db.t2.nano\",\"Engine\":\"postgres\"}");
    }

    [Fact]
    public async Task DescribeFullChangeSet_MergesChangesFromEveryPage()
    {
        Reply("DescribeChangeSet-page1.xml");
        Reply("DescribeChangeSet-page2.xml");

        var changeSet = await _host.CloudFormation().DescribeFullChangeSetAsync(
            new DescribeChangeSetRequest { ChangeSetName = "portal-3f2504e04f8911d39a0c0305e82c3301", StackName = "env-orders-dev" }, Ct);

        changeSet.Status.ShouldBe(ChangeSetStatus.CreateComplete);
        changeSet.ExecutionStatus.ShouldBe("AVAILABLE");
        changeSet.NextToken.ShouldBeNull();
        changeSet.Changes.Select(c => c.ResourceChange!.LogicalResourceId).ShouldBe(["ApiService", "Database"]);
        var database = changeSet.Changes[1].ResourceChange!;
        database.Replacement.ShouldBe("True");
        database.Scope.ShouldBe(["Properties"]);
        database.Details.Single().Target!.Name.ShouldBe("DBInstanceClass");
        database.Details.Single().Target!.RequiresRecreation.ShouldBe("Always");
        _host.Handler.Requests[1].FormValue("NextToken").ShouldBe("Y2hhbmdlcy1wYWdlLTI=");
    }

    [Fact]
    public async Task DescribeAllChangeSetChanges_YieldsEachChange()
    {
        Reply("DescribeChangeSet-page1.xml");
        Reply("DescribeChangeSet-page2.xml");

        var changes = await _host.CloudFormation()
            .DescribeAllChangeSetChangesAsync(new DescribeChangeSetRequest { ChangeSetName = "cs" }, Ct)
            .ToListAsync(Ct);

        changes.Count.ShouldBe(2);
    }

    [Fact]
    public async Task SingleResponseOperations_AreParsed()
    {
        var client = _host.CloudFormation();
        Reply("UpdateStack.xml");
        (await client.UpdateStackAsync(new UpdateStackRequest { StackName = "env-orders-dev", UsePreviousTemplate = true }, Ct))
            .StackId.ShouldEndWith("stack/env-orders-dev/5b2d6c30-0a1b-11ef-9c55-0a8c4e1a7b11");

        Reply("DeleteStack.xml");
        await client.DeleteStackAsync(new DeleteStackRequest { StackName = "env-orders-dev" }, Ct);

        Reply("DescribeStackResources.xml");
        var resources = (await client.DescribeStackResourcesAsync(new DescribeStackResourcesRequest { StackName = "env-orders-dev" }, Ct)).StackResources;
        resources.Select(r => r.PhysicalResourceId).ShouldBe(["vpc-0a1b2c3d4e5f67890", "orders-dev-db"]);
        resources[0].DriftInformation!.StackResourceDriftStatus.ShouldBe("NOT_CHECKED");
        resources[1].DriftInformation.ShouldBeNull();

        Reply("GetTemplate.xml");
        var template = await client.GetTemplateAsync(new GetTemplateRequest { StackName = "env-orders-dev" }, Ct);
        template.TemplateBody.ShouldStartWith("AWSTemplateFormatVersion: '2010-09-09'\nResources:");
        template.StagesAvailable.ShouldBe([TemplateStage.Original, TemplateStage.Processed]);

        Reply("ValidateTemplate.xml");
        var validation = await client.ValidateTemplateAsync(new ValidateTemplateRequest { TemplateBody = "x" }, Ct);
        validation.Parameters.Select(p => p.ParameterKey).ShouldBe(["EnvironmentName", "ApiDesiredCount"]);
        validation.Parameters[1].DefaultValue.ShouldBe("1");
        validation.Parameters[0].NoEcho.ShouldBe(false);
        validation.Capabilities.ShouldBe([Capability.Iam]);
        validation.CapabilitiesReason.ShouldNotBeNull().ShouldContain("AWS::IAM::Role");
        validation.DeclaredTransforms.ShouldBe(["AWS::LanguageExtensions"]);

        Reply("CreateChangeSet.xml");
        var created = await client.CreateChangeSetAsync(new CreateChangeSetRequest { StackName = "env-orders-dev", ChangeSetName = "cs", ChangeSetType = ChangeSetType.Create }, Ct);
        created.Id.ShouldStartWith("arn:aws:cloudformation:eu-west-1:111111111111:changeSet/");

        Reply("ExecuteChangeSet.xml");
        await client.ExecuteChangeSetAsync(new ExecuteChangeSetRequest { ChangeSetName = "cs", StackName = "env-orders-dev" }, Ct);

        Reply("DeleteChangeSet.xml");
        await client.DeleteChangeSetAsync(new DeleteChangeSetRequest { ChangeSetName = "cs", StackName = "env-orders-dev" }, Ct);

        Reply("DetectStackDrift.xml");
        var detection = await client.DetectStackDriftAsync(new DetectStackDriftRequest { StackName = "env-orders-dev" }, Ct);
        detection.StackDriftDetectionId.ShouldBe("b78ac9b0-dec1-11e7-a451-503a3example");

        Reply("DescribeStackDriftDetectionStatus.xml");
        var status = await client.DescribeStackDriftDetectionStatusAsync(new DescribeStackDriftDetectionStatusRequest(detection.StackDriftDetectionId), Ct);
        status.DetectionStatus.ShouldBe("DETECTION_COMPLETE");
        status.StackDriftStatus.ShouldBe("DRIFTED");
        status.DriftedStackResourceCount.ShouldBe(2);
        status.Timestamp.ShouldBe(new DateTimeOffset(2026, 3, 14, 10, 0, 3, 250, TimeSpan.Zero));

        Reply("DescribeAccountLimits.xml");
        var limits = await client.DescribeAllAccountLimitsAsync(Ct).ToListAsync(Ct);
        limits.ShouldContain(new AccountLimit("StackLimit", 2000));

        foreach (var request in _host.Handler.Requests)
        {
            var operation = request.FormValue("Action");
            ServiceModel.CloudFormation.CheckQuery(operation, request.Form).ShouldBeEmpty(operation);
        }
    }

    [Fact]
    public async Task MutatingCalls_DefaultRoleArnToTheAccountsServiceRole_ButKeepAnExplicitOne()
    {
        Reply("UpdateStack.xml");
        Reply("DeleteStack.xml");
        var client = _host.CloudFormation();

        await client.UpdateStackAsync(new UpdateStackRequest { StackName = "s", UsePreviousTemplate = true, RoleARN = "arn:aws:iam::111111111111:role/other-role-name" }, Ct);
        await client.DeleteStackAsync(new DeleteStackRequest { StackName = "s" }, Ct);

        _host.Handler.Requests[0].FormValue("RoleARN").ShouldBe("arn:aws:iam::111111111111:role/other-role-name");
        _host.Handler.Requests[1].FormValue("RoleARN").ShouldBe("arn:aws:iam::111111111111:role/portal-cfn-exec");
    }

    [Fact]
    public async Task FindStack_ReturnsNull_WhenCloudFormationSaysItDoesNotExist()
    {
        Reply("error-StackNotFound.xml", HttpStatusCode.BadRequest);

        (await _host.CloudFormation().FindStackAsync("env-orders-dev", Ct)).ShouldBeNull();
        _host.Handler.Requests.Count.ShouldBe(1);
    }

    public static TheoryData<string, HttpStatusCode, Type, string> Errors => new()
    {
        { "error-AlreadyExists.xml", HttpStatusCode.BadRequest, typeof(StackAlreadyExistsException), "AlreadyExistsException" },
        { "error-InvalidTemplate.xml", HttpStatusCode.BadRequest, typeof(AwsValidationException), "ValidationError" },
        { "error-StackNotFound.xml", HttpStatusCode.BadRequest, typeof(StackNotFoundException), "ValidationError" },
        { "error-InsufficientCapabilities.xml", HttpStatusCode.BadRequest, typeof(InsufficientCapabilitiesException), "InsufficientCapabilitiesException" },
        { "error-LimitExceeded.xml", HttpStatusCode.BadRequest, typeof(LimitExceededException), "LimitExceededException" },
        { "error-TokenAlreadyExists.xml", HttpStatusCode.BadRequest, typeof(TokenAlreadyExistsException), "TokenAlreadyExistsException" },
        { "error-ChangeSetNotFound.xml", HttpStatusCode.NotFound, typeof(ChangeSetNotFoundException), "ChangeSetNotFound" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task ErrorResponse_BecomesItsTypedException_AndIsNotRetried(string file, HttpStatusCode status, Type expected, string code)
    {
        Reply(file, status);

        var ex = await Should.ThrowAsync<AwsServiceException>(() =>
            _host.CloudFormation().CreateStackAsync(new CreateStackRequest { StackName = "env-orders-dev", TemplateBody = "x" }, Ct));

        ex.GetType().ShouldBe(expected);
        ex.ErrorCode.ShouldBe(code);
        ex.Service.ShouldBe("CloudFormation");
        ex.Operation.ShouldBe("CreateStack");
        ex.StatusCode.ShouldBe(status);
        ex.RequestId.ShouldNotBeNullOrEmpty();
        ex.IsRetryable.ShouldBeFalse();
        _host.Handler.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task UpdateWithNothingToChange_IsAValidationErrorFlaggedNoUpdates()
    {
        Reply("error-NoUpdates.xml", HttpStatusCode.BadRequest);

        var ex = await Should.ThrowAsync<AwsValidationException>(() =>
            _host.CloudFormation().UpdateStackAsync(new UpdateStackRequest { StackName = "env-orders-dev", UsePreviousTemplate = true }, Ct));

        ex.IsNoUpdatesToPerform.ShouldBeTrue();
        ex.IsStackNotFound.ShouldBeFalse();
        ex.ErrorMessage.ShouldBe("No updates are to be performed.");
        ex.RequestId.ShouldNotBeNull();
    }

    [Theory]
    [InlineData("Stack with id env-orders-dev does not exist", true)]
    [InlineData("Stack [env-orders-dev] does not exist", true)]
    [InlineData("Stack with id arn:aws:cloudformation:eu-west-1:111111111111:stack/env-orders-dev/5b2d6c30 does not exist", true)]
    [InlineData("ChangeSet [portal-cs] does not exist", false)]
    [InlineData("Template error: instance of Fn::GetAtt references undefined resource Stack", false)]
    public async Task StackNotFound_IsRecognisedByCloudFormationsWording(string message, bool notFound)
    {
        _host.Handler.Enqueue(HttpStatusCode.BadRequest, $"""
            <ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
              <Error><Type>Sender</Type><Code>ValidationError</Code><Message>{message}</Message></Error>
              <RequestId>r-1</RequestId>
            </ErrorResponse>
            """);

        var ex = await Should.ThrowAsync<AwsValidationException>(() =>
            _host.CloudFormation().DescribeStacksAsync(new DescribeStacksRequest { StackName = "env-orders-dev" }, Ct));

        ex.IsStackNotFound.ShouldBe(notFound);
        (ex is StackNotFoundException).ShouldBe(notFound);
    }

    [Fact]
    public async Task ErrorWithoutRequestIdHeader_TakesTheRequestIdFromTheBody()
    {
        _host.Handler.Enqueue(HttpStatusCode.BadRequest, File.ReadAllText(ServiceModel.TestDataPath("cloudformation", "error-StackNotFound.xml")), requestId: "");

        var ex = await Should.ThrowAsync<StackNotFoundException>(() =>
            _host.CloudFormation().DescribeStacksAsync(new DescribeStacksRequest { StackName = "env-orders-dev" }, Ct));

        ex.RequestId.ShouldBe("33333333-0a1e-11ef-9d7b-example");
    }

    [Fact]
    public async Task Throttling_IsRetried_WithTheSameClientRequestToken_AndAFreshSignature()
    {
        Reply("error-Throttling.xml", HttpStatusCode.BadRequest);
        Reply("error-InternalFailure.xml", HttpStatusCode.InternalServerError);
        Reply("CreateStack.xml");
        _host.Handler.OnRequest = _ => _host.Time.Advance(TimeSpan.FromSeconds(2));
        var token = ClientRequestTokens.For("CreateStack", Guid.NewGuid());

        var response = await _host.CloudFormation().CreateStackAsync(
            new CreateStackRequest { StackName = "env-orders-dev", TemplateBody = "x", ClientRequestToken = token }, Ct);

        response.StackId.ShouldNotBeNullOrEmpty();
        var attempts = _host.Handler.Requests;
        attempts.Count.ShouldBe(3);
        attempts.ShouldAllBe(a => a.FormValue("ClientRequestToken") == token);
        attempts.Select(a => a.Header("X-Amz-Date")).Distinct().Count().ShouldBe(3);
        attempts.Select(a => a.Header("Authorization")).Distinct().Count().ShouldBe(3);
    }

    [Fact]
    public async Task ServiceUnavailableWithoutXml_IsRetried()
    {
        _host.Handler.Enqueue(HttpStatusCode.ServiceUnavailable, "<html>Service Unavailable</html>", "text/html");
        _host.Handler.Enqueue(HttpStatusCode.TooManyRequests, "", "text/plain");
        Reply("DeleteStack.xml");

        await _host.CloudFormation().DeleteStackAsync(new DeleteStackRequest { StackName = "env-orders-dev" }, Ct);

        _host.Handler.Requests.Count.ShouldBe(3);
    }

    [Fact]
    public async Task PersistentThrottling_GivesUpAfterTheConfiguredRetries_WithAThrottlingException()
    {
        for (var i = 0; i < 4; i++)
        {
            Reply("error-Throttling.xml", HttpStatusCode.BadRequest);
        }

        var ex = await Should.ThrowAsync<ThrottlingException>(() =>
            _host.CloudFormation().DescribeStacksAsync(new DescribeStacksRequest(), Ct));

        ex.ErrorMessage.ShouldBe("Rate exceeded");
        _host.Handler.Requests.Count.ShouldBe(4); // 1 + Aws:Retry:MaxRetryAttempts (3)
    }

    [Fact]
    public async Task UnexpectedResponseElement_IsRejected()
    {
        Reply("DeleteStack.xml");

        await Should.ThrowAsync<InvalidDataException>(() =>
            _host.CloudFormation().DescribeStacksAsync(new DescribeStacksRequest(), Ct));
    }
}
