using System.Net;

namespace ActorPush.LoadTest;

/// <summary>Where the clients connect: a loopback IPv4 address, a port and the WebSocket path.</summary>
public sealed record TargetEndpoint(IPAddress Address, int Port, string Path)
{
    public string Origin => $"http://{Address}:{Port}";

    public IPEndPoint EndPoint => new(Address, Port);

    public override string ToString() => $"ws://{Address}:{Port}{Path}";

    /// <summary>Parses ws://, http:// or bare host:port forms; only 127.0.0.0/8 (or localhost) is accepted.</summary>
    public static TargetEndpoint Parse(string url)
    {
        if (!url.Contains("://", StringComparison.Ordinal))
        {
            url = "ws://" + url;
        }

        var uri = new Uri(url);
        var host = uri.Host == "localhost" ? "127.0.0.1" : uri.Host;
        if (!IPAddress.TryParse(host, out var address) || !LoopbackGuard.IsLoopbackV4(address))
        {
            throw new ArgumentException($"target '{uri.Host}' is not a 127.0.0.0/8 address; the load tool only targets loopback");
        }

        var port = uri.IsDefaultPort ? 80 : uri.Port;
        var path = uri.AbsolutePath is "" or "/" ? "/im" : uri.AbsolutePath;
        return new TargetEndpoint(address, port, path);
    }

    /// <summary>One or more targets, comma-separated (a cluster's nodes), each as <see cref="Parse"/> reads it.</summary>
    public static TargetEndpoint[] ParseList(string urls)
    {
        var targets = urls.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).ToArray();
        return targets.Length > 0 ? targets : throw new FormatException("no target given");
    }

    /// <summary>An http:// URL of ActorPush's <c>/api/stats</c> on a loopback address.</summary>
    public static Uri ParseStatsUrl(string url)
    {
        var uri = new Uri(url);
        var host = uri.Host == "localhost" ? "127.0.0.1" : uri.Host;
        if (uri.Scheme != Uri.UriSchemeHttp || !IPAddress.TryParse(host, out var address) || !LoopbackGuard.IsLoopbackV4(address))
        {
            throw new ArgumentException($"'{url}' is not an http:// URL on a 127.0.0.0/8 address");
        }

        return uri;
    }
}
