using System.Net;
using System.Text.Json;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Cluster;

/// <summary>The push seam on a single node: stats say one node and carry its row, whose counters are the totals.</summary>
public sealed class SingleNodeSeamTests
{
    [Fact]
    public async Task Stats_of_a_single_node_say_one_node_and_its_row_equals_the_totals()
    {
        await using var server = await PushServer.StartAsync();
        using var alice = await server.ConnectQueryAsync("user_id=alice&topics=news");
        await server.WaitForSubscribersAsync("news", 1);
        using var http = server.Http();
        await http.SendAsync(HttpMethod.Post, "/api/topics/news/messages", "one");
        Assert.Equal("one", await alice.ReceiveTextAsync());

        var (status, body) = await http.SendAsync(HttpMethod.Get, "/api/stats");

        Assert.Equal(HttpStatusCode.OK, status);
        var stats = JsonDocument.Parse(body).RootElement;
        Assert.Equal(1, stats.GetProperty("nodes").GetInt32());
        Assert.Equal(0, stats.GetProperty("unanswered").GetArrayLength());
        var row = Assert.Single(stats.GetProperty("perNode").EnumerateArray());
        Assert.False(string.IsNullOrEmpty(row.GetProperty("node").GetString()));
        foreach (var counter in new[] { "connections", "users", "topics", "subscriptions", "messagesIn", "messagesOut" })
            Assert.Equal(stats.GetProperty(counter).GetInt64(), row.GetProperty(counter).GetInt64());
        Assert.Equal(1, row.GetProperty("connections").GetInt32());
        Assert.Equal(1, row.GetProperty("messagesOut").GetInt64());
    }
}
