using Akka.Configuration;
using ActorPush.Actors.Cluster;
using ActorPush.Actors.Settings;

namespace ActorPush.Host.Cluster;

/// <summary>
/// Decides at start whether this node runs in a cluster, and where. Cluster mode is on when seed nodes are configured:
/// the env <c>ACTORPUSH_CLUSTER_SEEDS</c> (comma-separated <c>host:port</c> or <c>akka.tcp://...</c> addresses) or else
/// HOCON <c>akka.cluster.seed-nodes</c>. This node's endpoint: <c>ACTORPUSH_CLUSTER_HOSTNAME</c> / <c>_PORT</c> (or HOCON
/// <c>akka.remote.dot-netty.tcp.hostname</c> / <c>port</c>; defaults 127.0.0.1 and 4053) and, behind NAT or in a
/// container, <c>ACTORPUSH_CLUSTER_PUBLIC_HOSTNAME</c> / <c>_PUBLIC_PORT</c>. A bad value stops the start naming it.
/// </summary>
public static class ClusterConfiguration
{
    public const string SeedsVariable = "ACTORPUSH_CLUSTER_SEEDS";
    public const string HostnameVariable = "ACTORPUSH_CLUSTER_HOSTNAME";
    public const string PortVariable = "ACTORPUSH_CLUSTER_PORT";
    public const string PublicHostnameVariable = "ACTORPUSH_CLUSTER_PUBLIC_HOSTNAME";
    public const string PublicPortVariable = "ACTORPUSH_CLUSTER_PUBLIC_PORT";
    public const int DefaultPort = 4053;
    private const string TcpPath = "akka.remote.dot-netty.tcp.";

    /// <summary>The cluster endpoint, or null for a single node (no seed nodes: no remoting port opens).</summary>
    /// <param name="environment">Looks up an environment variable (the process's own in production).</param>
    /// <exception cref="ActorPushConfigException">A seed address, hostname or port is malformed.</exception>
    public static ClusterEndpoint? From(Config hocon, Func<string, string?> environment)
    {
        var seeds = Seeds(hocon, environment);
        if (seeds.Count == 0)
            return null;
        var hostname = environment(HostnameVariable) is { Length: > 0 } host ? host : Text(hocon, TcpPath + "hostname") ?? "127.0.0.1";
        var port = Port(environment(PortVariable), PortVariable) ?? Port(Text(hocon, TcpPath + "port"), TcpPath + "port") ?? DefaultPort;
        var publicHostname = environment(PublicHostnameVariable) is { Length: > 0 } publicHost ? publicHost : Text(hocon, TcpPath + "public-hostname");
        var publicPort = Port(environment(PublicPortVariable), PublicPortVariable) ?? Port(Text(hocon, TcpPath + "public-port"), TcpPath + "public-port");
        return new ClusterEndpoint(hostname, port, publicHostname, publicPort, seeds);
    }

    private static List<string> Seeds(Config hocon, Func<string, string?> environment)
    {
        if (environment(SeedsVariable) is { } fromEnvironment && !string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return [.. fromEnvironment.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(seed => Address(seed, SeedsVariable))];
        }

        if (!hocon.HasPath("akka.cluster.seed-nodes"))
            return [];
        IList<string> list;
        try
        {
            list = hocon.GetStringList("akka.cluster.seed-nodes");
        }
        catch (Exception e)
        {
            throw new ActorPushConfigException("akka.cluster.seed-nodes", $"must be a list of addresses ({e.Message})");
        }

        return [.. list.Where(seed => !string.IsNullOrWhiteSpace(seed)).Select(seed => Address(seed.Trim(), "akka.cluster.seed-nodes"))];
    }

    /// <summary><c>host:port</c> becomes <c>akka.tcp://actorpush@host:port</c>; a full address must name this system.</summary>
    private static string Address(string seed, string key)
    {
        if (seed.Contains("://", StringComparison.Ordinal))
        {
            var prefix = $"akka.tcp://{ClusterEndpoint.SystemName}@";
            if (!seed.StartsWith(prefix, StringComparison.Ordinal) || !Uri.TryCreate("tcp://" + seed[prefix.Length..], UriKind.Absolute, out var uri) || uri.Port < 1)
                throw new ActorPushConfigException(key, $"has '{seed}': a full seed address is {prefix}host:port");
            return seed;
        }

        var colon = seed.LastIndexOf(':');
        if (colon <= 0 || Port(seed[(colon + 1)..], key) is not { } port)
            throw new ActorPushConfigException(key, $"has '{seed}': a seed is host:port or akka.tcp://{ClusterEndpoint.SystemName}@host:port");
        return $"akka.tcp://{ClusterEndpoint.SystemName}@{seed[..colon]}:{port}";
    }

    private static int? Port(string? value, string key)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        return int.TryParse(value, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new ActorPushConfigException(key, $"has '{value}': a port is 0-65535");
    }

    private static string? Text(Config hocon, string path) =>
        hocon.HasPath(path) && hocon.GetString(path) is { Length: > 0 } text ? text : null;
}
