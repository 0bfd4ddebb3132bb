using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portal.Web.Tests.Security;

/// <summary>
/// Stands in for <c>https://public-keys.auth.elb.{region}.amazonaws.com</c>: a real HTTP endpoint on a loopback port that
/// serves the PEM public key of each test key by kid (404 otherwise) and counts every fetch. Also signs ALB-style tokens.
/// </summary>
public sealed class AlbKeyServer : IAsyncDisposable
{
    public const string SignerArn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/portal/50dc6c495c0c9188";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ECDsa> _keys = new();

    private AlbKeyServer(WebApplication app) => _app = app;

    /// <summary>Paths requested, in order (e.g. <c>/kid-1</c>).</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public string Url => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public static async Task<AlbKeyServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new AlbKeyServer(app);
        app.MapGet("/{kid}", (string kid, HttpContext http) =>
        {
            server.Requests.Enqueue(http.Request.Path.Value ?? "");
            return server._keys.TryGetValue(kid, out var key)
                ? Results.Text(key.ExportSubjectPublicKeyInfoPem(), "text/plain")
                : Results.NotFound();
        });
        await app.StartAsync();
        return server;
    }

    /// <summary>A new P-256 key, published at <c>/{kid}</c>.</summary>
    public ECDsa AddKey(string kid)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        _keys[kid] = key;
        return key;
    }

    public int FetchesOf(string kid) => Requests.Count(r => r == "/" + kid);

    /// <summary>An <c>x-amzn-oidc-data</c> value: header and payload base64url with ALB's <c>=</c> padding unless <paramref name="pad"/> is false.</summary>
    public static string Sign(ECDsa key, IDictionary<string, object?> header, IDictionary<string, object?> payload, bool pad = true)
    {
        var encodedHeader = Encode(JsonSerializer.SerializeToUtf8Bytes(header), pad);
        var encodedPayload = Encode(JsonSerializer.SerializeToUtf8Bytes(payload), pad);
        var signature = key.SignData(Encoding.ASCII.GetBytes(encodedHeader + "." + encodedPayload), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return encodedHeader + "." + encodedPayload + "." + Encode(signature, pad: false);
    }

    public static Dictionary<string, object?> Header(string kid, DateTimeOffset expires, string signer = SignerArn, string alg = "ES256") => new()
    {
        ["typ"] = "JWT",
        ["kid"] = kid,
        ["alg"] = alg,
        ["iss"] = "https://idp.example.com",
        ["client"] = "portal-client",
        ["signer"] = signer,
        ["exp"] = expires.ToUnixTimeSeconds(),
    };

    public static Dictionary<string, object?> Claims(string email, string name, object? groups, DateTimeOffset expires) => new()
    {
        ["sub"] = Guid.NewGuid().ToString(),
        ["email"] = email,
        ["name"] = name,
        ["groups"] = groups,
        ["exp"] = expires.ToUnixTimeSeconds(),
        ["iss"] = "https://idp.example.com",
    };

    public static string Encode(byte[] bytes, bool pad)
    {
        var text = Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
        return pad ? text : text.TrimEnd('=');
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
    }
}
