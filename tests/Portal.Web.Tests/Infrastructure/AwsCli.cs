using System.Diagnostics;
using Portal.Provisioning.Aws.Credentials;

namespace Portal.Web.Tests.Infrastructure;

/// <summary>Debian's AWS CLI (a real AWS client) run against a portal's sandbox with the sandbox's key.</summary>
public static class AwsCli
{
    /// <summary>Runs <c>aws cloudformation {args}</c> against <paramref name="endpoint"/> in us-east-1 with JSON output.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> CloudFormationAsync(string endpoint, params string[] args)
    {
        var aws = new[] { "/usr/bin/aws", "/usr/local/bin/aws" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("The AWS CLI is not installed: ./test.sh installs Debian's awscli (apt-get install awscli).");
        var start = new ProcessStartInfo(aws) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "cloudformation" }.Concat(args).Concat(["--endpoint-url", endpoint, "--region", "us-east-1", "--output", "json"]))
        {
            start.ArgumentList.Add(arg);
        }

        // The portal's built-in sandbox key: the sandbox verifies these signatures.
        start.Environment["AWS_ACCESS_KEY_ID"] = AwsSandboxCredentials.AccessKeyId;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = AwsSandboxCredentials.SecretAccessKey;
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment["AWS_PAGER"] = "";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
