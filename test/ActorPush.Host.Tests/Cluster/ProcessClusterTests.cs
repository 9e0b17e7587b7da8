using System.Net.WebSockets;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Cluster;

/// <summary>Three real ActorPush processes in one cluster: a crashed node, a node that leaves on SIGTERM.</summary>
public sealed class ProcessClusterTests
{
    [Fact]
    public async Task Sigkill_of_one_node_mid_stream_loses_nothing_among_the_survivors_and_it_is_downed()
    {
        await using var cluster = await ProcessCluster.StartAsync(3, """
            akka.cluster.failure-detector { heartbeat-interval = 500ms, acceptable-heartbeat-pause = 2s }
            akka.cluster.split-brain-resolver.stable-after = 2s
            """);
        using var senderA = await ServerProcess.ConnectAsync(cluster.HttpPorts[0], "sender-a");
        using var senderB = await ServerProcess.ConnectAsync(cluster.HttpPorts[1], "sender-b");
        using var doomed = await ServerProcess.ConnectAsync(cluster.HttpPorts[2], "on-the-doomed-node");
        await ClusterStreams.AllRegisteredAsync(senderA, [senderA, senderB, doomed]);
        const int count = 400;

        // Two publishers on the two surviving nodes; the third node is killed halfway through.
        var readers = new[] { senderA, senderB }.Select(socket => ClusterStreams.ReadStreamsAsync(socket, count)).ToArray();
        var sending = Task.WhenAll(ClusterStreams.SendStreamAsync(senderA, "a", count), ClusterStreams.SendStreamAsync(senderB, "b", count, () => cluster.Nodes[2].Kill()));
        await sending;
        var received = await Task.WhenAll(readers);

        foreach (var streams in received)
        {
            Assert.Equal(Enumerable.Range(0, count), streams["a"]);
            Assert.Equal(Enumerable.Range(0, count), streams["b"]);
        }

        await cluster.WaitForMembersAsync(0, 2); // the split-brain resolver downed the dead node
        await cluster.WaitForMembersAsync(1, 2);
        using var after = await ServerProcess.ConnectAsync(cluster.HttpPorts[1], "after");
        await ClusterStreams.AllRegisteredAsync(senderA, [senderA, senderB, after]); // and the survivors still deliver to each other
    }

    [Fact]
    public async Task Sigterm_of_one_node_closes_its_clients_with_1001_and_it_leaves_the_cluster_cleanly()
    {
        // The split-brain resolver would wait an hour: only a graceful leave can make the others count two nodes.
        await using var cluster = await ProcessCluster.StartAsync(3, "akka.cluster.split-brain-resolver.stable-after = 1h");
        using var onA = await ServerProcess.ConnectAsync(cluster.HttpPorts[0], "term-a");
        using var onC = await ServerProcess.ConnectAsync(cluster.HttpPorts[2], "term-c");
        await ClusterStreams.AllRegisteredAsync(onA, [onA, onC]);

        cluster.Nodes[2].Terminate();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await onC.ReceiveCloseAsync());
        Assert.Equal(0, await cluster.Nodes[2].WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await cluster.WaitForMembersAsync(0, 2);
        await cluster.WaitForMembersAsync(1, 2);
        await ClusterStreams.AllRegisteredAsync(onA, [onA]);
    }
}
