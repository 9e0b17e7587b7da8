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
        await AllRegisteredAsync(senderA, [senderA, senderB, doomed]);
        const int count = 400;

        // Two publishers on the two surviving nodes; the third node is killed halfway through.
        var readers = new[] { senderA, senderB }.Select(socket => ReadStreamsAsync(socket, count)).ToArray();
        var sending = Task.WhenAll(SendStreamAsync(senderA, "a", count), SendStreamAsync(senderB, "b", count, () => cluster.Nodes[2].Kill()));
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
        await AllRegisteredAsync(senderA, [senderA, senderB, after]); // and the survivors still deliver to each other
    }

    [Fact]
    public async Task Sigterm_of_one_node_closes_its_clients_with_1001_and_it_leaves_the_cluster_cleanly()
    {
        // The split-brain resolver would wait an hour: only a graceful leave can make the others count two nodes.
        await using var cluster = await ProcessCluster.StartAsync(3, "akka.cluster.split-brain-resolver.stable-after = 1h");
        using var onA = await ServerProcess.ConnectAsync(cluster.HttpPorts[0], "term-a");
        using var onC = await ServerProcess.ConnectAsync(cluster.HttpPorts[2], "term-c");
        await AllRegisteredAsync(onA, [onA, onC]);

        cluster.Nodes[2].Terminate();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await onC.ReceiveCloseAsync());
        Assert.Equal(0, await cluster.Nodes[2].WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await cluster.WaitForMembersAsync(0, 2);
        await cluster.WaitForMembersAsync(1, 2);
        await AllRegisteredAsync(onA, [onA]);
    }

    /// <summary>Sends from <paramref name="from"/> until every socket got it: then all of them are registered across the cluster.</summary>
    private static async Task AllRegisteredAsync(WebSocket from, WebSocket[] all)
    {
        for (var attempt = 0; ; attempt++)
        {
            var probe = "probe " + Guid.NewGuid();
            await from.SendTextAsync(probe);
            var got = await Task.WhenAll(all.Select(socket => ReceiveUntilAsync(socket, probe)));
            if (got.All(ok => ok))
                return;
            Assert.True(attempt < 50, "clients did not all receive a probe");
        }
    }

    private static async Task<bool> ReceiveUntilAsync(WebSocket socket, string expected)
    {
        try
        {
            while (await socket.ReceiveTextAsync(TimeSpan.FromSeconds(2)) != expected)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task SendStreamAsync(WebSocket socket, string name, int count, Action? halfway = null)
    {
        for (var i = 0; i < count; i++)
        {
            if (i == count / 2)
                halfway?.Invoke();
            await socket.SendTextAsync($"{name}:{i}");
        }
    }

    /// <summary>Reads until both streams "a" and "b" are complete; returns each stream's sequence numbers in arrival order.</summary>
    private static async Task<Dictionary<string, List<int>>> ReadStreamsAsync(WebSocket socket, int count)
    {
        var streams = new Dictionary<string, List<int>> { ["a"] = [], ["b"] = [] };
        while (streams.Values.Any(stream => stream.Count < count))
        {
            var text = await socket.ReceiveTextAsync();
            var colon = text.IndexOf(':');
            if (colon > 0 && streams.TryGetValue(text[..colon], out var stream))
                stream.Add(int.Parse(text[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }

        return streams;
    }
}
