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
}
