using System.Text.RegularExpressions;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;

namespace Portal.Sandbox.Tests;

public sealed partial class StackLifecycleTests : IAsyncLifetime
{
    private SandboxServer _server = null!;

    public async Task InitializeAsync() => _server = await SandboxServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static CreateStackRequest NetworkVpc(string name, string? token = null) => new()
    {
        StackName = name,
        TemplateBody = Templates.Catalog("network-vpc"),
        Parameters = [Parameter.Of("EnvironmentName", "team-a-dev"), Parameter.Of("VpcCidr", "10.42.0.0/16")],
        Capabilities = [Capability.Iam],
        Tags = [new Tag("portal:environment-id", "env-1"), new Tag("portal:team", "team-a")],
        ClientRequestToken = token,
    };

    [Fact]
    public async Task CreateStack_WithTheNetworkTemplate_ProgressesResourceByResourceToCreateCompleteWithOutputs()
    {
        var client = _server.CloudFormation();
        var created = await client.CreateStackAsync(NetworkVpc("team-a-dev-network", "create-1"), CancellationToken.None);

        created.StackId.ShouldMatch(@"^arn:aws:cloudformation:us-east-1:123456789012:stack/team-a-dev-network/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
        (await client.DescribeAsync("team-a-dev-network")).StackStatus.ShouldBe(StackStatus.CreateInProgress);

        _server.Clock.Advance(TimeSpan.FromSeconds(2));
        var early = await client.EventsAsync("team-a-dev-network");
        early.ShouldContain(e => e.LogicalResourceId == "Vpc" && e.ResourceStatus == "CREATE_IN_PROGRESS" && e.ResourceStatusReason == "Resource creation Initiated");
        early.ShouldNotContain(e => e.LogicalResourceId == "NatGateway1" && e.ResourceStatus == "CREATE_COMPLETE");

        var stack = await _server.SettleAsync(client, "team-a-dev-network");
        stack.StackStatus.ShouldBe(StackStatus.CreateComplete);
        stack.Tags.ShouldContain(new Tag("portal:team", "team-a"));
        stack.Capabilities.ShouldBe([Capability.Iam]);
        stack.Parameters.ShouldContain(p => p.ParameterKey == "Tier" && p.ParameterValue == "dev");
        Output(stack, "VpcId").ShouldMatch("^vpc-[0-9a-f]{17}$");
        Output(stack, "VpcCidr").ShouldBe("10.42.0.0/16");
        Output(stack, "PublicSubnetIds").Split(',').ShouldAllBe(id => SubnetId().IsMatch(id));
        Output(stack, "InternalSecurityGroupId").ShouldMatch("^sg-[0-9a-f]{17}$");

        var events = await client.EventsAsync("team-a-dev-network");
        events.Zip(events.Skip(1)).ShouldAllBe(pair => pair.First.Timestamp >= pair.Second.Timestamp);
        events.ShouldAllBe(e => e.ClientRequestToken == "create-1" && e.StackId == created.StackId && e.StackName == "team-a-dev-network");
        events[0].LogicalResourceId.ShouldBe("team-a-dev-network");
        events[0].ResourceStatus.ShouldBe("CREATE_COMPLETE");
        events[^1].ResourceStatus.ShouldBe("CREATE_IN_PROGRESS");
        events[^1].ResourceStatusReason.ShouldBe("User Initiated");
        events.Select(e => e.EventId).ShouldBeUnique();

        var resources = (await client.DescribeStackResourcesAsync(new DescribeStackResourcesRequest { StackName = "team-a-dev-network" }, CancellationToken.None)).StackResources;
        resources.ShouldNotBeEmpty();
        resources.ShouldAllBe(r => r.ResourceStatus == "CREATE_COMPLETE");
        resources.Single(r => r.LogicalResourceId == "Vpc").PhysicalResourceId.ShouldBe(Output(stack, "VpcId"));
        resources.Single(r => r.ResourceType == "AWS::IAM::Role").PhysicalResourceId.ShouldStartWith("team-a-dev-network-");
    }

    [Fact]
    public async Task CreateStack_ProgressTakesAboutAsLongAsAwsDividedBySpeed()
    {
        var client = _server.CloudFormation();
        await client.CreateStackAsync(new CreateStackRequest { StackName = "db", TemplateBody = Templates.Catalog("rds-postgres"), Parameters = RdsParameters() }, CancellationToken.None);

        // An RDS instance takes about ten minutes in AWS: about 20 s at 30×.
        _server.Clock.Advance(TimeSpan.FromSeconds(12));
        (await client.DescribeAsync("db")).StackStatus.ShouldBe(StackStatus.CreateInProgress);
        _server.Clock.Advance(TimeSpan.FromSeconds(60));
        var stack = await client.DescribeAsync("db");
        stack.StackStatus.ShouldBe(StackStatus.CreateComplete);
        stack.Outputs.ShouldContain(o => o.OutputValue != null && o.OutputValue.EndsWith(".us-east-1.rds.amazonaws.com", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CreateStack_WithoutIamCapability_IsRefusedWithInsufficientCapabilities()
    {
        var request = NetworkVpc("no-caps") with { Capabilities = null };
        var error = await Should.ThrowAsync<InsufficientCapabilitiesException>(() => _server.CloudFormation().CreateStackAsync(request, CancellationToken.None));
        error.ErrorMessage.ShouldBe("Requires capabilities : [CAPABILITY_IAM]");
    }

    [Fact]
    public async Task CreateStack_WithANamedRole_NeedsNamedIam()
    {
        const string Template = """
            Resources:
              Role:
                Type: AWS::IAM::Role
                Properties:
                  RoleName: portal-fixed-name
                  AssumeRolePolicyDocument:
                    Version: "2012-10-17"
                    Statement:
                      - Effect: Allow
                        Principal: { Service: ecs-tasks.amazonaws.com }
                        Action: sts:AssumeRole
            """;
        var client = _server.CloudFormation();
        var error = await Should.ThrowAsync<InsufficientCapabilitiesException>(() => client.CreateStackAsync(
            new CreateStackRequest { StackName = "named", TemplateBody = Template, Capabilities = [Capability.Iam] }, CancellationToken.None));
        error.ErrorMessage.ShouldBe("Requires capabilities : [CAPABILITY_NAMED_IAM]");

        await client.CreateStackAsync(new CreateStackRequest { StackName = "named", TemplateBody = Template, Capabilities = [Capability.NamedIam] }, CancellationToken.None);
        _server.Clock.Advance(TimeSpan.FromMinutes(1));
        (await client.DescribeStackResourcesAsync(new DescribeStackResourcesRequest { StackName = "named" }, CancellationToken.None)).StackResources.Single().PhysicalResourceId.ShouldBe("portal-fixed-name");
    }

    [Fact]
    public async Task CreateStack_WithANameInUse_IsRefusedWithAlreadyExists()
    {
        var client = _server.CloudFormation();
        await client.CreateStackAsync(NetworkVpc("taken"), CancellationToken.None);
        var error = await Should.ThrowAsync<StackAlreadyExistsException>(() => client.CreateStackAsync(NetworkVpc("taken"), CancellationToken.None));
        error.ErrorMessage.ShouldBe("Stack [taken] already exists");
    }

    [Fact]
    public async Task CreateStack_WithAnInvalidName_IsAValidationError()
    {
        var error = await Should.ThrowAsync<AwsValidationException>(() => _server.CloudFormation().CreateStackAsync(NetworkVpc("1-bad_name"), CancellationToken.None));
        error.ErrorMessage.ShouldContain("failed to satisfy constraint: Member must satisfy regular expression pattern");
    }

    [Fact]
    public async Task CreateStack_WithoutARequiredParameter_SaysItMustHaveValues()
    {
        var request = NetworkVpc("missing") with { Parameters = [] };
        var error = await Should.ThrowAsync<AwsValidationException>(() => _server.CloudFormation().CreateStackAsync(request, CancellationToken.None));
        error.ErrorMessage.ShouldBe("Parameters: [EnvironmentName] must have values");
    }

    [Fact]
    public async Task CreateStack_WithAValueOutsideAllowedValues_IsAValidationError()
    {
        var request = NetworkVpc("bad-tier") with { Parameters = [Parameter.Of("EnvironmentName", "team-a-dev"), Parameter.Of("Tier", "qa")] };
        var error = await Should.ThrowAsync<AwsValidationException>(() => _server.CloudFormation().CreateStackAsync(request, CancellationToken.None));
        error.ErrorMessage.ShouldBe("Parameter 'Tier' must be one of AllowedValues");
    }

    [Fact]
    public async Task CreateStack_WithAMalformedTemplate_IsATemplateFormatError()
    {
        var request = new CreateStackRequest { StackName = "broken", TemplateBody = "Resources:\n  X:\n    Type: AWS::Nope::Thing\n" };
        var error = await Should.ThrowAsync<AwsValidationException>(() => _server.CloudFormation().CreateStackAsync(request, CancellationToken.None));
        error.ErrorMessage.ShouldStartWith("Template format error: Unrecognized resource types");
    }

    [Fact]
    public async Task CreateStack_TwiceWithTheSameToken_CreatesOneStack()
    {
        var client = _server.CloudFormation();
        var first = await client.CreateStackAsync(NetworkVpc("once", "token-a"), CancellationToken.None);
        var second = await client.CreateStackAsync(NetworkVpc("once", "token-a"), CancellationToken.None);

        second.StackId.ShouldBe(first.StackId);
        var summaries = (await client.ListStacksAsync(new ListStacksRequest(), CancellationToken.None)).StackSummaries;
        summaries.Count(s => s.StackName == "once").ShouldBe(1);
    }

    [Fact]
    public async Task A_TokenReusedForADifferentOperation_IsTokenAlreadyExists()
    {
        var client = _server.CloudFormation();
        await client.CreateStackAsync(NetworkVpc("tokens", "token-b"), CancellationToken.None);
        await _server.SettleAsync(client, "tokens");

        await Should.ThrowAsync<TokenAlreadyExistsException>(() =>
            client.DeleteStackAsync(new DeleteStackRequest { StackName = "tokens", ClientRequestToken = "token-b" }, CancellationToken.None));
        await Should.ThrowAsync<TokenAlreadyExistsException>(() => client.CreateStackAsync(NetworkVpc("other", "token-b"), CancellationToken.None));
    }

    [Fact]
    public async Task UpdateStack_WhileCreating_IsRefusedNamingTheState()
    {
        var client = _server.CloudFormation();
        var created = await client.CreateStackAsync(NetworkVpc("busy"), CancellationToken.None);
        var error = await Should.ThrowAsync<AwsValidationException>(() => client.UpdateStackAsync(
            new UpdateStackRequest { StackName = "busy", UsePreviousTemplate = true, Capabilities = [Capability.Iam], Parameters = [Parameter.UsePrevious("EnvironmentName")] },
            CancellationToken.None));
        error.ErrorMessage.ShouldBe($"Stack:{created.StackId} is in CREATE_IN_PROGRESS state and can not be updated.");
    }

    [Fact]
    public async Task UpdateStack_WithAChangedParameter_GoesThroughCleanupToUpdateComplete()
    {
        var client = _server.CloudFormation();
        await client.CreateStackAsync(NetworkVpc("upd", "create-u"), CancellationToken.None);
        var before = await _server.SettleAsync(client, "upd");

        var update = new UpdateStackRequest
        {
            StackName = "upd",
            UsePreviousTemplate = true,
            Capabilities = [Capability.Iam],
            Parameters = [Parameter.UsePrevious("EnvironmentName"), Parameter.UsePrevious("VpcCidr"), Parameter.Of("LogRetentionDays", "30")],
            ClientRequestToken = "update-u",
        };
        await client.UpdateStackAsync(update, CancellationToken.None);
        (await client.DescribeAsync("upd")).StackStatus.ShouldBe(StackStatus.UpdateInProgress);
        var after = await _server.SettleAsync(client, "upd");

        after.StackStatus.ShouldBe(StackStatus.UpdateComplete);
        after.LastUpdatedTime.ShouldNotBeNull();
        Output(after, "VpcId").ShouldBe(Output(before, "VpcId"));
        var updateEvents = (await client.EventsAsync("upd")).Where(e => e.ClientRequestToken == "update-u").ToList();
        updateEvents.Where(e => e.LogicalResourceId == "upd").Select(e => e.ResourceStatus).Reverse()
            .ShouldBe(["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE"]);
        updateEvents.ShouldContain(e => e.LogicalResourceId == "FlowLogGroup" && e.ResourceStatus == "UPDATE_COMPLETE");
        updateEvents.ShouldNotContain(e => e.LogicalResourceId == "Vpc");

        // The same token again is the same update: success, no second operation.
        await client.UpdateStackAsync(update, CancellationToken.None);
        (await client.DescribeAsync("upd")).StackStatus.ShouldBe(StackStatus.UpdateComplete);
    }

    [Fact]
    public async Task UpdateStack_WithNothingChanged_SaysNoUpdatesAreToBePerformed()
    {
        var client = _server.CloudFormation();
        await client.CreateStackAsync(NetworkVpc("same"), CancellationToken.None);
        await _server.SettleAsync(client, "same");

        var error = await Should.ThrowAsync<AwsValidationException>(() => client.UpdateStackAsync(
            new UpdateStackRequest
            {
                StackName = "same",
                UsePreviousTemplate = true,
                Capabilities = [Capability.Iam],
                Parameters = [Parameter.UsePrevious("EnvironmentName"), Parameter.UsePrevious("VpcCidr")],
            },
            CancellationToken.None));
        error.ErrorCode.ShouldBe("ValidationError");
        error.ErrorMessage.ShouldBe("No updates are to be performed.");
        error.IsNoUpdatesToPerform.ShouldBeTrue();
    }

    [Fact]
    public async Task A_FailingResource_RollsTheStackBackWithItsReason()
    {
        var client = _server.CloudFormation();
        const string Reason = "Resource handler returned message: \"The requested retention is not available\"";
        _server.Faults.FailLogicalId("FlowLogGroup", Reason);
        await client.CreateStackAsync(NetworkVpc("doomed", "create-d"), CancellationToken.None);

        var stack = await _server.SettleAsync(client, "doomed");
        stack.StackStatus.ShouldBe(StackStatus.RollbackComplete);
        stack.Outputs.ShouldBeEmpty();

        var events = await client.EventsAsync("doomed");
        events.ShouldContain(e => e.LogicalResourceId == "FlowLogGroup" && e.ResourceStatus == "CREATE_FAILED" && e.ResourceStatusReason == Reason);
        var rollback = events.Single(e => e.LogicalResourceId == "doomed" && e.ResourceStatus == "ROLLBACK_IN_PROGRESS");
        rollback.ResourceStatusReason.ShouldStartWith("The following resource(s) failed to create: [");
        rollback.ResourceStatusReason.ShouldContain("FlowLogGroup");
        var vpcDeleted = events.Single(e => e.LogicalResourceId == "Vpc" && e.ResourceStatus == "DELETE_COMPLETE");
        var igwDeleted = events.Single(e => e.LogicalResourceId == "InternetGateway" && e.ResourceStatus == "DELETE_COMPLETE");
        events.Where(e => e.ResourceStatus == "DELETE_COMPLETE" && e.LogicalResourceId is "PublicSubnet1").ShouldAllBe(e => e.Timestamp <= vpcDeleted.Timestamp);
        igwDeleted.ShouldNotBeNull();
        (await client.DescribeStackResourcesAsync(new DescribeStackResourcesRequest { StackName = "doomed" }, CancellationToken.None)).StackResources.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_FailingResource_WithOnFailureDoNothing_LeavesCreateFailed()
    {
        var client = _server.CloudFormation();
        _server.Faults.FailResourceType("AWS::EC2::NatGateway", "Resource handler returned message: \"The maximum number of NAT gateways has been reached.\"");
        await client.CreateStackAsync(NetworkVpc("kept") with { OnFailure = OnFailure.DoNothing }, CancellationToken.None);

        var stack = await _server.SettleAsync(client, "kept");
        stack.StackStatus.ShouldBe(StackStatus.CreateFailed);
        stack.StackStatusReason.ShouldNotBeNull().ShouldContain("NatGateway");
        var resources = (await client.DescribeStackResourcesAsync(new DescribeStackResourcesRequest { StackName = "kept" }, CancellationToken.None)).StackResources;
        resources.ShouldContain(r => r.ResourceType == "AWS::EC2::NatGateway" && r.ResourceStatus == "CREATE_FAILED");
        resources.ShouldContain(r => r.LogicalResourceId == "Vpc" && r.ResourceStatus == "CREATE_COMPLETE");
    }

    [Fact]
    public async Task DeleteStack_LeavesTheStackVisibleByIdOnly()
    {
        var client = _server.CloudFormation();
        var created = await client.CreateStackAsync(NetworkVpc("gone"), CancellationToken.None);
        await _server.SettleAsync(client, "gone");

        await client.DeleteStackAsync(new DeleteStackRequest { StackName = "gone", ClientRequestToken = "delete-g" }, CancellationToken.None);
        (await client.DescribeAsync("gone")).StackStatus.ShouldBe(StackStatus.DeleteInProgress);
        var deleted = await _server.SettleAsync(client, created.StackId);

        deleted.StackStatus.ShouldBe(StackStatus.DeleteComplete);
        deleted.DeletionTime.ShouldNotBeNull();
        var error = await Should.ThrowAsync<StackNotFoundException>(() => client.DescribeAsync("gone"));
        error.ErrorMessage.ShouldBe("Stack with id gone does not exist");
        var summaries = (await client.ListStacksAsync(new ListStacksRequest { StackStatusFilter = [StackStatus.DeleteComplete] }, CancellationToken.None)).StackSummaries;
        summaries.ShouldContain(s => s.StackId == created.StackId);
        (await client.FindStackAsync("gone", CancellationToken.None)).ShouldBeNull();

        // The name is free again.
        await client.CreateStackAsync(NetworkVpc("gone"), CancellationToken.None);
    }

    [Fact]
    public async Task DeleteStack_WhileCreating_CancelsTheRestAndDeletesWhatWasStarted()
    {
        var client = _server.CloudFormation();
        await client.CreateStackAsync(NetworkVpc("hasty"), CancellationToken.None);
        _server.Clock.Advance(TimeSpan.FromSeconds(1));
        await client.DeleteStackAsync(new DeleteStackRequest { StackName = "hasty" }, CancellationToken.None);

        (await client.DescribeAsync("hasty")).StackStatus.ShouldBe(StackStatus.DeleteInProgress);
        _server.Clock.Advance(TimeSpan.FromMinutes(30));
        (await client.FindStackAsync("hasty", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task ChangeSet_ListsAddModifyAndRemoveWithReplacement_AndExecutingItUpdatesTheStack()
    {
        var client = _server.CloudFormation();
        const string V1 = """
            Resources:
              Assets:
                Type: AWS::S3::Bucket
                Properties:
                  BucketName: assets-one
              Logs:
                Type: AWS::Logs::LogGroup
                Properties:
                  RetentionInDays: 7
              Queue:
                Type: AWS::SQS::Queue
            """;
        const string V2 = """
            Resources:
              Assets:
                Type: AWS::S3::Bucket
                Properties:
                  BucketName: assets-two
              Logs:
                Type: AWS::Logs::LogGroup
                Properties:
                  RetentionInDays: 14
              Alerts:
                Type: AWS::SNS::Topic
            """;
        await client.CreateStackAsync(new CreateStackRequest { StackName = "cs", TemplateBody = V1 }, CancellationToken.None);
        await _server.SettleAsync(client, "cs");

        var created = await client.CreateChangeSetAsync(new CreateChangeSetRequest { StackName = "cs", ChangeSetName = "v2", TemplateBody = V2 }, CancellationToken.None);
        created.Id.ShouldStartWith("arn:aws:cloudformation:us-east-1:123456789012:changeSet/v2/");
        _server.Clock.Advance(TimeSpan.FromSeconds(1));
        var described = await client.DescribeFullChangeSetAsync(new DescribeChangeSetRequest { ChangeSetName = created.Id }, CancellationToken.None);

        described.Status.ShouldBe(ChangeSetStatus.CreateComplete);
        described.ExecutionStatus.ShouldBe("AVAILABLE");
        var changes = described.Changes.Select(c => c.ResourceChange!).ToDictionary(c => c.LogicalResourceId!);
        changes["Alerts"].Action.ShouldBe("Add");
        changes["Queue"].Action.ShouldBe("Remove");
        changes["Assets"].Action.ShouldBe("Modify");
        changes["Assets"].Replacement.ShouldBe("True");
        changes["Assets"].PhysicalResourceId.ShouldBe("assets-one");
        changes["Assets"].Details.ShouldContain(d => d.Target!.Name == "BucketName" && d.Target.RequiresRecreation == "Always");
        changes["Logs"].Replacement.ShouldBe("False");
        changes["Logs"].Scope.ShouldBe(["Properties"]);
        changes["Logs"].Details.Single().Target!.Name.ShouldBe("RetentionInDays");
        (await client.DescribeAsync("cs")).StackStatus.ShouldBe(StackStatus.CreateComplete);

        await client.ExecuteChangeSetAsync(new ExecuteChangeSetRequest { ChangeSetName = "v2", StackName = "cs", ClientRequestToken = "exec-v2" }, CancellationToken.None);
        var stack = await _server.SettleAsync(client, "cs");
        stack.StackStatus.ShouldBe(StackStatus.UpdateComplete);
        var resources = (await client.DescribeStackResourcesAsync(new DescribeStackResourcesRequest { StackName = "cs" }, CancellationToken.None)).StackResources;
        resources.Select(r => r.LogicalResourceId).Order().ShouldBe(["Alerts", "Assets", "Logs"]);
        resources.Single(r => r.LogicalResourceId == "Assets").PhysicalResourceId.ShouldBe("assets-two");
        var events = await client.EventsAsync("cs");
        events.ShouldContain(e => e.PhysicalResourceId == "assets-one" && e.ResourceStatus == "DELETE_COMPLETE");
        events.ShouldContain(e => e.LogicalResourceId == "Assets" && e.ResourceStatusReason == "Requested update requires the creation of a new physical resource; hence creating one.");
        (await client.DescribeChangeSetAsync(new DescribeChangeSetRequest { ChangeSetName = created.Id }, CancellationToken.None)).ExecutionStatus.ShouldBe("EXECUTE_COMPLETE");
    }

    [Fact]
    public async Task ChangeSet_OfTypeCreate_KeepsTheStackInReviewUntilExecuted()
    {
        var client = _server.CloudFormation();
        var created = await client.CreateChangeSetAsync(
            new CreateChangeSetRequest { StackName = "fresh", ChangeSetName = "initial", ChangeSetType = ChangeSetType.Create, TemplateBody = Templates.SingleLogGroup },
            CancellationToken.None);
        (await client.DescribeAsync("fresh")).StackStatus.ShouldBe(StackStatus.ReviewInProgress);
        _server.Clock.Advance(TimeSpan.FromSeconds(1));
        var described = await client.DescribeChangeSetAsync(new DescribeChangeSetRequest { ChangeSetName = "initial", StackName = "fresh" }, CancellationToken.None);
        described.Changes.Single().ResourceChange!.Action.ShouldBe("Add");

        await client.ExecuteChangeSetAsync(new ExecuteChangeSetRequest { ChangeSetName = created.Id }, CancellationToken.None);
        var stack = await _server.SettleAsync(client, "fresh");
        stack.StackStatus.ShouldBe(StackStatus.CreateComplete);
        Output(stack, "LogGroupName").ShouldStartWith("fresh-Logs-");
    }

    [Fact]
    public async Task ChangingStackTags_ModifiesEveryResourceInPlace()
    {
        var client = _server.CloudFormation();
        await client.CreateStackAsync(new CreateStackRequest { StackName = "tagged", TemplateBody = Templates.SingleLogGroup, Tags = [new Tag("portal:team", "a")] }, CancellationToken.None);
        await _server.SettleAsync(client, "tagged");

        await client.CreateChangeSetAsync(
            new CreateChangeSetRequest { StackName = "tagged", ChangeSetName = "retag", UsePreviousTemplate = true, Tags = [new Tag("portal:team", "b")] }, CancellationToken.None);
        _server.Clock.Advance(TimeSpan.FromSeconds(1));
        var change = (await client.DescribeChangeSetAsync(new DescribeChangeSetRequest { ChangeSetName = "retag", StackName = "tagged" }, CancellationToken.None)).Changes.Single().ResourceChange!;
        change.Action.ShouldBe("Modify");
        change.Replacement.ShouldBe("False");
        change.Scope.ShouldBe(["Tags"]);

        await client.ExecuteChangeSetAsync(new ExecuteChangeSetRequest { ChangeSetName = "retag", StackName = "tagged" }, CancellationToken.None);
        var stack = await _server.SettleAsync(client, "tagged");
        stack.StackStatus.ShouldBe(StackStatus.UpdateComplete);
        stack.Tags.ShouldBe([new Tag("portal:team", "b")]);
    }

    [Fact]
    public async Task ChangeSet_WithNoChanges_IsFailedWithAwsReason()
    {
        var client = _server.CloudFormation();
        await client.CreateStackAsync(new CreateStackRequest { StackName = "steady", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);
        await _server.SettleAsync(client, "steady");
        await client.CreateChangeSetAsync(new CreateChangeSetRequest { StackName = "steady", ChangeSetName = "nothing", UsePreviousTemplate = true }, CancellationToken.None);
        _server.Clock.Advance(TimeSpan.FromSeconds(1));

        var described = await client.DescribeChangeSetAsync(new DescribeChangeSetRequest { ChangeSetName = "nothing", StackName = "steady" }, CancellationToken.None);
        described.Status.ShouldBe(ChangeSetStatus.Failed);
        described.StatusReason.ShouldBe("The submitted information didn't contain changes. Submit different information to create a change set.");
        await client.DeleteChangeSetAsync(new DeleteChangeSetRequest { ChangeSetName = "nothing", StackName = "steady" }, CancellationToken.None);
        await Should.ThrowAsync<ChangeSetNotFoundException>(() =>
            client.DescribeChangeSetAsync(new DescribeChangeSetRequest { ChangeSetName = "nothing", StackName = "steady" }, CancellationToken.None));
    }

    [Fact]
    public async Task GetTemplate_ValidateTemplate_Drift_AndLimits_AnswerLikeAws()
    {
        var client = _server.CloudFormation();
        var body = Templates.Catalog("network-vpc");
        var validated = await client.ValidateTemplateAsync(new ValidateTemplateRequest { TemplateBody = body }, CancellationToken.None);
        validated.Capabilities.ShouldBe([Capability.Iam]);
        validated.Parameters.ShouldContain(p => p.ParameterKey == "VpcCidr" && p.DefaultValue == "10.20.0.0/16");

        await client.CreateStackAsync(NetworkVpc("tpl"), CancellationToken.None);
        (await client.GetTemplateAsync(new GetTemplateRequest { StackName = "tpl" }, CancellationToken.None)).TemplateBody.ShouldBe(body);
        await _server.SettleAsync(client, "tpl");

        var drift = await client.DetectStackDriftAsync(new DetectStackDriftRequest { StackName = "tpl" }, CancellationToken.None);
        _server.Clock.Advance(TimeSpan.FromSeconds(5));
        var status = await client.DescribeStackDriftDetectionStatusAsync(new DescribeStackDriftDetectionStatusRequest(drift.StackDriftDetectionId), CancellationToken.None);
        status.DetectionStatus.ShouldBe("DETECTION_COMPLETE");
        status.StackDriftStatus.ShouldBe("IN_SYNC");

        var limits = await client.DescribeAccountLimitsAsync(new DescribeAccountLimitsRequest(), CancellationToken.None);
        limits.AccountLimits.ShouldContain(new AccountLimit("StackLimit", 2000));
    }

    [Fact]
    public async Task Throttling_IsRetriedByTheClient_AndEventuallySucceeds()
    {
        var client = _server.CloudFormation();
        _server.Faults.ThrottleNext(2);
        var limits = await client.DescribeAccountLimitsAsync(new DescribeAccountLimitsRequest(), CancellationToken.None);
        limits.AccountLimits.ShouldNotBeEmpty();

        _server.Faults.ThrottleNext(50);
        var error = await Should.ThrowAsync<ThrottlingException>(() => client.DescribeAccountLimitsAsync(new DescribeAccountLimitsRequest(), CancellationToken.None));
        error.ErrorCode.ShouldBe("Throttling");
        error.ErrorMessage.ShouldBe("Rate exceeded");
    }

    [Fact]
    public async Task AHeldAction_WaitsUntilReleased_OtherActionsDoNot()
    {
        var client = _server.CloudFormation();
        var hold = _server.Faults.Hold("CreateStack");
        var create = client.CreateStackAsync(NetworkVpc("held"), CancellationToken.None);

        // Other actions are answered while CreateStack waits, and it has not been handled: no stack yet.
        (await client.FindStackAsync("held", CancellationToken.None)).ShouldBeNull();
        create.IsCompleted.ShouldBeFalse();

        hold.Dispose();
        (await create.WaitAsync(TimeSpan.FromSeconds(30))).StackId.ShouldNotBeNull();
        (await client.DescribeAsync("held")).StackStatus.ShouldBe(StackStatus.CreateInProgress);
        await client.CreateStackAsync(NetworkVpc("not-held"), CancellationToken.None);
    }

    [Fact]
    public async Task Stacks_AreSeparatePerRegion()
    {
        await _server.CloudFormation("us-west-2").CreateStackAsync(NetworkVpc("west"), CancellationToken.None);
        (await _server.CloudFormation().FindStackAsync("west", CancellationToken.None)).ShouldBeNull();
        (await _server.CloudFormation("us-west-2").DescribeAsync("west")).StackId!.ShouldStartWith("arn:aws:cloudformation:us-west-2:");
    }

    internal static IReadOnlyList<Parameter> RdsParameters() =>
    [
        Parameter.Of("EnvironmentName", "team-a-dev"),
        Parameter.Of("VpcId", "vpc-0123456789abcdef0"),
        Parameter.Of("DbSubnetIds", "subnet-0123456789abcdef0,subnet-0123456789abcdef1"),
        Parameter.Of("DbIops", "0"),
    ];

    private static string Output(Stack stack, string key) => stack.Outputs.Single(o => o.OutputKey == key).OutputValue!;

    [GeneratedRegex("^subnet-[0-9a-f]{17}$")]
    private static partial Regex SubnetId();
}
