using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Portal.Web.Hosting;

/// <summary>
/// In sandbox mode the AWS clients' endpoints name <see cref="Host"/>; this sends those requests over real HTTP to the
/// address this portal listens on (known only once Kestrel has bound), leaving the signed Host header untouched. Without a
/// plain-HTTP address (an in-memory test server) the sandbox is unreachable: a transport error, like any endpoint that is down.
/// </summary>
internal sealed class SandboxLoopbackHandler(IServer server) : DelegatingHandler
{
    public const string Host = "portal-sandbox";

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { } uri && uri.Host == Host)
        {
            var listening = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal))
                ?? throw new HttpRequestException(HttpRequestError.ConnectionError, "The portal is not listening on plain HTTP, so the sandbox cannot be reached over loopback.");
            var target = new Uri(listening.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
                .Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal).Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal));
            request.RequestUri = new UriBuilder(uri) { Scheme = target.Scheme, Host = target.Host, Port = target.Port }.Uri;
        }

        return base.SendAsync(request, cancellationToken);
    }
}
