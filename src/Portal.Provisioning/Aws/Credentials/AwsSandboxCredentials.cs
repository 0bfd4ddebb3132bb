namespace Portal.Provisioning.Aws.Credentials;

/// <summary>The fixed key the portal signs with in sandbox mode; the sandbox verifies signatures made with it.</summary>
public static class AwsSandboxCredentials
{
    public const string AccessKeyId = "AKIAPORTALSANDBOX000";
    public const string SecretAccessKey = "portal-sandbox-secret-access-key";
}
