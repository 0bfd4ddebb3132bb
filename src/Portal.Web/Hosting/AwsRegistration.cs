using Microsoft.Extensions.Options;
using Portal.Provisioning.Aws;
using Portal.Sandbox;

namespace Portal.Web.Hosting;

/// <summary>
/// The portal's AWS clients, and in sandbox mode (the embedded default) the AWS sandbox hosted inside the portal at
/// <see cref="SandboxPrefix"/>. The clients' code path is the same in both modes; only the endpoints differ.
/// </summary>
internal static class AwsRegistration
{
    public const string SandboxPrefix = "/sandbox/aws";
    public const string SandboxAccountId = "123456789012";

    public static WebApplicationBuilder AddPortalAws(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddAwsClients(builder.Configuration);

        // Sandbox defaults: this portal's own sandbox endpoints and one account serving every tier in both regions.
        services.PostConfigure<AwsOptions>(o =>
        {
            if (o.Mode != AwsMode.Sandbox)
            {
                return;
            }

            o.ServiceUrls.CloudFormation ??= $"http://{SandboxLoopbackHandler.Host}{SandboxPrefix}/cloudformation";
            o.ServiceUrls.CostExplorer ??= $"http://{SandboxLoopbackHandler.Host}{SandboxPrefix}/ce";
            if (o.Accounts.Count == 0)
            {
                o.Accounts.Add(new AwsAccountOptions
                {
                    Id = SandboxAccountId,
                    Name = "sandbox",
                    Tiers = [.. AwsOptions.KnownTiers],
                    AllowedRegions = ["us-east-1", "us-west-2"],
                    CidrPools = new() { ["us-east-1"] = "10.0.0.0/8", ["us-west-2"] = "10.0.0.0/8" },
                });
            }
        });

        services.AddAwsSandbox(builder.Configuration);
        services.AddTransient<SandboxCostHistory>();
        services.PostConfigure<SandboxOptions>(o =>
        {
            if (string.IsNullOrWhiteSpace(o.DataDirectory))
            {
                var portal = builder.Configuration.GetSection(PortalOptions.SectionName).Get<PortalOptions>() ?? new PortalOptions();
                o.DataDirectory = Path.Combine(portal.ResolveDataDirectory(builder.Environment.ContentRootPath), "sandbox");
            }
        });

        services.AddTransient<SandboxLoopbackHandler>();
        services.AddHttpClient(AwsHttpClientNames.CloudFormation).AddHttpMessageHandler<SandboxLoopbackHandler>();
        services.AddHttpClient(AwsHttpClientNames.CostExplorer).AddHttpMessageHandler<SandboxLoopbackHandler>();
        return builder;
    }

    /// <summary>Maps the sandbox's endpoints when the portal runs in sandbox mode.</summary>
    public static WebApplication MapPortalAwsSandbox(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<AwsOptions>>().Value.Mode == AwsMode.Sandbox)
        {
            app.MapAwsSandbox(SandboxPrefix);
        }

        return app;
    }
}
