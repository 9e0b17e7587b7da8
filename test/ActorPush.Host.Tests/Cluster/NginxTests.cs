using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Cluster;

/// <summary>The shipped deploy/nginx.conf on real nginx in front of a real three-node cluster.</summary>
public sealed class NginxTests(ProxiedCluster cluster) : IClassFixture<ProxiedCluster>
{
    [Fact]
    public async Task Clients_through_nginx_spread_over_the_nodes_and_a_push_through_nginx_reaches_every_one()
    {
        Assert.True(Nginx.Binary is not null, "nginx is not installed (.ci/run installs Debian's nginx)");
        await using var nginx = await Nginx.StartAsync(cluster.Nodes.Select(node => node.BaseUri));
        var clients = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                var socket = new ClientWebSocket();
                using var timeout = new CancellationTokenSource(Deadlines.Default);
                await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{nginx.Port}/im?user_id=via-nginx-{i}"), timeout.Token);
                clients.Add(socket);
            }

            using var http = new HttpClient { BaseAddress = nginx.BaseUri, Timeout = Deadlines.Default };
            JsonElement stats = default;
            await Eventually.HoldsAsync(async () =>
            {
                var (_, body) = await http.SendAsync(HttpMethod.Get, "/api/stats");
                stats = JsonDocument.Parse(body).RootElement;
                return stats.GetProperty("connections").GetInt32() == clients.Count;
            }, "the cluster to count every client that came through nginx");
            var nodesWithClients = stats.GetProperty("perNode").EnumerateArray().Count(row => row.GetProperty("connections").GetInt32() > 0);
            Assert.True(nodesWithClients >= 2, $"nginx sent every client to one node: {stats}");

            var (status, _) = await http.SendAsync(HttpMethod.Post, "/api/broadcast", "through nginx");

            Assert.Equal(HttpStatusCode.Accepted, status);
            foreach (var socket in clients)
                Assert.Equal("through nginx", await socket.ReceiveTextAsync());
        }
        finally
        {
            foreach (var socket in clients)
                socket.Dispose();
        }
    }
}
