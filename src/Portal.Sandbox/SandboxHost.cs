using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace Portal.Sandbox;

/// <summary>The sandbox on its own: a web application serving only the AWS endpoints.</summary>
public static class SandboxHost
{
    /// <summary>
    /// Builds (does not run) a <see cref="WebApplication"/> with the sandbox mapped at <c>/sandbox/aws</c> and a health check at
    /// <c>/healthz</c>. <c>Sandbox:DataDirectory</c> defaults to <c>sandbox-data</c> under the working directory here, so state
    /// survives restarts; set <c>Sandbox:Prefix</c> to map elsewhere and <c>urls</c> to choose the port.
    /// </summary>
    public static WebApplication BuildApp(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddInMemoryCollection([new($"{SandboxOptions.SectionName}:DataDirectory", builder.Configuration[$"{SandboxOptions.SectionName}:DataDirectory"] ?? "sandbox-data")]);
        builder.Services.AddAwsSandbox(builder.Configuration);
        var app = builder.Build();
        app.MapGet("/healthz", () => "Healthy");
        app.MapAwsSandbox(builder.Configuration[$"{SandboxOptions.SectionName}:Prefix"] ?? "/sandbox/aws");
        return app;
    }
}
