using System.Text.Json;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Cluster;

/// <summary>
/// Three real ActorPush servers in this process, each with its own Kestrel port and its own remoting port on
/// 127.0.0.1, joined into one Akka cluster (the first is the seed). Shared by the specs of one class: forming a
/// cluster takes seconds, the specs use distinct user ids and topics.
/// </summary>
public class InProcessCluster : IAsyncLifetime
{
    public PushServer[] Nodes { get; private set; } = [];

    /// <summary>HOCON every node gets on top of the cluster settings.</summary>
    protected virtual string ExtraHocon => "";

    public static string Hocon(int port, int seedPort, string extra = "") => $$"""
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = {{port}} }
        akka.cluster.seed-nodes = ["akka.tcp://actorpush@127.0.0.1:{{seedPort}}"]
        akka.loglevel = WARNING
        {{extra}}
        """;

    public async Task InitializeAsync()
    {
        var ports = new[] { ServerProcess.FreePort(), ServerProcess.FreePort(), ServerProcess.FreePort() };
        Nodes = await Task.WhenAll(ports.Select(port => PushServer.StartAsync(Hocon(port, ports[0], ExtraHocon))));
        foreach (var node in Nodes)
            await WaitForMembersAsync(node, Nodes.Length);
    }

    public async Task DisposeAsync()
    {
        foreach (var node in Nodes.Reverse())
            await node.DisposeAsync();
    }

    /// <summary>Waits until <paramref name="node"/>'s stats count <paramref name="count"/> members up and every one answers.</summary>
    public static Task WaitForMembersAsync(PushServer node, int count) =>
        Eventually.HoldsAsync(async () =>
        {
            using var http = node.Http();
            var (_, body) = await http.SendAsync(HttpMethod.Get, "/api/stats");
            var stats = JsonDocument.Parse(body).RootElement;
            return stats.GetProperty("nodes").GetInt32() == count && stats.GetProperty("perNode").GetArrayLength() == count;
        }, $"{node.BaseUri} to see {count} members up, each answering", TimeSpan.FromSeconds(60));
}

/// <summary>A three-node cluster whose nodes trust a proxy on 127.0.0.1 (nginx in front of them).</summary>
public sealed class ProxiedCluster : InProcessCluster
{
    protected override string ExtraHocon => """actorpush.trusted-proxies = ["127.0.0.1"]""";
}
