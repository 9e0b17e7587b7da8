using ActorPush.Actors.Settings;

namespace ActorPush.Host.Transport;

/// <summary>
/// The WebSocket transport reads raw bytes off Kestrel's connections before any TLS layer, so an https
/// endpoint would hand it encrypted bytes and every handshake would silently fail. Rather than start like that,
/// the server refuses an https address (from <c>--urls</c>, <c>ASPNETCORE_URLS</c> or <c>Kestrel:Endpoints</c>)
/// and says to terminate TLS in front.
/// </summary>
public static class TlsRefusal
{
    /// <exception cref="ActorPushConfigException">An address to listen on is https.</exception>
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
        }
    }
}
