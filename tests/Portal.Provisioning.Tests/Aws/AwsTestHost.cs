using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Amazon.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Provisioning.Aws;
using Portal.Provisioning.Aws.CloudFormation;
using Portal.Provisioning.Aws.CostExplorer;
using Portal.Provisioning.Aws.Credentials;

namespace Portal.Provisioning.Tests.Aws;

/// <summary>A request as the fake handler saw it.</summary>
public sealed record RecordedRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : "";

    /// <summary>The form body decoded into ordered key/value pairs.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Form =>
        [.. Body.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            return new KeyValuePair<string, string>(Uri.UnescapeDataString(pair[..eq]), Uri.UnescapeDataString(pair[(eq + 1)..]));
        })];

    public string FormValue(string key) => Form.Single(p => p.Key == key).Value;
}

/// <summary>Answers requests from a queue of canned responses and records what was sent.</summary>
public sealed class FakeHttpHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<Func<HttpResponseMessage>> _responses = new();

    public List<RecordedRequest> Requests { get; } = [];

    public Action<RecordedRequest>? OnRequest { get; set; }

    public FakeHttpHandler Enqueue(HttpStatusCode status, string body, string contentType = "text/xml", string? requestId = null)
    {
        _responses.Enqueue(() =>
        {
            var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, contentType) };
            if (requestId != "")
            {
                response.Headers.TryAddWithoutValidation("x-amzn-RequestId", requestId ?? Guid.NewGuid().ToString());
            }

            return response;
        });
        return this;
    }

    public FakeHttpHandler EnqueueFile(HttpStatusCode status, string relativePath, string contentType = "text/xml") =>
        Enqueue(status, File.ReadAllText(ServiceModel.TestDataPath(relativePath.Split('/'))), contentType);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var header in request.Headers)
        {
            headers[header.Key.ToLowerInvariant()] = string.Join(",", header.Value);
        }

        var body = "";
        if (request.Content is not null)
        {
            foreach (var header in request.Content.Headers)
            {
                headers[header.Key.ToLowerInvariant()] = string.Join(",", header.Value);
            }

            body = await request.Content.ReadAsStringAsync(cancellationToken);
        }

        var recorded = new RecordedRequest(request.Method, request.RequestUri!, headers, body);
        lock (Requests)
        {
            Requests.Add(recorded);
        }

        OnRequest?.Invoke(recorded);
        return _responses.TryDequeue(out var next)
            ? next()
            : throw new InvalidOperationException($"No canned response left for {body}");
    }
}

/// <summary>A clock the test moves; timers (Polly's delays) still run on real time.</summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public void Set(DateTimeOffset now) => _now = now;
}

public sealed class FakePortalCredentials : IPortalCredentialsSource
{
    public static readonly ImmutableCredentials Credentials = new("AKIDPORTALTEST", "portal-secret", "portal-session-token");

    public Task<ImmutableCredentials> GetCredentialsAsync(CancellationToken cancellationToken) => Task.FromResult(Credentials);
}

public sealed class FakeRoleAssumer(TimeProvider time) : IRoleAssumer
{
    public int Calls { get; private set; }

    public Exception? FailWith { get; set; }

    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

    public Task<AssumedRoleCredentials> AssumeRoleAsync(AwsAccountContext account, ImmutableCredentials sourceCredentials, CancellationToken cancellationToken)
    {
        Calls++;
        if (FailWith is not null)
        {
            throw FailWith;
        }

        var credentials = new ImmutableCredentials($"ASIAROLE{Calls}", $"role-secret-{Calls}", $"role-token-{Calls}");
        return Task.FromResult(new AssumedRoleCredentials(credentials, time.GetUtcNow() + Lifetime));
    }
}

/// <summary>The real registrations from AddAwsClients, with the network, clock and identity replaced.</summary>
public sealed class AwsTestHost : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 14, 9, 26, 53, TimeSpan.Zero);

    private readonly ServiceProvider _provider;
    private FakeRoleAssumer? _roleAssumer;

    public AwsTestHost(Dictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Aws:Mode"] = "Aws",
            ["Aws:DefaultRegion"] = "eu-west-1",
            ["Aws:Retry:MaxRetryAttempts"] = "3",
            ["Aws:Retry:BaseDelay"] = "00:00:00.001",
            ["Aws:Retry:MaxDelay"] = "00:00:00.005",
            ["Aws:Accounts:0:Id"] = "111111111111",
            ["Aws:Accounts:0:Name"] = "workloads-nonprod",
            ["Aws:Accounts:0:Tiers:0"] = "dev",
            ["Aws:Accounts:0:Tiers:1"] = "staging",
            ["Aws:Accounts:0:AllowedRegions:0"] = "eu-west-1",
            ["Aws:Accounts:0:CloudFormationServiceRole"] = "arn:aws:iam::111111111111:role/portal-cfn-exec",
            ["Aws:Accounts:0:CidrPools:eu-west-1"] = "10.64.0.0/12",
            ["Aws:Accounts:1:Id"] = "222222222222",
            ["Aws:Accounts:1:Name"] = "workloads-prod",
            ["Aws:Accounts:1:Tiers:0"] = "prod",
            ["Aws:Accounts:1:RoleToAssume"] = "arn:aws:iam::222222222222:role/portal-deployer",
        };
        foreach (var (key, value) in overrides ?? [])
        {
            settings[key] = value;
        }

        Configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(Time);
        services.AddAwsClients(Configuration);
        services.Replace(ServiceDescriptor.Singleton<IPortalCredentialsSource>(new FakePortalCredentials()));
        services.Replace(ServiceDescriptor.Singleton<IRoleAssumer>(RoleAssumer));
        foreach (var name in new[] { "Portal.Aws.CloudFormation", "Portal.Aws.CostExplorer", "Portal.Aws.Sts" })
        {
            services.AddHttpClient(name).ConfigurePrimaryHttpMessageHandler(() => Handler);
        }

        _provider = services.BuildServiceProvider();
    }

    public IConfiguration Configuration { get; }

    public ManualTimeProvider Time { get; } = new(Start);

    public FakeHttpHandler Handler { get; } = new();

    public FakeRoleAssumer RoleAssumer => _roleAssumer ??= new FakeRoleAssumer(Time);

    public IServiceProvider Services => _provider;

    public static AwsAccountContext NonProd { get; } = new("111111111111", "workloads-nonprod", null, "arn:aws:iam::111111111111:role/portal-cfn-exec");

    public static AwsAccountContext Prod { get; } = new("222222222222", "workloads-prod", "arn:aws:iam::222222222222:role/portal-deployer");

    public ICloudFormationClient CloudFormation(string region = "eu-west-1", AwsAccountContext? account = null) =>
        _provider.GetRequiredService<ICloudFormationClientFactory>().Create(account ?? NonProd, region);

    public ICostExplorerClient CostExplorer(AwsAccountContext? account = null) =>
        _provider.GetRequiredService<ICostExplorerClientFactory>().Create(account ?? NonProd);

    public AwsUsageTracker Usage => _provider.GetRequiredService<AwsUsageTracker>();

    public void Dispose() => _provider.Dispose();
}
