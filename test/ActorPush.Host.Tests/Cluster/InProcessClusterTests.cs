using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Cluster;

/// <summary>Pushes, kicks, presence and stats across three real nodes of one cluster (in this process, real sockets).</summary>
public sealed class InProcessClusterTests(InProcessCluster cluster) : IClassFixture<InProcessCluster>
{
    private PushServer A => cluster.Nodes[0];

    private PushServer B => cluster.Nodes[1];

    private PushServer C => cluster.Nodes[2];

    [Fact]
    public async Task Broadcast_through_the_api_of_one_node_reaches_clients_on_every_node()
    {
        using var onA = await A.ConnectAsync("bc-a");
        using var onB = await B.ConnectAsync("bc-b");
        using var onC = await C.ConnectAsync("bc-c");
        using var http = B.Http();

        var (status, _) = await http.SendAsync(HttpMethod.Post, "/api/broadcast", "to everyone everywhere");

        Assert.Equal(HttpStatusCode.Accepted, status);
        foreach (var socket in new[] { onA, onB, onC })
            Assert.Equal("to everyone everywhere", await ReceiveSkippingAsync(socket, "to everyone everywhere"));
    }

    [Fact]
    public async Task A_clients_messages_reach_clients_on_other_nodes_in_the_order_it_sent_them()
    {
        using var sender = await A.ConnectAsync("fifo-sender");
        using var onC = await C.ConnectAsync("fifo-c");
        const int count = 300;
        for (var i = 0; i < count; i++)
            await sender.SendTextAsync("fifo " + i);

        var next = 0;
        while (next < count)
        {
            var text = await onC.ReceiveTextAsync();
            if (!text.StartsWith("fifo ", StringComparison.Ordinal))
                continue; // another spec's broadcast
            Assert.Equal("fifo " + next, text);
            next++;
        }
    }

    [Fact]
    public async Task Push_to_a_user_reaches_its_connections_on_every_node_and_presence_counts_them_all()
    {
        using var onA = await A.ConnectAsync("carol");
        using var onC = await C.ConnectAsync("carol");
        using var http = B.Http();

        var (status, _) = await http.SendAsync(HttpMethod.Post, "/api/users/carol/messages", "hi carol");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("hi carol", await ReceiveSkippingAsync(onA, "hi carol"));
        Assert.Equal("hi carol", await ReceiveSkippingAsync(onC, "hi carol"));
        var (presenceStatus, presence) = await http.SendAsync(HttpMethod.Get, "/api/users/carol");
        Assert.Equal(HttpStatusCode.OK, presenceStatus);
        Assert.Equal("""{"userId":"carol","online":true,"connections":2}""", presence);
    }

    [Fact]
    public async Task Topic_push_sent_the_moment_a_subscribers_handshake_completes_on_another_node_arrives()
    {
        using var http = A.Http();
        for (var round = 0; round < 5; round++)
        {
            using var subscriber = await B.ConnectQueryAsync($"user_id=t-{round}&topics=instant-{round}");
            var (status, _) = await http.SendAsync(HttpMethod.Post, $"/api/topics/instant-{round}/messages", "now " + round);
            Assert.Equal(HttpStatusCode.Accepted, status);
            Assert.Equal("now " + round, await ReceiveSkippingAsync(subscriber, "now " + round));
        }
    }

    [Fact]
    public async Task Server_side_subscription_and_kick_through_one_node_reach_the_users_connection_on_another()
    {
        using var onC = await C.ConnectAsync("dora");
        using var http = A.Http();

        Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(HttpMethod.Put, "/api/users/dora/topics/dora-room")).Status);
        await C.WaitForSubscribersAsync("dora-room", 1); // a server-side subscribe applies asynchronously, as on one node
        Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(HttpMethod.Post, "/api/topics/dora-room/messages", "in the room")).Status);
        Assert.Equal("in the room", await ReceiveSkippingAsync(onC, "in the room"));
        Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(HttpMethod.Delete, "/api/users/dora/connections")).Status);

        Assert.Equal((WebSocketCloseStatus)4003, await onC.ReceiveCloseAsync());
    }

    [Fact]
    public async Task Stats_count_three_nodes_with_a_row_each_and_totals_over_all_of_them()
    {
        using var onA = await A.ConnectAsync("st-a");
        using var onB = await B.ConnectAsync("st-b");
        using var http = C.Http();

        var (status, body) = await http.SendAsync(HttpMethod.Get, "/api/stats");

        Assert.Equal(HttpStatusCode.OK, status);
        var stats = JsonDocument.Parse(body).RootElement;
        Assert.Equal(3, stats.GetProperty("nodes").GetInt32());
        var rows = stats.GetProperty("perNode").EnumerateArray().ToArray();
        Assert.Equal(3, rows.Select(row => row.GetProperty("node").GetString()).Distinct().Count());
        Assert.Equal(rows.Sum(row => row.GetProperty("connections").GetInt32()), stats.GetProperty("connections").GetInt32());
        Assert.True(stats.GetProperty("connections").GetInt32() >= 2);
        Assert.Equal(0, stats.GetProperty("unanswered").GetArrayLength());
    }

    [Fact]
    public async Task Every_node_is_ready_and_exports_three_up_members_and_none_unreachable()
    {
        foreach (var node in new[] { A, B, C })
        {
            using var http = node.Http();
            var (status, body) = await http.SendAsync(HttpMethod.Get, "/readyz");
            Assert.True(status == HttpStatusCode.OK, $"/readyz of {node.BaseUri} answered {(int)status}: {body}");
            await Eventually.HoldsAsync(async () =>
            {
                var scrape = await MetricsScrape.FromAsync(node.BaseUri);
                return scrape.Value("actorpush_cluster_members", "status=\"up\"") == 3
                    && scrape.Has("actorpush_cluster_members", "status=\"unreachable\"")
                    && scrape.Value("actorpush_cluster_members", "status=\"unreachable\"") == 0;
            }, $"{node.BaseUri}/metrics to count 3 up members and 0 unreachable");
        }
    }

    /// <summary>Reads until <paramref name="expected"/> arrives (other specs' broadcasts may come first).</summary>
    private static async Task<string> ReceiveSkippingAsync(WebSocket socket, string expected)
    {
        while (true)
        {
            var text = await socket.ReceiveTextAsync();
            if (text == expected)
                return text;
        }
    }
}
