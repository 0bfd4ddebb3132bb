using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Portal.Data;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Jobs;
using Portal.TestSupport;
using Portal.Web.Hosting;
using Portal.Web.Security;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Portal.Web.Tests.Hosting;

/// <summary>
/// No Docker engine runs here, so the container files are checked for structure: docker-compose.yml's services,
/// dependencies, health checks, ports and the configuration keys it sets (each must be one the portal binds), the
/// collector's pipeline, and the Dockerfile's stages, user and health check.
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly string Root = RepositoryPaths.Root;

    /// <summary>Configuration sections the compose file may set, and the options class each binds to.</summary>
    private static readonly Dictionary<string, Type> Sections = new(StringComparer.OrdinalIgnoreCase)
    {
        [DatabaseOptions.SectionName] = typeof(DatabaseOptions),
        [PortalOptions.SectionName] = typeof(PortalOptions),
        [AwsOptions.SectionName] = typeof(AwsOptions),
        [JobsOptions.SectionName] = typeof(JobsOptions),
        [AuthOptions.SectionName] = typeof(AuthOptions),
    };

    /// <summary>Variables read by name rather than bound: ASP.NET Core's, OpenTelemetry's (Hosting/PortalTelemetry.cs) and the connection string.</summary>
    private static readonly HashSet<string> NamedVariables =
        ["ASPNETCORE_ENVIRONMENT", PortalTelemetry.EndpointKey, PortalTelemetry.ProtocolKey, "OTEL_SERVICE_NAME", "ConnectionStrings__Portal"];

    private static Dictionary<object, object> Load(string path)
    {
        using var reader = new StreamReader(Path.Combine(Root, path));
        // MergingParser resolves `<<: *anchor` as Compose does.
        return new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(new MergingParser(new Parser(reader)));
    }

    private static Dictionary<object, object> Services => (Dictionary<object, object>)Load("docker-compose.yml")["services"];

    private static Dictionary<object, object> Service(string name) => (Dictionary<object, object>)Services[name];

    private static Dictionary<object, object> Map(Dictionary<object, object> parent, string key) => (Dictionary<object, object>)parent[key];

    [Fact]
    public void Compose_HasThePortalPostgresCollectorJaegerAndTheLocalStackProfile()
    {
        Services.Keys.Cast<string>().Order().ShouldBe(["jaeger", "localstack", "otel-collector", "portal", "portal-localstack", "postgres"]);
        ((string)Service("postgres")["image"]).ShouldStartWith("postgres:16");
        ((string)Service("otel-collector")["image"]).ShouldStartWith("otel/opentelemetry-collector-contrib:");
        ((string)Service("jaeger")["image"]).ShouldStartWith("jaegertracing/all-in-one:");
        ((string)Service("localstack")["image"]).ShouldStartWith("localstack/localstack:");
        ((IList)Service("localstack")["profiles"]).ShouldBe(new List<object> { "localstack" });
        ((IList)Service("portal-localstack")["profiles"]).ShouldBe(new List<object> { "localstack" });
        Service("portal").ContainsKey("profiles").ShouldBeFalse("the default portal runs without a profile");
    }

    [Theory]
    [InlineData("portal")]
    [InlineData("portal-localstack")]
    public void Portals_WaitForAHealthyPostgres_AndHaveAHealthCheck(string service)
    {
        var portal = Service(service);
        ((string)Map(Map(portal, "depends_on"), "postgres")["condition"]).ShouldBe("service_healthy");
        ((IList)Map(portal, "healthcheck")["test"]).Cast<string>().ShouldBe(["CMD", "dotnet", "Portal.Web.dll", "healthcheck"]);
        ((string)portal["build"]).ShouldBe(".");
        Map(Service("postgres"), "healthcheck")["test"].ShouldNotBeNull();
        Map(Service("localstack"), "healthcheck")["test"].ShouldNotBeNull();
        ((string)Map(Map(Service("portal-localstack"), "depends_on"), "localstack")["condition"]).ShouldBe("service_healthy");
    }

    [Fact]
    public void Portal_ExportsTelemetryToTheCollector_OverTheProtocolOurExporterSpeaks()
    {
        var environment = Map(Service("portal"), "environment");

        // PortalTelemetry exports gRPC unless OTEL_EXPORTER_OTLP_PROTOCOL is http/protobuf; gRPC is OTLP's port 4317.
        environment.ContainsKey(PortalTelemetry.ProtocolKey).ShouldBeFalse();
        ((string)environment[PortalTelemetry.EndpointKey]).ShouldBe("http://otel-collector:4317");
        var receiver = Map(Map(Map(Load("deploy/otel-collector.yaml"), "receivers"), "otlp"), "protocols");
        ((string)Map(receiver, "grpc")["endpoint"]).ShouldEndWith(":4317");
        ((string)Map(receiver, "http")["endpoint"]).ShouldEndWith(":4318");
        ((IList)Service("otel-collector")["volumes"]).Cast<string>().ShouldContain(v => v.StartsWith("./deploy/otel-collector.yaml:", StringComparison.Ordinal));
    }

    [Fact]
    public void Collector_SendsTracesToJaegerOverOtlp_AndEveryPipelineNamesDefinedParts()
    {
        var config = Load("deploy/otel-collector.yaml");
        var exporters = Map(config, "exporters");
        var pipelines = Map(Map(config, "service"), "pipelines");

        pipelines.Keys.Cast<string>().Order().ShouldBe(["logs", "metrics", "traces"]);
        foreach (var (name, value) in pipelines)
        {
            var pipeline = (Dictionary<object, object>)value;
            ((IList)pipeline["receivers"]).Cast<string>().ShouldBe(["otlp"], $"pipeline {name}");
            foreach (string exporter in (IList)pipeline["exporters"])
            {
                exporters.ContainsKey(exporter).ShouldBeTrue($"pipeline {name} exports to '{exporter}', which is not defined");
            }

            foreach (string processor in (IList)pipeline["processors"])
            {
                Map(config, "processors").ContainsKey(processor).ShouldBeTrue($"pipeline {name} uses processor '{processor}', which is not defined");
            }
        }

        var traces = ((IList)Map(pipelines, "traces")["exporters"]).Cast<string>().Single();
        traces.ShouldStartWith("otlp");
        ((string)Map(exporters, traces)["endpoint"]).ShouldBe("jaeger:4317");
        ((string)Map(Service("jaeger"), "environment")["COLLECTOR_OTLP_ENABLED"]).ShouldBe("true");
        ((IList)Service("jaeger")["ports"]).Cast<string>().ShouldContain("16686:16686");
    }

    [Fact]
    public void HostPorts_DoNotCollide()
    {
        var hostPorts = Services.Values.Cast<Dictionary<object, object>>()
            .SelectMany(s => s.TryGetValue("ports", out var ports) ? ((IList)ports).Cast<string>() : [])
            .Select(p => p.Split(':')[0])
            .ToList();

        hostPorts.ShouldBe(hostPorts.Distinct().ToList());
        hostPorts.ShouldContain("8080");
        hostPorts.ShouldContain("4566");
    }

    [Theory]
    [InlineData("portal")]
    [InlineData("portal-localstack")]
    public void EveryEnvironmentKey_IsOneThePortalBinds(string service)
    {
        foreach (string key in Map(Service(service), "environment").Keys)
        {
            if (NamedVariables.Contains(key))
            {
                continue;
            }

            var path = key.Split("__");
            Sections.TryGetValue(path[0], out var type).ShouldBeTrue($"{service}: '{key}' sets section '{path[0]}', which no options class binds");
            Binds(type!, path[1..]).ShouldBeTrue($"{service}: '{key}' is not a property path of {type!.Name}");
        }
    }

    [Fact]
    public void LocalStackPortal_PointsItsAwsEndpointsAtLocalStack()
    {
        var environment = Map(Service("portal-localstack"), "environment");

        ((string)environment["Aws__ServiceUrls__CloudFormation"]).ShouldBe("http://localstack:4566");
        ((string)environment["Aws__ServiceUrls__CostExplorer"]).ShouldBe("http://localstack:4566");
        ((string)environment[PortalTelemetry.EndpointKey]).ShouldBe("http://otel-collector:4317", "merged from the portal's environment");
        ((string)environment["ConnectionStrings__Portal"]).ShouldNotBe((string)Map(Service("portal"), "environment")["ConnectionStrings__Portal"]);
        File.ReadAllText(Path.Combine(Root, "deploy/postgres-init.sql")).ShouldContain("CREATE DATABASE portal_localstack");

        // The Aws section as the portal would bind it from these variables passes the portal's own validator.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(
            environment.Select(kv => KeyValuePair.Create(((string)kv.Key).Replace("__", ":", StringComparison.Ordinal), (string?)kv.Value))).Build();
        var aws = configuration.GetSection(AwsOptions.SectionName).Get<AwsOptions>()!;
        var result = new AwsOptionsValidator().Validate(null, aws);
        result.Succeeded.ShouldBeTrue(result.FailureMessage);
        aws.Accounts.Single().Tiers.ShouldBe(["dev", "staging", "prod"]);
    }

    [Fact]
    public void Dockerfile_IsMultiStage_RunsAsNonRoot_WithAHealthCheck_AndBuildsWithPlainDotnetPublish()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "Dockerfile")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        lines.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ShouldBeGreaterThanOrEqualTo(2);
        lines.ShouldContain(l => l.StartsWith("COPY --from=build", StringComparison.Ordinal));
        lines.ShouldContain(l => l.StartsWith("RUN dotnet publish src/Portal.Web", StringComparison.Ordinal));
        var user = lines.Last(l => l.StartsWith("USER ", StringComparison.Ordinal));
        user.ShouldNotBe("USER root");
        user.ShouldNotBe("USER 0");
        lines.IndexOf(user).ShouldBeGreaterThan(lines.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.Ordinal)), "USER must apply to the runtime stage");
        lines.ShouldContain(l => l.StartsWith("HEALTHCHECK", StringComparison.Ordinal) && l.Contains("healthcheck", StringComparison.Ordinal));
    }

    /// <summary>Whether <paramref name="path"/> names a bindable property under <paramref name="type"/> (list indexes and dictionary keys included).</summary>
    private static bool Binds(Type type, ReadOnlySpan<string> path)
    {
        if (path.Length == 0)
        {
            return IsScalar(type);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            return int.TryParse(path[0], out _) && Binds(type.GetGenericArguments()[0], path[1..]);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            return Binds(type.GetGenericArguments()[1], path[1..]);
        }

        var property = type.GetProperty(path[0], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        return property is { CanWrite: true } && Binds(property.PropertyType, path[1..]);
    }

    private static bool IsScalar(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(TimeSpan) || t == typeof(decimal) || t == typeof(Uri);
    }
}
