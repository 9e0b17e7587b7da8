using System.Net;
using System.Net.WebSockets;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests;

/// <summary>
/// A node's topic bounds on the wire: at actorpush.topics.max-topics a new topic is refused with a clear answer at the
/// handshake and through the API while live topics stay open to everyone; with actorpush.auth.topics-need-grant a
/// client subscribes itself only to topics a token grants, and the API still subscribes anyone.
/// </summary>
public sealed class TopicBoundsTests
{
    private const string Secret = "test-secret-that-is-at-least-32-bytes-long";

    [Fact]
    public async Task At_the_node_topic_cap_a_new_topic_gets_503_at_connect_and_from_the_api_while_live_topics_still_take_subscribers()
    {
        await using var server = await PushServer.StartAsync("actorpush.topics.max-topics = 2");
        var first = await server.ConnectQueryAsync("user_id=first&topics=a,b");
        await server.WaitForSubscribersAsync("b", 1);
        using var http = server.Http();

        var (connect, connectText) = await server.HandshakeAsync("user_id=late&topics=c");
        var (api, apiText) = await http.SendAsync(HttpMethod.Put, "/api/users/first/topics/c");
        using var joiner = await server.ConnectQueryAsync("user_id=joiner&topics=a");
        var (apiLive, _) = await http.SendAsync(HttpMethod.Put, "/api/users/joiner/topics/b");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, connect);
        Assert.Contains("holds its limit of 2 topics", connectText);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, api);
        Assert.Contains("actorpush.topics.max-topics", apiText);
        Assert.Equal(HttpStatusCode.Accepted, apiLive);
        await server.WaitForSubscribersAsync("a", 2);
        await server.WaitForSubscribersAsync("b", 2);
        Assert.Equal(2, (await server.TopicStatsAsync()).Topics);

        // Topics end with their last subscriber; then the node has room again.
        await first.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        first.Dispose();
        await server.WaitForSubscribersAsync("a", 1);
        await http.SendAsync(HttpMethod.Delete, "/api/users/joiner/topics/b");
        await server.WaitForSubscribersAsync("b", 0);
        await Eventually.HoldsAsync(async () => (await server.HandshakeAsync("user_id=late&topics=c")).Status == HttpStatusCode.SwitchingProtocols,
            "a new topic to be taken once the node is under its cap");
    }

    [Fact]
    public async Task With_topics_need_grant_and_no_tokens_clients_cannot_pick_topics_but_the_api_subscribes_them()
    {
        await using var server = await PushServer.StartAsync("actorpush.auth.topics-need-grant = on");
        var (status, text) = await server.HandshakeAsync("user_id=alice&topics=news");
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("needs a token that grants it", text);

        using var alice = await server.ConnectAsync("alice");
        using var http = server.Http();
        Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(HttpMethod.Put, "/api/users/alice/topics/news")).Status);
        await server.WaitForSubscribersAsync("news", 1);
        await http.SendAsync(HttpMethod.Post, "/api/topics/news/messages", "granted by the backend");
        Assert.Equal("granted by the backend", await alice.ReceiveTextAsync());
    }

    [Fact]
    public async Task With_topics_need_grant_a_token_subscribes_to_the_topics_its_claim_lists_and_a_token_without_the_claim_to_none()
    {
        await using var server = await PushServer.StartAsync($"""
            actorpush.auth.jwt-secret = "{Secret}"
            actorpush.auth.topics-need-grant = on
            """);
        var granted = PushApi.MintToken(Secret, "carol", topics: ["news"]);
        var unclaimed = PushApi.MintToken(Secret, "dave");

        using var carol = await server.ConnectQueryAsync("token=" + granted + "&topics=news");
        var (other, otherText) = await server.HandshakeAsync("token=" + granted + "&topics=sport");
        var (none, _) = await server.HandshakeAsync("token=" + unclaimed + "&topics=news");
        var (plain, _) = await server.HandshakeAsync("token=" + unclaimed);

        await server.WaitForSubscribersAsync("news", 1);
        Assert.Equal(HttpStatusCode.Forbidden, other);
        Assert.Contains("does not allow topic sport", otherText);
        Assert.Equal(HttpStatusCode.Forbidden, none);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, plain);
    }
}
