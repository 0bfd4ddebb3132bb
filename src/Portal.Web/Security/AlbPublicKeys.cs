using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Portal.Web.Security;

/// <summary>
/// The ALB's signing keys, fetched as PEM from <c>{Auth:Alb:PublicKeyEndpoint}/{kid}</c> and cached by key id. The cache is
/// bounded, and a kid the endpoint does not know is remembered for a minute, so forged kids cannot make the portal fetch
/// on every request.
/// </summary>
public sealed partial class AlbPublicKeys(IHttpClientFactory httpClients, IOptionsMonitor<AuthOptions> options, ILogger<AlbPublicKeys> logger) : IDisposable
{
    public const string HttpClientName = "alb-public-keys";

    private static readonly TimeSpan UnknownKidLifetime = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan KeyLifetime = TimeSpan.FromHours(12);

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 256 });

    /// <summary>The key for <paramref name="kid"/>, or null when the kid is malformed or the endpoint has no such key.</summary>
    public async Task<ECDsa?> GetAsync(string kid, CancellationToken cancellationToken)
    {
        if (!KidPattern().IsMatch(kid))
        {
            return null;
        }

        var fetch = _cache.GetOrCreate(kid, entry =>
        {
            entry.Size = 1;
            entry.AbsoluteExpirationRelativeToNow = KeyLifetime;
            return new Lazy<Task<ECDsa?>>(() => FetchAsync(kid));
        })!;

        var key = await fetch.Value.WaitAsync(cancellationToken);
        if (key is null)
        {
            // Keep the negative answer briefly; a kid that appears later (key rotation) is fetched again.
            _cache.Set(kid, fetch, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = UnknownKidLifetime });
        }

        return key;
    }

    public void Dispose() => _cache.Dispose();

    private async Task<ECDsa?> FetchAsync(string kid)
    {
        var url = new Uri(options.CurrentValue.Alb.KeyEndpoint, Uri.EscapeDataString(kid));
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var response = await httpClients.CreateClient(HttpClientName).GetAsync(url, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                LogKeyNotFound(logger, kid, (int)response.StatusCode);
                return null;
            }

            var pem = await response.Content.ReadAsStringAsync(timeout.Token);
            var key = ECDsa.Create();
            key.ImportFromPem(pem);
            if (key.KeySize != 256)
            {
                LogKeyUnusable(logger, kid, null);
                key.Dispose();
                return null;
            }

            return key;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or ArgumentException or CryptographicException)
        {
            LogKeyUnusable(logger, kid, ex);
            return null;
        }
    }

    [GeneratedRegex("^[A-Za-z0-9-]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex KidPattern();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ALB key endpoint has no key {Kid} (HTTP {Status})")]
    private static partial void LogKeyNotFound(ILogger logger, string kid, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ALB key {Kid} could not be fetched or is not a P-256 public key")]
    private static partial void LogKeyUnusable(ILogger logger, string kid, Exception? exception);
}
