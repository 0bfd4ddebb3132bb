using Portal.Web.Cli;
using Portal.Web.Hosting;

if (args is ["healthcheck", ..])
{
    // Container health probe without curl in the image: exit 0 when /healthz answers 200.
    return await PortalCommandLine.ProbeHealthAsync(args.ElementAtOrDefault(1) ?? "http://127.0.0.1:8080/healthz");
}

if (args is ["sandbox", .. var sandboxArgs])
{
    // The AWS sandbox on its own (e.g. for the AWS CLI or another portal): dotnet run --project src/Portal.Web -- sandbox --urls http://127.0.0.1:4566
    await Portal.Sandbox.SandboxHost.BuildApp(sandboxArgs).RunAsync();
    return 0;
}

var isCommand = PortalCommandLine.IsCommand(args);

// Command-line verbs take their own arguments; configuration then comes from appsettings and the environment only.
var builder = WebApplication.CreateBuilder(isCommand ? [] : args);
if (isCommand)
{
    builder.Logging.ClearProviders();
    builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
}

var needsServer = isCommand && PortalCommandLine.NeedsServer(args);
if (needsServer)
{
    // A private loopback port for the in-process sandbox's endpoints; the portal's own settings otherwise.
    builder.WebHost.UseUrls("http://127.0.0.1:0");
}

builder.AddPortal();
var app = builder.Build();

if (isCommand)
{
    if (!needsServer)
    {
        return await PortalCommandLine.RunAsync(app.Services, args, Console.Out, Console.Error, CancellationToken.None);
    }

    app.UsePortal();
    await app.StartAsync();
    var exitCode = await PortalCommandLine.RunAsync(app.Services, args, Console.Out, Console.Error, CancellationToken.None);
    await app.StopAsync();
    return exitCode;
}

app.UsePortal();
await app.RunAsync();
return 0;

/// <summary>Entry point; public so integration tests can host the portal.</summary>
public partial class Program;
