using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Cluster;

/// <summary>
/// Three ActorPush processes (own HTTP and remoting ports) with the shipped deploy/nginx.conf on real nginx in front:
/// clients directly on each node and through nginx; pushes, kicks and presence across the nodes; a hung node, a
/// crashed node whose clients come back through nginx, and a node that joins the running cluster.
/// </summary>
public sealed class ClusterBehindNginxTests
{
    // Quick failure detection and downing, so a crashed node is gone in seconds; nginx is the trusted proxy.
    private const string Hocon = """
        actorpush.trusted-proxies = ["127.0.0.1"]
        actorpush.api.ask-timeout = 2s
        akka.cluster.failure-detector { heartbeat-interval = 500ms, acceptable-heartbeat-pause = 2s }
        akka.cluster.split-brain-resolver.stable-after = 2s
        """;

    [Fact]
    public async Task Pushes_kicks_and_presence_reach_clients_on_every_process_directly_and_through_nginx()
    {
        await using var deployment = await Deployment.StartAsync();
        var (cluster, nginx, viaNginx) = (deployment.Cluster, deployment.Nginx, deployment.ViaNginx);

        var direct = new List<ClientWebSocket>();
        for (var node = 0; node < 3; node++)
            direct.Add(deployment.Add(await ServerProcess.ConnectAsync(cluster.HttpPorts[node], $"direct-{node}")));
        var proxied = new List<ClientWebSocket>();
        for (var i = 0; i < 6; i++)
            proxied.Add(deployment.Add(await ConnectAsync(nginx.Port, $"user_id=proxied-{i}")));
        var stats = await StatsWhenAsync(viaNginx, stats => stats.GetProperty("connections").GetInt32() == 9, "9 connections over the cluster");
        var spread = stats.GetProperty("perNode").EnumerateArray().Count(row => row.GetProperty("connections").GetInt32() > 1);
        Assert.True(spread >= 2, $"nginx sent every proxied client to one node: {stats}");

        // Broadcast through nginx: every client on every node. It crosses the wire once to each other node: two items
        // in two batches, each batch 13 bytes (version, sequence, count) and its item 11 bytes plus the payload.
        var wireBefore = await WireAsync(cluster);
        Assert.Equal(HttpStatusCode.Accepted, (await viaNginx.SendAsync(HttpMethod.Post, "/api/broadcast", "to all nine")).Status);
        foreach (var socket in direct.Concat(proxied))
            Assert.Equal("to all nine", await socket.ReceiveTextAsync());
        (double Items, double Batches, double Bytes) wire = default;
        await Eventually.HoldsAsync(async () =>
        {
            var now = await WireAsync(cluster);
            wire = (now.Items - wireBefore.Items, now.Batches - wireBefore.Batches, now.Bytes - wireBefore.Bytes);
            return wire.Items >= 2;
        }, "the nodes' metrics to count the broadcast's items");
        Assert.Equal((2, 2, 2 * (13 + 11 + "to all nine".Length)), wire);

        // One user on two processes directly and once through nginx: a push through a third node reaches all three,
        // presence through any node counts all three.
        var erin = new[]
        {
            deployment.Add(await ServerProcess.ConnectAsync(cluster.HttpPorts[0], "erin")),
            deployment.Add(await ServerProcess.ConnectAsync(cluster.HttpPorts[2], "erin")),
            deployment.Add(await ConnectAsync(nginx.Port, "user_id=erin")),
        };
        using (var node1 = cluster.Http(1))
        {
            await Eventually.HoldsAsync(async () => (await node1.SendAsync(HttpMethod.Get, "/api/users/erin")).Body.Contains("\"connections\":3"),
                "presence to count erin's three connections");
            Assert.Equal(HttpStatusCode.Accepted, (await node1.SendAsync(HttpMethod.Post, "/api/users/erin/messages", "hi erin")).Status);
        }

        foreach (var socket in erin)
            Assert.Equal("hi erin", await socket.ReceiveTextAsync());
        using (var node0 = cluster.Http(0))
            Assert.Equal("""{"userId":"erin","online":true,"connections":3}""", (await node0.SendAsync(HttpMethod.Get, "/api/users/erin")).Body);

        // A topic push sent the moment a subscriber's handshake completes on another node (or behind nginx) arrives.
        for (var round = 0; round < 3; round++)
        {
            var subscriber = deployment.Add(round == 2
                ? await ConnectAsync(nginx.Port, "user_id=sub-2&topics=live-2")
                : await ConnectAsync(cluster.HttpPorts[round + 1], $"user_id=sub-{round}&topics=live-{round}"));
            using var publisher = cluster.Http(round == 2 ? 0 : round);
            Assert.Equal(HttpStatusCode.Accepted, (await publisher.SendAsync(HttpMethod.Post, $"/api/topics/live-{round}/messages", "now " + round)).Status);
            Assert.Equal("now " + round, await subscriber.ReceiveTextAsync());
        }

        // A server-side subscription through one node applies to the user's connection on another.
        using (var node0 = cluster.Http(0))
        {
            Assert.Equal(HttpStatusCode.Accepted, (await node0.SendAsync(HttpMethod.Put, "/api/users/direct-2/topics/room")).Status);
            await Eventually.HoldsAsync(async () => (await viaNginx.SendAsync(HttpMethod.Get, "/api/topics/room")).Body.Contains("\"subscribers\":1"),
                "the server-side subscription to count on node 2");
        }

        Assert.Equal(HttpStatusCode.Accepted, (await viaNginx.SendAsync(HttpMethod.Post, "/api/topics/room/messages", "in the room")).Status);
        Assert.Equal("in the room", await direct[2].ReceiveTextAsync());

        // A kick through nginx closes erin everywhere; presence then says offline.
        Assert.Equal(HttpStatusCode.Accepted, (await viaNginx.SendAsync(HttpMethod.Delete, "/api/users/erin/connections")).Status);
        foreach (var socket in erin)
            Assert.Equal((WebSocketCloseStatus)4003, await socket.ReceiveCloseAsync());
        await Eventually.HoldsAsync(async () => (await viaNginx.SendAsync(HttpMethod.Get, "/api/users/erin")).Body == """{"userId":"erin","online":false,"connections":0}""",
            "presence to say erin is offline on every node");
    }

    [Fact]
    public async Task Hung_node_is_named_crashed_nodes_clients_return_through_nginx_joining_node_gets_every_later_push()
    {
        await using var deployment = await Deployment.StartAsync();
        var (cluster, nginx, viaNginx) = (deployment.Cluster, deployment.Nginx, deployment.ViaNginx);
        var proxied = new Dictionary<string, ClientWebSocket>();
        for (var i = 0; i < 6; i++)
            proxied[$"p-{i}"] = deployment.Add(await ConnectAsync(nginx.Port, $"user_id=p-{i}"));
        await StatsWhenAsync(viaNginx, stats => stats.GetProperty("connections").GetInt32() == 6, "6 connections over the cluster");

        // Node 2 hangs (SIGSTOP): presence and stats through the others answer without it and name it. Both are
        // asked at once, long before the split-brain resolver could down it (detection 2s, then stable-after 2s).
        cluster.Nodes[2].Pause();
        using var node0 = cluster.Http(0);
        using var node1 = cluster.Http(1);
        var presenceAsked = node0.SendAsync(HttpMethod.Get, "/api/users/p-0");
        var statsAsked = node1.SendAsync(HttpMethod.Get, "/api/stats");
        var (presenceStatus, presenceBody) = await presenceAsked;
        Assert.Equal(HttpStatusCode.OK, presenceStatus);
        Assert.Equal([cluster.Address(2)], Names(JsonDocument.Parse(presenceBody).RootElement.GetProperty("unanswered")));
        var (statsStatus, statsBody) = await statsAsked;
        Assert.Equal(HttpStatusCode.OK, statsStatus);
        var hung = JsonDocument.Parse(statsBody).RootElement;
        Assert.Equal([cluster.Address(2)], Names(hung.GetProperty("unanswered")));
        Assert.Equal(2, hung.GetProperty("perNode").GetArrayLength());

        // Then it crashes (SIGKILL): its clients lose their sockets, the others get the next push.
        cluster.Nodes[2].Kill();
        Assert.Equal(HttpStatusCode.Accepted, (await node0.SendAsync(HttpMethod.Post, "/api/broadcast", "after the crash")).Status);
        var lost = new List<string>();
        foreach (var (user, socket) in proxied)
        {
            if (!await ReceivesOrIsGoneAsync(socket, "after the crash"))
                lost.Add(user);
        }

        Assert.NotEmpty(lost); // least_conn gave the crashed node its share of the six
        Assert.True(lost.Count < proxied.Count, "every proxied client was on the crashed node");

        // They reconnect through nginx, which takes them to a live node, and receive what is pushed after.
        foreach (var user in lost)
            proxied[user] = deployment.Add(await ConnectAsync(nginx.Port, "user_id=" + user));
        await StatsWhenAsync(viaNginx, stats => stats.GetProperty("connections").GetInt32() == 6, "the reconnected clients to count again");
        foreach (var user in lost)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await viaNginx.SendAsync(HttpMethod.Post, $"/api/users/{user}/messages", "welcome back " + user)).Status);
            Assert.Equal("welcome back " + user, await proxied[user].ReceiveTextAsync());
        }

        Assert.Equal(HttpStatusCode.Accepted, (await viaNginx.SendAsync(HttpMethod.Post, "/api/broadcast", "later")).Status);
        foreach (var socket in proxied.Values)
            Assert.Equal("later", await ReceiveSkippingAsync(socket, "later"));

        // A new node joins the running cluster (once the crashed one is downed). It serves its clients at once...
        await cluster.WaitForMembersAsync(0, 2);
        var joiner = await cluster.AddNodeAsync();
        var onJoiner = deployment.Add(await ServerProcess.ConnectAsync(cluster.HttpPorts[joiner], "joiner"));
        using var joinerHttp = cluster.Http(joiner);
        Assert.Equal(HttpStatusCode.Accepted, (await joinerHttp.SendAsync(HttpMethod.Post, "/api/users/joiner/messages", "served at once")).Status);
        Assert.Equal("served at once", await onJoiner.ReceiveTextAsync());

        // ...and once it is Up (its /readyz says so) it receives everything the other nodes' publishers send, in order.
        await Eventually.HoldsAsync(async () => (await joinerHttp.SendAsync(HttpMethod.Get, "/readyz")).Status == HttpStatusCode.OK,
            "the joining node to be an Up member", TimeSpan.FromSeconds(60));
        var senderA = deployment.Add(await ServerProcess.ConnectAsync(cluster.HttpPorts[0], "stream-a"));
        var senderB = deployment.Add(await ServerProcess.ConnectAsync(cluster.HttpPorts[1], "stream-b"));
        const int count = 200;
        var reading = ClusterStreams.ReadStreamsAsync(onJoiner, count);
        await Task.WhenAll(ClusterStreams.SendStreamAsync(senderA, "a", count), ClusterStreams.SendStreamAsync(senderB, "b", count));
        var streams = await reading;
        Assert.Equal(Enumerable.Range(0, count), streams["a"]);
        Assert.Equal(Enumerable.Range(0, count), streams["b"]);
        await cluster.WaitForMembersAsync(joiner, 3);
    }

    /// <summary>What the nodes sent each other so far, summed over their /metrics.</summary>
    private static async Task<(double Items, double Batches, double Bytes)> WireAsync(ProcessCluster cluster)
    {
        var scrapes = await Task.WhenAll(cluster.BaseUris.Select(uri => MetricsScrape.FromAsync(uri)));
        return (scrapes.Sum(scrape => scrape.Value("actorpush_cluster_sent_items_total")),
            scrapes.Sum(scrape => scrape.Value("actorpush_cluster_sent_batches_total")),
            scrapes.Sum(scrape => scrape.Value("actorpush_cluster_sent_bytes_total")));
    }

    private static IEnumerable<string?> Names(JsonElement array) => array.EnumerateArray().Select(node => node.GetString());

    private static async Task<ClientWebSocket> ConnectAsync(int port, string query)
    {
        var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(Deadlines.Default);
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/im?{query}"), timeout.Token);
        return socket;
    }

    private static async Task<JsonElement> StatsWhenAsync(HttpClient http, Func<JsonElement, bool> condition, string what)
    {
        JsonElement stats = default;
        await Eventually.HoldsAsync(async () =>
        {
            var (status, body) = await http.SendAsync(HttpMethod.Get, "/api/stats");
            if (status != HttpStatusCode.OK)
                return false;
            stats = JsonDocument.Parse(body).RootElement;
            return condition(stats);
        }, what);
        return stats;
    }

    /// <summary>True once <paramref name="expected"/> arrives; false when the connection is gone (closed or reset) first.</summary>
    private static async Task<bool> ReceivesOrIsGoneAsync(WebSocket socket, string expected)
    {
        try
        {
            while (true)
            {
                var message = await socket.ReceiveMessageAsync();
                if (message.Type == WebSocketMessageType.Close)
                    return false;
                if (message.Text == expected)
                    return true;
            }
        }
        catch (WebSocketException)
        {
            return false;
        }
    }

    private static async Task<string> ReceiveSkippingAsync(WebSocket socket, string expected)
    {
        while (await socket.ReceiveTextAsync() != expected)
        {
        }

        return expected;
    }

    /// <summary>Three processes with nginx in front, and every socket a test opens there; all stopped when it ends.</summary>
    private sealed class Deployment : IAsyncDisposable
    {
        private readonly List<ClientWebSocket> _all = [];

        private Deployment(ProcessCluster cluster, Nginx nginx)
        {
            Cluster = cluster;
            Nginx = nginx;
            ViaNginx = new HttpClient { BaseAddress = nginx.BaseUri, Timeout = Deadlines.Default };
        }

        public ProcessCluster Cluster { get; }

        public Nginx Nginx { get; }

        public HttpClient ViaNginx { get; }

        public static async Task<Deployment> StartAsync()
        {
            Assert.True(Nginx.Binary is not null, "nginx is not installed (.ci/run installs Debian's nginx)");
            var cluster = await ProcessCluster.StartAsync(3, Hocon);
            try
            {
                return new Deployment(cluster, await Nginx.StartAsync(cluster.BaseUris));
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }

        public ClientWebSocket Add(ClientWebSocket socket)
        {
            _all.Add(socket);
            return socket;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var socket in _all)
                socket.Dispose();
            ViaNginx.Dispose();
            await Nginx.DisposeAsync();
            await Cluster.DisposeAsync();
        }
    }
}
