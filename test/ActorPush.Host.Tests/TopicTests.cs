using System.Net;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests;

/// <summary>Topics on the wire: subscribing at connect, topic pushes, server-side subscriptions, clean-up and refusals.</summary>
public sealed class TopicTests
{
    [Fact]
    public async Task Connection_subscribed_at_connect_receives_its_topics_pushes_and_not_others()
    {
        await using var server = await PushServer.StartAsync();
        using var fan = await server.ConnectQueryAsync("user_id=fan&topics=news,scores/live");
        using var other = await server.ConnectQueryAsync("user_id=other&topics=weather");
        await server.WaitForSubscribersAsync("scores/live", 1);
        await server.WaitForSubscribersAsync("weather", 1);
        using var http = server.Http();

        var (status, body) = await http.SendAsync(HttpMethod.Post, "/api/topics/news/messages", "headline");
        await http.SendAsync(HttpMethod.Post, "/api/topics/" + Uri.EscapeDataString("scores/live") + "/messages", "2:1");
        await http.SendAsync(HttpMethod.Post, "/api/topics/weather/messages", "rain");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Contains("topic:news", body);
        Assert.Equal("headline", await fan.ReceiveTextAsync());
        Assert.Equal("2:1", await fan.ReceiveTextAsync());
        Assert.Equal("rain", await other.ReceiveTextAsync()); // its first message: no news or scores reached it
    }

    [Fact]
    public async Task Server_side_subscribe_and_unsubscribe_apply_to_every_connection_of_the_user()
    {
        await using var server = await PushServer.StartAsync();
        using var tab = await server.ConnectAsync("carol");
        using var phone = await server.ConnectAsync("carol");
        using var bob = await server.ConnectAsync("bob");
        using var http = server.Http();

        var (put, putBody) = await http.SendAsync(HttpMethod.Put, "/api/users/carol/topics/deals");
        await server.WaitForSubscribersAsync("deals", 2);
        await http.SendAsync(HttpMethod.Post, "/api/topics/deals/messages", "50% off");
        Assert.Equal(HttpStatusCode.Accepted, put);
        Assert.Contains("\"topic\":\"deals\"", putBody);
        Assert.Equal("50% off", await tab.ReceiveTextAsync());
        Assert.Equal("50% off", await phone.ReceiveTextAsync());

        var (delete, _) = await http.SendAsync(HttpMethod.Delete, "/api/users/carol/topics/deals");
        await server.WaitForSubscribersAsync("deals", 0);
        await http.SendAsync(HttpMethod.Post, "/api/topics/deals/messages", "too late");
        await http.SendAsync(HttpMethod.Get, "/api/stats"); // asks the topics actor: the publish above was handled before it answers
        await http.SendAsync(HttpMethod.Post, "/api/users/carol/messages", "marker");

        Assert.Equal(HttpStatusCode.Accepted, delete);
        Assert.Equal("marker", await tab.ReceiveTextAsync());
        Assert.Equal("marker", await phone.ReceiveTextAsync());
        await http.SendAsync(HttpMethod.Post, "/api/users/bob/messages", "bob marker");
        Assert.Equal("bob marker", await bob.ReceiveTextAsync());
    }

    [Fact]
    public async Task Disconnecting_unsubscribes_by_death_watch_and_the_empty_topic_goes_away()
    {
        await using var server = await PushServer.StartAsync();
        var leaving = await server.ConnectQueryAsync("user_id=a&topics=room:1,room:2");
        using var staying = await server.ConnectQueryAsync("user_id=b&topics=room:2");
        await server.WaitForSubscribersAsync("room:2", 2);
        Assert.Equal(2, (await server.TopicStatsAsync()).Topics);

        leaving.Abort(); // vanishes without a close handshake
        leaving.Dispose();

        await Eventually.HoldsAsync(async () => await server.TopicStatsAsync() is { Topics: 1, Subscriptions: 1 }, "room:1 to go away");
        using var http = server.Http();
        var (_, topic) = await http.SendAsync(HttpMethod.Get, "/api/topics/room:1");
        Assert.Equal("""{"topic":"room:1","subscribers":0}""", topic);
        await http.SendAsync(HttpMethod.Post, "/api/topics/room:2/messages", "still open");
        Assert.Equal("still open", await staying.ReceiveTextAsync());
    }

    [Theory]
    [InlineData("topics=", "empty")]
    [InlineData("topics=a,,b", "empty")]
    [InlineData("topics=has%20space", "may contain only")]
    [InlineData("topics=caf%C3%A9", "may contain only")]
    [InlineData("topics=a*", "may contain only")]
    public async Task Bad_topic_names_are_refused_with_400_before_upgrade(string topicsQuery, string expectedText)
    {
        await using var server = await PushServer.StartAsync();

        var (status, body) = await server.HandshakeAsync("user_id=alice&" + topicsQuery);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(expectedText, body);
        Assert.Equal(0, (await server.StatsAsync()).Connections);
    }

    [Fact]
    public async Task Topic_names_may_be_128_bytes_and_not_129()
    {
        await using var server = await PushServer.StartAsync();

        var (tooLong, body) = await server.HandshakeAsync("user_id=alice&topics=" + new string('t', 129));
        var (longest, _) = await server.HandshakeAsync("user_id=alice&topics=" + new string('t', 128) + ",A-z_0.9:@/x");

        Assert.Equal(HttpStatusCode.BadRequest, tooLong);
        Assert.Contains("longer than 128 bytes", body);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, longest);
    }

    [Fact]
    public async Task More_topics_than_max_topics_is_refused_with_400()
    {
        await using var server = await PushServer.StartAsync("actorpush.client.max-topics = 2");

        var (tooMany, body) = await server.HandshakeAsync("user_id=alice&topics=a,b,c");
        var (enough, _) = await server.HandshakeAsync("user_id=alice&topics=a,b,a");

        Assert.Equal(HttpStatusCode.BadRequest, tooMany);
        Assert.Contains("more than 2 topics", body);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, enough);
    }
}
