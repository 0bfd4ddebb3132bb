using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Aws.CostExplorer;

namespace Portal.Sandbox.Tests;

/// <summary>The sandbox on Kestrel (127.0.0.1, a free port) with a fake clock, and the portal's own clients pointed at it.</summary>
public sealed class SandboxServer : IAsyncDisposable
{
    public const string AccountId = "123456789012";
    public const string Region = "us-east-1";

    private readonly WebApplication _app;
    private readonly ServiceProvider _clients;

    private SandboxServer(WebApplication app, ServiceProvider clients, string baseUrl, FakeClock clock)
    {
        _app = app;
        _clients = clients;
        BaseUrl = baseUrl;
        Clock = clock;
    }

    public string BaseUrl { get; }

    public FakeClock Clock { get; }

    public string CloudFormationUrl => $"{BaseUrl}/sandbox/aws/cloudformation";

    public string CostExplorerUrl => $"{BaseUrl}/sandbox/aws/ce";

    public IServiceProvider Services => _app.Services;

    /// <summary>The portal's AWS clients (factories, account directory) pointed at this sandbox.</summary>
    public IServiceProvider ClientServices => _clients;

    public ISandboxFaults Faults => _app.Services.GetRequiredService<ISandboxFaults>();

    public ISandboxAdmin Admin => _app.Services.GetRequiredService<ISandboxAdmin>();

    public static DateTimeOffset Start { get; } = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    public static async Task<SandboxServer> StartAsync(
        FakeClock? clock = null, string? dataDirectory = null, IDictionary<string, string?>? settings = null, int maxRetries = 4)
    {
        clock ??= new FakeClock(Start);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var configuration = new Dictionary<string, string?>
        {
            ["Sandbox:Speed"] = "30",
            ["Sandbox:DataDirectory"] = dataDirectory,

            // An account with raised EC2 quotas (tests create hundreds of VPC stacks); limit tests set their own.
            ["Sandbox:Limits:VpcsPerRegion"] = "100000",
            ["Sandbox:Limits:ElasticIpsPerRegion"] = "100000",
            ["Sandbox:Limits:NatGatewaysPerAz"] = "100000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddAwsSandbox(builder.Configuration);
        var app = builder.Build();
        app.MapAwsSandbox();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var clientConfiguration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Aws:Mode"] = "Sandbox",
            ["Aws:DefaultRegion"] = Region,
            ["Aws:ServiceUrls:CloudFormation"] = $"{address}/sandbox/aws/cloudformation",
            ["Aws:ServiceUrls:CostExplorer"] = $"{address}/sandbox/aws/ce",
            ["Aws:Retry:MaxRetryAttempts"] = maxRetries.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Aws:Retry:BaseDelay"] = "00:00:00.010",
            ["Aws:Retry:MaxDelay"] = "00:00:00.050",
            ["Aws:Accounts:0:Id"] = AccountId,
            ["Aws:Accounts:0:Name"] = "sandbox",
            ["Aws:Accounts:0:Tiers:0"] = "dev",
            ["Aws:Accounts:0:Tiers:1"] = "staging",
            ["Aws:Accounts:0:Tiers:2"] = "prod",
            ["Aws:Accounts:0:AllowedRegions:0"] = "us-east-1",
            ["Aws:Accounts:0:AllowedRegions:1"] = "us-west-2",
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAwsClients(clientConfiguration);
        var clients = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        return new SandboxServer(app, clients, address, clock);
    }

    public ICloudFormationClient CloudFormation(string region = Region) =>
        _clients.GetRequiredService<ICloudFormationClientFactory>().Create(new AwsAccountContext(AccountId, "sandbox"), region);

    public ICostExplorerClient CostExplorer() =>
        _clients.GetRequiredService<ICostExplorerClientFactory>().Create(AwsAccountContext.Portal);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _clients.DisposeAsync();
    }
}
