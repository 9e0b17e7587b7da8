using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests;

/// <summary>The server push API on real Kestrel: pushes, presence, kicks, stats and every refusal.</summary>
public sealed class ApiTests
{
    private const string LongId = // 257 bytes: one over the limit
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" +
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

    [Fact]
    public async Task Broadcast_text_body_reaches_every_client_as_a_text_frame_unchanged_and_answers_202_json()
    {
        await using var server = await PushServer.StartAsync();
        using var alice = await server.ConnectAsync("alice");
        using var bob = await server.ConnectAsync("bob");
        using var http = server.Http();
        const string payload = "héllo ✓ everyone";

        var (status, body) = await http.SendAsync(HttpMethod.Post, "/api/broadcast", payload, "text/plain");

        Assert.Equal(HttpStatusCode.Accepted, status);
        using var json = JsonDocument.Parse(body);
        Assert.True(json.RootElement.GetProperty("accepted").GetBoolean());
        Assert.Equal(payload, await alice.ReceiveTextAsync());
        Assert.Equal(payload, await bob.ReceiveTextAsync());
    }

    [Fact]
    public async Task Json_body_is_a_text_frame_and_octet_stream_body_a_binary_frame_with_the_same_bytes()
    {
        await using var server = await PushServer.StartAsync();
        using var alice = await server.ConnectAsync("alice");
        using var http = server.Http();
        var bytes = new byte[] { 0, 1, 0xFF, 0xC3, 0x28, 10 };

        Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(HttpMethod.Post, "/api/broadcast", "{\"n\":1}", "application/json")).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await http.PostBytesAsync("/api/broadcast", bytes, "application/octet-stream")).Status);

        Assert.Equal("{\"n\":1}", await alice.ReceiveTextAsync());
        var binary = await alice.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Binary, binary.Type);
        Assert.Equal(bytes, binary.Payload);
    }

    [Fact]
    public async Task User_push_reaches_every_connection_of_that_user_and_no_one_else()
    {
        await using var server = await PushServer.StartAsync();
        using var tab = await server.ConnectAsync("carol");
        using var phone = await server.ConnectAsync("carol");
        using var bob = await server.ConnectAsync("bob");
        using var http = server.Http();

        var (status, _) = await http.SendAsync(HttpMethod.Post, "/api/users/carol/messages", "for carol");
        await http.SendAsync(HttpMethod.Post, "/api/users/bob/messages", "for bob");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("for carol", await tab.ReceiveTextAsync());
        Assert.Equal("for carol", await phone.ReceiveTextAsync());
        Assert.Equal("for bob", await bob.ReceiveTextAsync()); // bob's first message is his own: carol's never reached him
    }

    [Fact]
    public async Task Path_segments_are_decoded_exactly_once_so_a_percent_2F_user_is_not_the_slash_user()
    {
        await using var server = await PushServer.StartAsync();
        using var percent = await server.ConnectAsync("a%2Fb");
        using var slash = await server.ConnectAsync("a/b");
        using var http = server.Http();

        var (status, body) = await http.SendAsync(HttpMethod.Post, "/api/users/a%252Fb/messages", "for a%2Fb");
        await http.SendAsync(HttpMethod.Post, "/api/users/a%2Fb/messages", "for a/b");
        var (presence, presenceBody) = await http.SendAsync(HttpMethod.Get, "/api/users/a%252Fb");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Contains("user:a%2Fb", body);
        Assert.Equal("for a%2Fb", await percent.ReceiveTextAsync());
        Assert.Equal("for a/b", await slash.ReceiveTextAsync()); // its first message: the push for a%2Fb never reached it
        Assert.Equal(HttpStatusCode.OK, presence);
        Assert.Contains("\"userId\":\"a%2Fb\"", presenceBody);

        Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(HttpMethod.Delete, "/api/users/a%252Fb/connections")).Status);
        Assert.Equal((WebSocketCloseStatus)4003, await percent.ReceiveCloseAsync());
        await http.SendAsync(HttpMethod.Post, "/api/users/a%2Fb/messages", "still here");
        Assert.Equal("still here", await slash.ReceiveTextAsync());
    }

    [Fact]
    public async Task User_ids_with_slashes_and_unicode_are_addressed_percent_encoded()
    {
        await using var server = await PushServer.StartAsync();
        using var odd = await server.ConnectAsync("team/ünïcode");
        using var http = server.Http();

        var (status, _) = await http.SendAsync(HttpMethod.Post, "/api/users/" + Uri.EscapeDataString("team/ünïcode") + "/messages", "found you");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("found you", await odd.ReceiveTextAsync());
    }

    [Fact]
    public async Task Presence_reports_online_and_connection_count_and_unknown_users_as_offline()
    {
        await using var server = await PushServer.StartAsync();
        using var one = await server.ConnectAsync("dave");
        using var two = await server.ConnectAsync("dave");
        using var http = server.Http();

        var (status, body) = await http.SendAsync(HttpMethod.Get, "/api/users/dave");
        var (_, unknown) = await http.SendAsync(HttpMethod.Get, "/api/users/nobody");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("""{"userId":"dave","online":true,"connections":2}""", body);
        Assert.Equal("""{"userId":"nobody","online":false,"connections":0}""", unknown);
    }

    [Fact]
    public async Task Kick_closes_every_connection_of_the_user_with_4003_and_leaves_others_connected()
    {
        await using var server = await PushServer.StartAsync();
        using var tab = await server.ConnectAsync("eve");
        using var phone = await server.ConnectAsync("eve");
        using var bob = await server.ConnectAsync("bob");
        using var http = server.Http();

        var (status, body) = await http.SendAsync(HttpMethod.Delete, "/api/users/eve/connections");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Contains("\"userId\":\"eve\"", body);
        Assert.Equal((WebSocketCloseStatus)4003, await tab.ReceiveCloseAsync());
        Assert.Equal((WebSocketCloseStatus)4003, await phone.ReceiveCloseAsync());
        await Eventually.HoldsAsync(async () => (await server.PresenceAsync("eve")).Connections == 0, "eve to be gone");
        Assert.Equal(1, (await server.PresenceAsync("bob")).Connections);
    }

    [Fact]
    public async Task Stats_count_connections_users_topics_messages_and_disconnects()
    {
        await using var server = await PushServer.StartAsync();
        using var a = await server.ConnectQueryAsync("user_id=alice&topics=news,sport");
        using var b = await server.ConnectAsync("alice");
        using var c = await server.ConnectAsync("bob");
        await server.WaitForSubscribersAsync("sport", 1);
        using var http = server.Http();
        await http.SendAsync(HttpMethod.Post, "/api/broadcast", "one");
        await a.ReceiveTextAsync();
        await b.ReceiveTextAsync();
        await c.ReceiveTextAsync();

        var (status, body) = await http.SendAsync(HttpMethod.Get, "/api/stats");

        Assert.Equal(HttpStatusCode.OK, status);
        var stats = JsonDocument.Parse(body).RootElement;
        Assert.Equal(3, stats.GetProperty("connections").GetInt32());
        Assert.Equal(2, stats.GetProperty("users").GetInt32());
        Assert.Equal(2, stats.GetProperty("topics").GetInt32());
        Assert.Equal(1, stats.GetProperty("messagesIn").GetInt64());
        Assert.Equal(3, stats.GetProperty("messagesOut").GetInt64());
        Assert.Equal(0, stats.GetProperty("slowConsumerDisconnects").GetInt64());
        Assert.Equal(0, stats.GetProperty("rateLimitDisconnects").GetInt64());
    }

    [Fact]
    public async Task Body_over_max_message_size_gets_413_and_exactly_the_limit_is_accepted()
    {
        await using var server = await PushServer.StartAsync("actorpush.max-message-size = 1 KiB");
        using var alice = await server.ConnectAsync("alice");
        using var http = server.Http();

        var (tooBig, text) = await http.PostBytesAsync("/api/broadcast", new byte[1025], "application/octet-stream");
        var (chunkedTooBig, _) = await SendChunkedAsync(http, "/api/users/alice/messages", new byte[4096]);
        var (exact, _) = await http.PostBytesAsync("/api/broadcast", new byte[1024], "application/octet-stream");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig);
        Assert.Contains("max-message-size", text);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunkedTooBig);
        Assert.Equal(HttpStatusCode.Accepted, exact);
        Assert.Equal(1024, (await alice.ReceiveMessageAsync()).Payload.Length); // the only message that went out
    }

    [Theory]
    [InlineData("POST", "/api/broadcast", "", "text/plain", HttpStatusCode.BadRequest, "empty")]
    [InlineData("POST", "/api/topics/news/messages", "", "application/json", HttpStatusCode.BadRequest, "empty")]
    [InlineData("POST", "/api/broadcast", "x", "application/xml", HttpStatusCode.UnsupportedMediaType, "Content-Type")]
    [InlineData("POST", "/api/broadcast", "x", "text/plain; charset=iso-8859-1", HttpStatusCode.UnsupportedMediaType, "Content-Type")]
    [InlineData("POST", "/api/topics/bad topic!/messages", "x", "text/plain", HttpStatusCode.BadRequest, "topic name")]
    [InlineData("POST", "/api/users/%01x/messages", "x", "text/plain", HttpStatusCode.BadRequest, "control characters")]
    [InlineData("GET", "/api/users/" + LongId, null, null, HttpStatusCode.BadRequest, "longer than 256 bytes")]
    [InlineData("PUT", "/api/users/alice/topics/no*stars", null, null, HttpStatusCode.BadRequest, "topic name")]
    [InlineData("GET", "/api/nothing/here", null, null, HttpStatusCode.NotFound, "no API route")]
    [InlineData("POST", "/api/users/alice", "x", "text/plain", HttpStatusCode.NotFound, "no API route")]
    public async Task Bad_api_calls_get_a_clear_status_and_a_json_error(
        string method, string path, string? body, string? contentType, HttpStatusCode expected, string expectedText)
    {
        await using var server = await PushServer.StartAsync();
        using var http = server.Http();

        var (status, text) = await http.SendAsync(new HttpMethod(method), path, body, contentType ?? "text/plain");

        Assert.Equal(expected, status);
        Assert.Contains(expectedText, JsonDocument.Parse(text).RootElement.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("text/plain; charset=\"utf-8\"")]
    [InlineData("text/plain; charset=\"UTF-8\"")]
    [InlineData("application/json; charset=utf8")]
    public async Task A_quoted_or_differently_spelled_utf8_charset_is_accepted(string contentType)
    {
        await using var server = await PushServer.StartAsync();
        using var alice = await server.ConnectAsync("alice");
        using var http = server.Http();

        var (status, _) = await http.PostBytesAsync("/api/broadcast", "{\"q\":1}"u8.ToArray(), contentType);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("{\"q\":1}", await alice.ReceiveTextAsync());
    }

    [Fact]
    public async Task Missing_content_type_gets_415_and_invalid_utf8_text_gets_400()
    {
        await using var server = await PushServer.StartAsync();
        using var http = server.Http();

        var (noType, _) = await http.PostBytesAsync("/api/broadcast", [1, 2, 3], contentType: null);
        var (badText, text) = await http.PostBytesAsync("/api/broadcast", [0x68, 0xC3, 0x28], "text/plain");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, noType);
        Assert.Equal(HttpStatusCode.BadRequest, badText);
        Assert.Contains("UTF-8", text);
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendChunkedAsync(HttpClient http, string path, byte[] body)
    {
        using var content = new StreamContent(new MemoryStream(body)); // no Content-Length: chunked
        content.Headers.ContentType = new("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
