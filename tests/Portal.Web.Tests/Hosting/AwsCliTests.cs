using System.Text.Json;
using Portal.Data;
using Portal.TestSupport;
using Portal.Web.Tests.Infrastructure;

namespace Portal.Web.Tests.Hosting;

/// <summary>
/// A real AWS command-line client (Debian's awscli, installed by ./test.sh) drives the portal's hosted sandbox through
/// create, describe, events, no-op update, change set, failure with rollback, and delete — the sandbox speaks AWS's
/// wire protocol, not just Portal's.
/// </summary>
public sealed class AwsCliTests
{
    [Fact]
    public async Task AwsCli_CreatesDescribesUpdatesAndDeletesAStack()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, kestrel: true, settings: new Dictionary<string, string?> { ["Sandbox:Speed"] = "2000" });
        var endpoint = new Uri(portal.BaseAddress, "/sandbox/aws/cloudformation").ToString();
        var template = Path.Combine(RepositoryPaths.Templates, "static-site", "template.yaml");

        var created = await AwsAsync(endpoint, "create-stack", "--stack-name", "cli-site-dev", "--template-body", $"file://{template}",
            "--parameters", "ParameterKey=EnvironmentName,ParameterValue=cli-site", "ParameterKey=Tier,ParameterValue=dev", "--tags", "Key=portal:team,Value=payments");
        created.GetProperty("StackId").GetString()!.ShouldStartWith("arn:aws:cloudformation:us-east-1:");

        var status = "";
        for (var attempt = 0; attempt < 60 && status != "CREATE_COMPLETE"; attempt++)
        {
            await Task.Delay(250);
            var described = await AwsAsync(endpoint, "describe-stacks", "--stack-name", "cli-site-dev");
            status = described.GetProperty("Stacks")[0].GetProperty("StackStatus").GetString()!;
            status.ShouldNotContain("FAILED");
        }

        status.ShouldBe("CREATE_COMPLETE");
        var events = (await AwsAsync(endpoint, "describe-stack-events", "--stack-name", "cli-site-dev")).GetProperty("StackEvents");
        events[0].GetProperty("ResourceStatus").GetString().ShouldBe("CREATE_COMPLETE");
        events[0].GetProperty("LogicalResourceId").GetString().ShouldBe("cli-site-dev");

        var noop = await RunAwsAsync(endpoint, "update-stack", "--stack-name", "cli-site-dev", "--use-previous-template",
            "--parameters", "ParameterKey=EnvironmentName,UsePreviousValue=true", "ParameterKey=Tier,UsePreviousValue=true");
        noop.ExitCode.ShouldNotBe(0);
        noop.Stderr.ShouldContain("No updates are to be performed.");

        // A change set: a new price class modifies the distribution in place.
        await AwsAsync(endpoint, "create-change-set", "--stack-name", "cli-site-dev", "--change-set-name", "wider-reach", "--use-previous-template",
            "--parameters", "ParameterKey=EnvironmentName,UsePreviousValue=true", "ParameterKey=Tier,UsePreviousValue=true", "ParameterKey=PriceClass,ParameterValue=PriceClass_All");
        var changeSet = await AwsAsync(endpoint, "describe-change-set", "--stack-name", "cli-site-dev", "--change-set-name", "wider-reach");
        for (var attempt = 0; attempt < 40 && changeSet.GetProperty("Status").GetString() != "CREATE_COMPLETE"; attempt++)
        {
            await Task.Delay(100);
            changeSet = await AwsAsync(endpoint, "describe-change-set", "--stack-name", "cli-site-dev", "--change-set-name", "wider-reach");
        }

        changeSet.GetProperty("Status").GetString().ShouldBe("CREATE_COMPLETE");

        var change = changeSet.GetProperty("Changes").EnumerateArray().Select(c => c.GetProperty("ResourceChange")).Single(c => c.GetProperty("LogicalResourceId").GetString() == "Distribution");
        change.GetProperty("Action").GetString().ShouldBe("Modify");
        await AwsAsync(endpoint, "execute-change-set", "--stack-name", "cli-site-dev", "--change-set-name", "wider-reach");
        for (var attempt = 0; attempt < 60 && status != "UPDATE_COMPLETE"; attempt++)
        {
            await Task.Delay(250);
            status = (await AwsAsync(endpoint, "describe-stacks", "--stack-name", "cli-site-dev")).GetProperty("Stacks")[0].GetProperty("StackStatus").GetString()!;
        }

        status.ShouldBe("UPDATE_COMPLETE");

        await AwsAsync(endpoint, "delete-stack", "--stack-name", "cli-site-dev");
        var deleted = await RunAwsAsync(endpoint, "describe-stacks", "--stack-name", created.GetProperty("StackId").GetString()!);
        deleted.ExitCode.ShouldBe(0, deleted.Stderr);
    }

    [Fact]
    public async Task AwsCli_SeesAFailedResourceRollTheStackBack()
    {
        await using var portal = await PortalWebFactory.StartAsync(DatabaseProvider.Sqlite, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Sandbox:Speed"] = "2000",
            ["Sandbox:Faults:Failures:0:LogicalId"] = "Distribution",
            ["Sandbox:Faults:Failures:0:Reason"] = "Resource handler returned message: \"Invalid request provided: the CNAME is already in use\"",
        });
        var endpoint = new Uri(portal.BaseAddress, "/sandbox/aws/cloudformation").ToString();

        await AwsAsync(endpoint, "create-stack", "--stack-name", "cli-broken-dev", "--template-body", $"file://{Path.Combine(RepositoryPaths.Templates, "static-site", "template.yaml")}",
            "--parameters", "ParameterKey=EnvironmentName,ParameterValue=cli-broken", "ParameterKey=Tier,ParameterValue=dev");
        var status = "";
        for (var attempt = 0; attempt < 60 && status != "ROLLBACK_COMPLETE"; attempt++)
        {
            await Task.Delay(250);
            status = (await AwsAsync(endpoint, "describe-stacks", "--stack-name", "cli-broken-dev")).GetProperty("Stacks")[0].GetProperty("StackStatus").GetString()!;
        }

        status.ShouldBe("ROLLBACK_COMPLETE");
        var failed = (await AwsAsync(endpoint, "describe-stack-events", "--stack-name", "cli-broken-dev")).GetProperty("StackEvents").EnumerateArray()
            .Single(e => e.GetProperty("ResourceStatus").GetString() == "CREATE_FAILED" && e.GetProperty("LogicalResourceId").GetString() == "Distribution");
        failed.GetProperty("ResourceStatusReason").GetString()!.ShouldContain("CNAME is already in use");
    }

    private static async Task<JsonElement> AwsAsync(string endpoint, params string[] args)
    {
        var (code, stdout, stderr) = await RunAwsAsync(endpoint, args);
        code.ShouldBe(0, stderr);
        return stdout.Trim().Length == 0 ? default : JsonDocument.Parse(stdout).RootElement.Clone();
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> RunAwsAsync(string endpoint, params string[] args) =>
        AwsCli.CloudFormationAsync(endpoint, args);
}
