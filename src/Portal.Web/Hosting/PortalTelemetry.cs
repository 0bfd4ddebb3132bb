using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Portal.Web.Hosting;

/// <summary>
/// Traces, metrics and logs, wired in one place from the built-in ActivitySources and Meters (the OpenTelemetry hosting
/// and instrumentation packages are not on our feed). Exported over OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is
/// set; off otherwise.
/// </summary>
public static class PortalTelemetry
{
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolKey = "OTEL_EXPORTER_OTLP_PROTOCOL";

    /// <summary>Activity sources traced: ASP.NET Core, HttpClient, Npgsql, Quartz, the portal's own (AWS calls and jobs).</summary>
    public static readonly string[] Sources = ["Microsoft.AspNetCore", "System.Net.Http", "Npgsql", "Quartz", "Portal.*"];

    /// <summary>Meters exported: HTTP server and client, Kestrel, Npgsql, the portal's own (AWS usage, environments, jobs).</summary>
    public static readonly string[] Meters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "Npgsql", "Portal.*"];

    public static WebApplicationBuilder AddPortalTelemetry(this WebApplicationBuilder builder)
    {
        // Traces and metrics start with the host, from its final configuration; logs need deciding while logging is built.
        builder.Services.AddHostedService<TelemetryProviders>();
        if (Exporter(builder.Configuration, "logs") is { } logs)
        {
            builder.Logging.AddOpenTelemetry(o =>
            {
                o.SetResourceBuilder(Resource(builder.Configuration));
                o.IncludeScopes = true;
                o.AddOtlpExporter(logs);
            });
        }

        return builder;
    }

    /// <summary>OTLP exporter settings for one signal, or null when no endpoint is configured.</summary>
    internal static Action<OtlpExporterOptions>? Exporter(IConfiguration configuration, string signal)
    {
        if (configuration[EndpointKey] is not { Length: > 0 } endpoint)
        {
            return null;
        }

        var protocol = string.Equals(configuration[ProtocolKey], "http/protobuf", StringComparison.OrdinalIgnoreCase)
            ? OtlpExportProtocol.HttpProtobuf
            : OtlpExportProtocol.Grpc;

        // Set in code, the endpoint is used as given: add OTLP's per-signal paths for HTTP ourselves.
        return o =>
        {
            o.Protocol = protocol;
            o.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf ? new Uri(endpoint.TrimEnd('/') + "/v1/" + signal) : new Uri(endpoint);
        };
    }

    internal static ResourceBuilder Resource(IConfiguration configuration) => ResourceBuilder.CreateDefault().AddService(
        configuration["OTEL_SERVICE_NAME"] ?? "portal",
        serviceVersion: typeof(PortalTelemetry).Assembly.GetName().Version?.ToString());
}

/// <summary>Holds the trace and metric providers for the host's lifetime; flushes and closes them when it stops.</summary>
internal sealed class TelemetryProviders(IConfiguration configuration, ILogger<TelemetryProviders> logger) : IHostedService
{
    private TracerProvider? _tracing;
    private MeterProvider? _metrics;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (PortalTelemetry.Exporter(configuration, "traces") is { } traces && PortalTelemetry.Exporter(configuration, "metrics") is { } metrics)
        {
            var resource = PortalTelemetry.Resource(configuration);
            _tracing = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(PortalTelemetry.Sources).AddOtlpExporter(traces).Build();
            _metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(PortalTelemetry.Meters).AddOtlpExporter(metrics).Build();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        var (tracing, metrics) = (Interlocked.Exchange(ref _tracing, null), Interlocked.Exchange(ref _metrics, null));
        tracing?.ForceFlush(5_000);
        metrics?.ForceFlush(5_000);
        try
        {
            tracing?.Dispose();
            metrics?.Dispose();
        }
        catch (NullReferenceException ex)
        {
            // OpenTelemetry 1.20's TracerProviderSdk.Dispose can race activities still ending on other threads; the data
            // is already flushed above, and telemetry must never fail the host's shutdown.
            logger.LogWarning(ex, "Telemetry providers did not close cleanly after flushing");
        }

        return Task.CompletedTask;
    }
}
