using Portal.Web.Cli;
using Portal.Web.Hosting;

var isCommand = PortalCommandLine.IsCommand(args);

// Command-line verbs take their own arguments; configuration then comes from appsettings and the environment only.
var builder = WebApplication.CreateBuilder(isCommand ? [] : args);
if (isCommand)
{
    builder.Logging.ClearProviders();
    builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
}

builder.AddPortal();
var app = builder.Build();

if (isCommand)
{
    return await PortalCommandLine.RunAsync(app.Services, args, Console.Out, Console.Error, CancellationToken.None);
}

app.UsePortal();
await app.RunAsync();
return 0;

/// <summary>Entry point; public so integration tests can host the portal.</summary>
public partial class Program;
