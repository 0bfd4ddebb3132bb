using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Portal.Web.Hosting;

/// <summary>
/// Traces, metrics and logs through OpenTelemetry's hosting package: ASP.NET Core, HttpClient, Npgsql and runtime
/// instrumentation plus the portal's own sources and meters (<c>Portal.*</c>: AWS calls, lifecycle, jobs). Exported over
/// OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; nothing leaves the process otherwise.
/// </summary>
public static class PortalTelemetry
{
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ProtocolKey = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string DefaultServiceName = "portal";

    /// <summary>The portal's own activity sources and meters (AWS calls, lifecycle, jobs).</summary>
    public const string PortalSources = "Portal.*";

    public static WebApplicationBuilder AddPortalTelemetry(this WebApplicationBuilder builder)
    {
        // Off unless a collector is configured: no providers, no listeners, nothing recorded (the exporter would otherwise
        // send to localhost:4317). The variables are read when the host is built, as OpenTelemetry's own packages do.
        if (builder.Configuration[EndpointKey] is not { Length: > 0 })
        {
            return builder;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(DefaultServiceName, serviceVersion: typeof(PortalTelemetry).Assembly.GetName().Version?.ToString())

                // Added after our default so OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (environment or configuration) win.
                .AddEnvironmentVariableDetector())
            .WithTracing(tracing => tracing
                .AddSource(PortalSources)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter(PortalSources)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation())
            .WithLogging(static _ => { }, static options => options.IncludeScopes = true)

            // Reads OTEL_EXPORTER_OTLP_ENDPOINT, _PROTOCOL (grpc by default, or http/protobuf with the per-signal paths),
            // _HEADERS and the per-signal variants from configuration.
            .UseOtlpExporter();

        return builder;
    }
}
