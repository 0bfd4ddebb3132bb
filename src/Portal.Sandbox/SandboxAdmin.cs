using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Portal.Sandbox.CloudFormation;
using Portal.Sandbox.Http;

namespace Portal.Sandbox;

/// <summary>Operations on the sandbox that AWS has no API for: back-dated demo stacks, so cost history exists from day one.</summary>
public interface ISandboxAdmin
{
    /// <summary>
    /// Creates demo stacks (three teams × dev and prod, tagged <c>portal:environment-id</c>, <c>portal:team</c>, <c>portal:tier</c>)
    /// as if created <paramref name="days"/> days ago, one of them deleted half-way; they bill from then on. Stacks that already
    /// exist are left alone. Returns the demo stacks' ids.
    /// </summary>
    Task<IReadOnlyList<string>> BackfillAsync(int days, CancellationToken cancellationToken);

    /// <summary>
    /// Creates a stack as if <see cref="BackdatedStack.CreatedAt"/> were now (and deletes it at <see cref="BackdatedStack.DeletedAt"/>
    /// when set), so it bills from then on; returns its id. Both times must be in the past. A live stack of the same name in the
    /// account and region is answered with its id and left alone, so a rerun changes nothing.
    /// </summary>
    Task<string> CreateBackdatedStackAsync(BackdatedStack stack, CancellationToken cancellationToken);
}

/// <summary>A stack to create in the past: what CreateStack would be sent, plus when it was created and (optionally) deleted.</summary>
public sealed record BackdatedStack(
    string AccountId,
    string Region,
    string StackName,
    string TemplateBody,
    IReadOnlyList<KeyValuePair<string, string>> Parameters,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    IReadOnlyList<string> Capabilities,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeletedAt);

internal sealed class SandboxAdmin(CloudFormationApi cloudFormation, IOptions<SandboxOptions> options, TimeProvider time) : ISandboxAdmin
{
    private const string DemoTemplate = """
        {
          "AWSTemplateFormatVersion": "2010-09-09",
          "Description": "Portal sandbox demo environment",
          "Metadata": { "Portal::Usage": { "s3StorageGb": 50, "s3Requests1k": 20, "natProcessedGb": 40, "logsIngestGb": 5, "logsStorageGb": 10 } },
          "Parameters": { "InstanceClass": { "Type": "String", "Default": "db.t4g.micro" } },
          "Resources": {
            "Vpc": { "Type": "AWS::EC2::VPC", "Properties": { "CidrBlock": "10.0.0.0/16" } },
            "Subnet": { "Type": "AWS::EC2::Subnet", "Properties": { "VpcId": { "Ref": "Vpc" }, "CidrBlock": "10.0.0.0/24" } },
            "OtherSubnet": { "Type": "AWS::EC2::Subnet", "Properties": { "VpcId": { "Ref": "Vpc" }, "CidrBlock": "10.0.1.0/24" } },
            "NatIp": { "Type": "AWS::EC2::EIP", "Properties": { "Domain": "vpc" } },
            "Nat": { "Type": "AWS::EC2::NatGateway", "Properties": { "SubnetId": { "Ref": "Subnet" }, "AllocationId": { "Fn::GetAtt": ["NatIp", "AllocationId"] } } },
            "DbSubnets": { "Type": "AWS::RDS::DBSubnetGroup", "Properties": { "DBSubnetGroupDescription": "demo", "SubnetIds": [{ "Ref": "Subnet" }, { "Ref": "OtherSubnet" }] } },
            "Database": { "Type": "AWS::RDS::DBInstance", "Properties": { "Engine": "postgres", "DBInstanceClass": { "Ref": "InstanceClass" }, "AllocatedStorage": "20", "StorageType": "gp3", "MasterUsername": "portal", "ManageMasterUserPassword": true, "DBSubnetGroupName": { "Ref": "DbSubnets" } } },
            "Assets": { "Type": "AWS::S3::Bucket" },
            "Logs": { "Type": "AWS::Logs::LogGroup", "Properties": { "RetentionInDays": 30 } }
          },
          "Outputs": {
            "DatabaseEndpoint": { "Value": { "Fn::GetAtt": ["Database", "Endpoint.Address"] } },
            "BucketName": { "Value": { "Ref": "Assets" } }
          }
        }
        """;

    public Task<IReadOnlyList<string>> BackfillAsync(int days, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(days);
        var now = time.GetUtcNow();
        var start = now.AddDays(-days);
        var caller = new CallerContext("sandbox-admin", options.Value.AccountId, "us-east-1", Guid.NewGuid().ToString());
        var ids = new List<string>();
        var index = 0;
        foreach (var team in new[] { "payments", "search", "platform" })
        {
            foreach (var tier in new[] { "dev", "prod" })
            {
                cancellationToken.ThrowIfCancellationRequested();
                var name = $"demo-{team}-{tier}";
                var environmentId = $"demo-{team}-{tier}";
                var args = new Dictionary<string, StringValues>(StringComparer.Ordinal)
                {
                    ["StackName"] = name,
                    ["TemplateBody"] = DemoTemplate,
                    ["Parameters.member.1.ParameterKey"] = "InstanceClass",
                    ["Parameters.member.1.ParameterValue"] = tier == "prod" ? "db.m6g.large" : "db.t4g.micro",
                    ["Tags.member.1.Key"] = "portal:environment-id",
                    ["Tags.member.1.Value"] = environmentId,
                    ["Tags.member.2.Key"] = "portal:team",
                    ["Tags.member.2.Value"] = team,
                    ["Tags.member.3.Key"] = "portal:tier",
                    ["Tags.member.3.Value"] = tier,
                };
                var createdAt = start.AddHours(index++);
                try
                {
                    var result = cloudFormation.HandleAt("CreateStack", new QueryArgs(args), caller, createdAt);
                    ids.Add(result!.Element(CloudFormationApi.Ns + "StackId")!.Value);
                }
                catch (SandboxApiException ex) when (ex.Code == "AlreadyExistsException")
                {
                    continue;
                }

                if (team == "search" && tier == "dev")
                {
                    var deleteAt = start.AddDays(days / 2.0);
                    cloudFormation.HandleAt("DeleteStack", new QueryArgs(new() { ["StackName"] = ids[^1] }), caller, deleteAt > createdAt.AddHours(1) ? deleteAt : createdAt.AddHours(1));
                }
            }
        }

        return Task.FromResult<IReadOnlyList<string>>(ids);
    }

    public Task<string> CreateBackdatedStackAsync(BackdatedStack stack, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stack);
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        if (stack.CreatedAt > now || stack.DeletedAt > now || stack.DeletedAt <= stack.CreatedAt)
        {
            throw new ArgumentException($"Stack {stack.StackName}: creation ({stack.CreatedAt:O}) and deletion ({stack.DeletedAt:O}) must be in the past, deletion after creation.", nameof(stack));
        }

        var caller = new CallerContext("sandbox-admin", stack.AccountId, stack.Region, Guid.NewGuid().ToString());
        var args = new Dictionary<string, StringValues>(StringComparer.Ordinal)
        {
            ["StackName"] = stack.StackName,
            ["TemplateBody"] = stack.TemplateBody,
        };
        AddMembers(args, "Parameters", stack.Parameters, "ParameterKey", "ParameterValue");
        AddMembers(args, "Tags", stack.Tags, "Key", "Value");
        for (var i = 0; i < stack.Capabilities.Count; i++)
        {
            args[$"Capabilities.member.{i + 1}"] = stack.Capabilities[i];
        }

        string stackId;
        try
        {
            var created = cloudFormation.HandleAt("CreateStack", new QueryArgs(args), caller, stack.CreatedAt);
            stackId = created!.Element(CloudFormationApi.Ns + "StackId")!.Value;
        }
        catch (SandboxApiException ex) when (ex.Code == "AlreadyExistsException")
        {
            var described = cloudFormation.HandleAt("DescribeStacks", new QueryArgs(new() { ["StackName"] = stack.StackName }), caller, now);
            return Task.FromResult(described!.Descendants(CloudFormationApi.Ns + "StackId").First().Value);
        }

        if (stack.DeletedAt is { } deletedAt)
        {
            cloudFormation.HandleAt("DeleteStack", new QueryArgs(new() { ["StackName"] = stackId }), caller, deletedAt);
        }

        return Task.FromResult(stackId);
    }

    private static void AddMembers(Dictionary<string, StringValues> args, string list, IReadOnlyList<KeyValuePair<string, string>> pairs, string keyName, string valueName)
    {
        for (var i = 0; i < pairs.Count; i++)
        {
            args[$"{list}.member.{i + 1}.{keyName}"] = pairs[i].Key;
            args[$"{list}.member.{i + 1}.{valueName}"] = pairs[i].Value;
        }
    }
}
