using System.Diagnostics;
using System.Text.Json;
using Portal.Provisioning.Aws.Credentials;

namespace Portal.Sandbox.Tests;

/// <summary>Debian's AWS CLI (a real AWS client, another SDK than the portal's) run against a sandbox with the sandbox's key.</summary>
internal static class AwsCliRunner
{
    /// <summary>Runs <c>aws {service} {args}</c> against <paramref name="endpoint"/> in us-east-1 with JSON output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string endpoint, string service, params string[] args)
    {
        var aws = new[] { "/usr/bin/aws", "/usr/local/bin/aws" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("The AWS CLI is not installed: ./test.sh installs Debian's awscli (apt-get install awscli).");
        var start = new ProcessStartInfo(aws) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { service }.Concat(args).Concat(["--endpoint-url", endpoint, "--region", "us-east-1", "--output", "json"]))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = AwsSandboxCredentials.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = AwsSandboxCredentials.SecretAccessKey;
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment["AWS_PAGER"] = "";
        start.Environment["AWS_MAX_ATTEMPTS"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs the command, which must succeed, and parses its JSON output.</summary>
    public static async Task<JsonElement> JsonAsync(string endpoint, string service, params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(endpoint, service, args);
        code.ShouldBe(0, stderr);
        return stdout.Trim().Length == 0 ? default : JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
