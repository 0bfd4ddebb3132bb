using System.Net;
using System.Text;
using System.Text.Json;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Aws.CostExplorer;

namespace Portal.Sandbox.Tests;

/// <summary>
/// What an outside check with another official AWS SDK found (issue 17, part 4), driven with the portal's clients and the
/// AWS CLI: a change set replacing two resources with one physical id, the operations real tools call, AWS's error wording
/// and status codes, ResourceProperties on events, and Cost Explorer's paging.
/// </summary>
public sealed class SdkCompatibilityTests : IAsyncLifetime
{
    private const string BucketWithPolicy = """
        Parameters:
          BucketName:
            Type: String
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
            Properties:
              BucketName: !Ref BucketName
          BucketPolicy:
            Type: AWS::S3::BucketPolicy
            Properties:
              Bucket: !Ref Bucket
              PolicyDocument:
                Version: '2012-10-17'
                Statement:
                  - Effect: Deny
                    Principal: '*'
                    Action: 's3:*'
                    Resource: !Sub 'arn:aws:s3:::${Bucket}/*'
                    Condition:
                      Bool:
                        'aws:SecureTransport': 'false'
        """;

    private const string Exporter = """
        Resources:
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: 7
        Outputs:
          LogGroupName:
            Value: !Ref Logs
            Export:
              Name: shared-logs
        """;

    private const string Importer = """
        AWSTemplateFormatVersion: '2010-09-09'
        Description: Reads the shared log group.
        Metadata:
          Owner: platform
        Parameters:
          Retention:
            Type: Number
            Default: 7
            AllowedValues: [7, 14]
        Resources:
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: !Ref Retention
        Outputs:
          Shared:
            Value: !ImportValue shared-logs
        """;

    private const string Bounded = """
        Parameters:
          Count:
            Type: Number
            MinValue: 1
            MaxValue: 10
          Label:
            Type: String
            MinLength: 3
            AllowedPattern: '[a-z]+'
        Resources:
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: 7
        """;

    private SandboxServer _server = null!;

    private string Endpoint => _server.CloudFormationUrl;

    public async Task InitializeAsync() => _server = await SandboxServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static string ManyLogGroups(int count)
    {
        var body = new StringBuilder("Resources:\n");
        for (var i = 0; i < count; i++)
        {
            body.Append(System.Globalization.CultureInfo.InvariantCulture, $"  Logs{i:000}:\n    Type: AWS::Logs::LogGroup\n");
            if (i == 0)
            {
                body.Append("    Metadata:\n      Owner: platform\n");
            }

            body.Append("    Properties:\n      RetentionInDays: 7\n");
        }

        return body.ToString();
    }

    [Fact]
    public async Task CreateChangeSet_ReplacingABucketAndItsPolicy_WhichShareAPhysicalId_ListsBothReplacements()
    {
        var client = _server.CloudFormation();
        await client.CreateStackAsync(
            new CreateStackRequest { StackName = "site", TemplateBody = BucketWithPolicy, Parameters = [Parameter.Of("BucketName", "site-assets-one")] }, CancellationToken.None);
        (await _server.SettleAsync(client, "site")).StackStatus.ShouldBe(StackStatus.CreateComplete);

        await client.CreateChangeSetAsync(
            new CreateChangeSetRequest { StackName = "site", ChangeSetName = "rename", UsePreviousTemplate = true, Parameters = [Parameter.Of("BucketName", "site-assets-two")] },
            CancellationToken.None);
        _server.Clock.Advance(TimeSpan.FromSeconds(5));
        var described = await client.DescribeFullChangeSetAsync(new DescribeChangeSetRequest { StackName = "site", ChangeSetName = "rename" }, CancellationToken.None);

        described.Status.ShouldBe(ChangeSetStatus.CreateComplete);
        var changes = described.Changes.Select(c => c.ResourceChange!).ToDictionary(c => c.LogicalResourceId!);
        changes["Bucket"].Replacement.ShouldBe("True");
        changes["Bucket"].PhysicalResourceId.ShouldBe("site-assets-one");
        changes["BucketPolicy"].Replacement.ShouldBe("True");
        changes["BucketPolicy"].PhysicalResourceId.ShouldBe("site-assets-one");
        changes["BucketPolicy"].Details.ShouldContain(d => d.ChangeSource == "ResourceReference" && d.CausingEntity == "Bucket");

        await client.ExecuteChangeSetAsync(new ExecuteChangeSetRequest { StackName = "site", ChangeSetName = "rename" }, CancellationToken.None);
        (await _server.SettleAsync(client, "site")).StackStatus.ShouldBe(StackStatus.UpdateComplete);
    }

    [Fact]
    public async Task ListStackResources_PagesAtOneHundred_AndDescribeStackResource_AnswersOne()
    {
        var client = _server.CloudFormation();
        await client.CreateStackAsync(new CreateStackRequest { StackName = "many", TemplateBody = ManyLogGroups(130) }, CancellationToken.None);
        await _server.SettleAsync(client, "many");

        var first = await client.ListStackResourcesAsync(new ListStackResourcesRequest { StackName = "many" }, CancellationToken.None);
        first.StackResourceSummaries.Count.ShouldBe(100);
        first.NextToken.ShouldNotBeNull();
        var all = new List<StackResourceSummary>();
        await foreach (var resource in client.ListAllStackResourcesAsync("many", CancellationToken.None))
        {
            all.Add(resource);
        }

        all.Count.ShouldBe(130);
        all.Select(r => r.LogicalResourceId).ShouldBeUnique();
        all.ShouldAllBe(r => r.ResourceType == "AWS::Logs::LogGroup" && r.ResourceStatus == "CREATE_COMPLETE" && r.PhysicalResourceId != null);

        // The AWS CLI follows the NextToken itself and sees the same 130.
        var listed = await AwsCliRunner.JsonAsync(Endpoint, "cloudformation", "list-stack-resources", "--stack-name", "many");
        listed.GetProperty("StackResourceSummaries").GetArrayLength().ShouldBe(130);

        var detail = (await AwsCliRunner.JsonAsync(Endpoint, "cloudformation", "describe-stack-resource", "--stack-name", "many", "--logical-resource-id", "Logs000"))
            .GetProperty("StackResourceDetail");
        detail.GetProperty("ResourceType").GetString().ShouldBe("AWS::Logs::LogGroup");
        detail.GetProperty("ResourceStatus").GetString().ShouldBe("CREATE_COMPLETE");
        JsonDocument.Parse(detail.GetProperty("Metadata").GetString()!).RootElement.GetProperty("Owner").GetString().ShouldBe("platform");

        var missing = await AwsCliRunner.RunAsync(Endpoint, "cloudformation", "describe-stack-resource", "--stack-name", "many", "--logical-resource-id", "Nope");
        missing.ExitCode.ShouldNotBe(0);
        missing.Stderr.ShouldContain("Resource Nope does not exist for stack many");
    }

    [Fact]
    public async Task GetTemplateSummary_ListExports_ListImports_AndListChangeSets_AnswerInAwsShapes()
    {
        var client = _server.CloudFormation();
        await client.CreateStackAsync(new CreateStackRequest { StackName = "exporter", TemplateBody = Exporter }, CancellationToken.None);
        await _server.SettleAsync(client, "exporter");
        await client.CreateStackAsync(new CreateStackRequest { StackName = "importer", TemplateBody = Importer }, CancellationToken.None);
        await _server.SettleAsync(client, "importer");

        var summary = await AwsCliRunner.JsonAsync(Endpoint, "cloudformation", "get-template-summary", "--template-body", Importer);
        summary.GetProperty("Description").GetString().ShouldBe("Reads the shared log group.");
        summary.GetProperty("Version").GetString().ShouldBe("2010-09-09");
        summary.GetProperty("ResourceTypes").EnumerateArray().Select(t => t.GetString()).ShouldBe(["AWS::Logs::LogGroup"]);
        var parameter = summary.GetProperty("Parameters")[0];
        parameter.GetProperty("ParameterKey").GetString().ShouldBe("Retention");
        parameter.GetProperty("ParameterType").GetString().ShouldBe("Number");
        parameter.GetProperty("DefaultValue").GetString().ShouldBe("7");
        parameter.GetProperty("ParameterConstraints").GetProperty("AllowedValues").EnumerateArray().Select(v => v.GetString()).ShouldBe(["7", "14"]);
        JsonDocument.Parse(summary.GetProperty("Metadata").GetString()!).RootElement.GetProperty("Owner").GetString().ShouldBe("platform");
        var identifiers = summary.GetProperty("ResourceIdentifierSummaries")[0];
        identifiers.GetProperty("LogicalResourceIds").EnumerateArray().Select(v => v.GetString()).ShouldBe(["Logs"]);
        identifiers.GetProperty("ResourceIdentifiers").EnumerateArray().Select(v => v.GetString()).ShouldBe(["LogGroupName"]);
        var byStack = await AwsCliRunner.JsonAsync(Endpoint, "cloudformation", "get-template-summary", "--stack-name", "exporter");
        byStack.GetProperty("ResourceTypes").EnumerateArray().Select(t => t.GetString()).ShouldBe(["AWS::Logs::LogGroup"]);

        var exports = (await AwsCliRunner.JsonAsync(Endpoint, "cloudformation", "list-exports")).GetProperty("Exports");
        exports.GetArrayLength().ShouldBe(1);
        exports[0].GetProperty("Name").GetString().ShouldBe("shared-logs");
        exports[0].GetProperty("ExportingStackId").GetString().ShouldBe((await client.DescribeAsync("exporter")).StackId);
        exports[0].GetProperty("Value").GetString().ShouldNotBeNullOrEmpty();

        var imports = await AwsCliRunner.JsonAsync(Endpoint, "cloudformation", "list-imports", "--export-name", "shared-logs");
        imports.GetProperty("Imports").EnumerateArray().Select(i => i.GetString()).ShouldBe(["importer"]);
        var unknown = await AwsCliRunner.RunAsync(Endpoint, "cloudformation", "list-imports", "--export-name", "nobody-exports-this");
        unknown.ExitCode.ShouldNotBe(0);
        unknown.Stderr.ShouldContain("Export 'nobody-exports-this' does not exist.");

        await client.CreateChangeSetAsync(
            new CreateChangeSetRequest { StackName = "importer", ChangeSetName = "longer", UsePreviousTemplate = true, Parameters = [Parameter.Of("Retention", "14")], Description = "two weeks" },
            CancellationToken.None);
        var listed = (await AwsCliRunner.JsonAsync(Endpoint, "cloudformation", "list-change-sets", "--stack-name", "importer")).GetProperty("Summaries");
        listed.GetArrayLength().ShouldBe(1);
        listed[0].GetProperty("ChangeSetName").GetString().ShouldBe("longer");
        listed[0].GetProperty("StackName").GetString().ShouldBe("importer");
        listed[0].GetProperty("Status").GetString().ShouldBe("CREATE_IN_PROGRESS");
        listed[0].GetProperty("ExecutionStatus").GetString().ShouldBe("UNAVAILABLE");
        listed[0].GetProperty("Description").GetString().ShouldBe("two weeks");
        _server.Clock.Advance(TimeSpan.FromSeconds(5));
        listed = (await AwsCliRunner.JsonAsync(Endpoint, "cloudformation", "list-change-sets", "--stack-name", "importer")).GetProperty("Summaries");
        listed[0].GetProperty("Status").GetString().ShouldBe("CREATE_COMPLETE");
        listed[0].GetProperty("ExecutionStatus").GetString().ShouldBe("AVAILABLE");
    }

    [Fact]
    public async Task Errors_UseAwsWordingAndStatusCodes()
    {
        var update = await AwsCliRunner.RunAsync(Endpoint, "cloudformation", "update-stack", "--stack-name", "ghost", "--template-body", Templates.SingleLogGroup);
        update.ExitCode.ShouldNotBe(0);
        update.Stderr.ShouldContain("Stack [ghost] does not exist");

        var events = await AwsCliRunner.RunAsync(Endpoint, "cloudformation", "describe-stack-events", "--stack-name", "ghost");
        events.ExitCode.ShouldNotBe(0);
        events.Stderr.ShouldContain("Stack [ghost] does not exist");

        // DescribeStacks keeps its own wording, and the portal's client still reads both as a missing stack.
        var client = _server.CloudFormation();
        (await Should.ThrowAsync<StackNotFoundException>(() => client.DescribeStacksAsync(new DescribeStacksRequest { StackName = "ghost" }, CancellationToken.None)))
            .ErrorMessage.ShouldBe("Stack with id ghost does not exist");
        (await Should.ThrowAsync<StackNotFoundException>(() => client.UpdateStackAsync(new UpdateStackRequest { StackName = "ghost", UsePreviousTemplate = true }, CancellationToken.None)))
            .ErrorMessage.ShouldBe("Stack [ghost] does not exist");

        var badName = await AwsCliRunner.RunAsync(Endpoint, "cloudformation", "create-stack", "--stack-name", "bad_name", "--template-body", Templates.SingleLogGroup);
        badName.ExitCode.ShouldNotBe(0);
        badName.Stderr.ShouldContain("Value 'bad_name' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*");

        await client.CreateStackAsync(new CreateStackRequest { StackName = "real", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);
        var notFound = await Should.ThrowAsync<ChangeSetNotFoundException>(() =>
            client.DescribeChangeSetAsync(new DescribeChangeSetRequest { StackName = "real", ChangeSetName = "never" }, CancellationToken.None));
        notFound.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        notFound.ErrorMessage.ShouldBe("ChangeSet [never] does not exist");

        async Task<string> RefusedAsync(string count, string label)
        {
            var e = await Should.ThrowAsync<AwsValidationException>(() => client.CreateStackAsync(
                new CreateStackRequest { StackName = "bounded", TemplateBody = Bounded, Parameters = [Parameter.Of("Count", count), Parameter.Of("Label", label)] },
                CancellationToken.None));
            return e.ErrorMessage;
        }

        (await RefusedAsync("0", "abc")).ShouldBe("Parameter 'Count' must be a number not less than 1");
        (await RefusedAsync("11", "abc")).ShouldBe("Parameter 'Count' must be a number not greater than 10");
        (await RefusedAsync("five", "abc")).ShouldBe("Parameter 'Count' must be a number");
        (await RefusedAsync("5", "ab")).ShouldBe("Parameter 'Label' must contain at least 3 characters");
        (await RefusedAsync("5", "ABC")).ShouldBe("Parameter 'Label' must match pattern [a-z]+");
    }

    [Fact]
    public async Task DescribeStackEvents_CarryResourcePropertiesOnCreateAndUpdateEvents()
    {
        var client = _server.CloudFormation();
        await client.CreateStackAsync(new CreateStackRequest { StackName = "props", TemplateBody = Templates.SingleLogGroup }, CancellationToken.None);
        await _server.SettleAsync(client, "props");

        var events = (await AwsCliRunner.JsonAsync(Endpoint, "cloudformation", "describe-stack-events", "--stack-name", "props")).GetProperty("StackEvents").EnumerateArray().ToList();
        var creating = events.Single(e => e.GetProperty("LogicalResourceId").GetString() == "Logs" && e.GetProperty("ResourceStatus").GetString() == "CREATE_IN_PROGRESS"
            && e.TryGetProperty("ResourceStatusReason", out var reason) && reason.GetString() == "Resource creation Initiated");
        JsonDocument.Parse(creating.GetProperty("ResourceProperties").GetString()!).RootElement.GetProperty("RetentionInDays").ToString().ShouldBe("7");
        events.Where(e => e.GetProperty("ResourceType").GetString() == "AWS::CloudFormation::Stack" && e.TryGetProperty("ResourceProperties", out var _)).ShouldBeEmpty();
    }

    [Fact]
    public async Task GetCostAndUsage_PagesWholeDays_AndListsEveryPeriod_EvenWithoutGroups()
    {
        await using var server = await SandboxServer.StartAsync(settings: new Dictionary<string, string?> { ["Sandbox:CostExplorerPageSize"] = "7" });
        await server.Admin.BackfillAsync(6, CancellationToken.None);
        var client = server.CostExplorer();
        var today = DateOnly.FromDateTime(SandboxServer.Start.UtcDateTime);
        var request = new GetCostAndUsageRequest
        {
            TimePeriod = DateInterval.Days(today.AddDays(-5), today.AddDays(1)),
            Granularity = Granularity.Daily,
            Metrics = [CostMetric.UnblendedCost],
            GroupBy = [GroupDefinition.Dimension("SERVICE"), GroupDefinition.Dimension("REGION")],
        };

        var pages = new List<GetCostAndUsageResponse>();
        await foreach (var page in client.GetCostAndUsagePagesAsync(request, CancellationToken.None))
        {
            pages.Add(page);
        }

        pages.Count.ShouldBeGreaterThan(1);
        var periods = pages.SelectMany(p => p.ResultsByTime.Select(r => r.TimePeriod!.Start)).ToList();
        periods.ShouldBeUnique(); // no day is split across pages
        periods.Count.ShouldBe(6);
        pages.SkipLast(1).ShouldAllBe(p => p.ResultsByTime.Sum(r => r.Groups.Count) <= 7 || p.ResultsByTime.Count == 1);

        // A filter no row matches: every period still has its entry, with no groups.
        var empty = await client.GetCostAndUsageAsync(
            request with { Filter = Expression.Dimension("REGION", "ap-south-2") }, CancellationToken.None);
        empty.ResultsByTime.Count.ShouldBe(6);
        empty.ResultsByTime.ShouldAllBe(r => r.Groups.Count == 0);
        empty.NextPageToken.ShouldBeNull();

        var window = $"Start={request.TimePeriod.Start},End={request.TimePeriod.End}";
        var services = await AwsCliRunner.JsonAsync(server.CostExplorerUrl, "ce", "get-dimension-values", "--dimension", "SERVICE",
            "--time-period", window);
        var values = services.GetProperty("DimensionValues").EnumerateArray().Select(v => v.GetProperty("Value").GetString()).ToList();
        values.ShouldContain("AmazonCloudWatch");
        values.ShouldBe(values.Order(StringComparer.Ordinal).ToList());
        services.GetProperty("TotalSize").GetInt32().ShouldBe(values.Count);
        var searched = await AwsCliRunner.JsonAsync(server.CostExplorerUrl, "ce", "get-dimension-values", "--dimension", "SERVICE", "--search-string", "cloudwatch",
            "--time-period", window);
        searched.GetProperty("DimensionValues").EnumerateArray().Select(v => v.GetProperty("Value").GetString()).ShouldBe(["AmazonCloudWatch"]);
    }
}
