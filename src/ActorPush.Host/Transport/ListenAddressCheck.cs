using ActorPush.Actors.Settings;

namespace ActorPush.Host.Transport;

/// <summary>
/// The addresses ActorPush can listen on: plain TCP, <c>http://host:port</c>. Checked before the start, from
/// <c>--urls</c>, <c>ASPNETCORE_URLS</c> and <c>Kestrel:Endpoints</c>, so a wrong one stops it with a message instead of
/// a server that half works:
/// - https: the WebSocket transport reads raw bytes off the socket, before any TLS layer, so every handshake would
///   silently fail. The message says to terminate TLS in front.
/// - a Unix socket (<c>http://unix:/path</c>): the transport accepts TCP sockets only (<see cref="Sockets.DirectListenerFactory"/>).
/// </summary>
public static class ListenAddressCheck
{
    /// <exception cref="ActorPushConfigException">An address to listen on is https or a Unix socket.</exception>
    public static void Check(IConfiguration configuration)
    {
        var urls = (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(url => ("urls", url))
            .Concat(configuration.GetSection("Kestrel:Endpoints").GetChildren()
                .Select(endpoint => ($"Kestrel:Endpoints:{endpoint.Key}:Url", endpoint["Url"] ?? "")));
        foreach (var (source, url) in urls)
        {
            if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
                throw new ActorPushConfigException(source,
                    $"asks for {url}, but ActorPush does not serve TLS itself: terminate TLS in front (nginx, a load balancer; see deploy/nginx.conf) and listen on http://");
            if (url.StartsWith("http://unix:", StringComparison.OrdinalIgnoreCase))
                throw new ActorPushConfigException(source,
                    $"asks for {url}, but ActorPush listens on TCP addresses only (http://host:port); put a proxy in front for a Unix socket");
        }
    }
}
