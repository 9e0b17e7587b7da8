using System.Net;
using System.Text;
using System.Text.Json;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Protocol;

/// <summary>
/// The opt-in actorpush.v1 subprotocol (docs/protocol.md) on the raw-socket client: negotiation, the welcome,
/// envelopes per stream, acknowledged requests and errors, refusals as close codes, and raw clients unaffected.
/// </summary>
public sealed class EnvelopeProtocolTests
{
    private const string Secret = "test-secret-that-is-at-least-32-bytes-long";
    private static readonly string JwtConfig = $"actorpush.auth.jwt-secret = \"{Secret}\"";

    [Fact]
    public async Task V1_is_answered_in_the_101_and_the_first_frame_is_the_welcome()
    {
        await using var server = await PushServer.StartAsync("actorpush.client.keepalive-interval = 7s");
        await using var client = await RawWebSocketClient.ConnectAsync(server.BaseUri);
        await client.SendAsync(V1Handshake("/im?user_id=alice&topics=news,chat", "actorpush.v1"));
        var response = await client.ReadHttpResponseAsync();

        Assert.Equal(101, response?.Status);
        Assert.Equal("actorpush.v1", response!.Header("Sec-WebSocket-Protocol"));
        var welcome = await ReadEnvelopeAsync(client);
        Assert.Equal("welcome", welcome.GetProperty("type").GetString());
        Assert.Equal("actorpush.v1", welcome.GetProperty("protocol").GetString());
        Assert.Equal("alice", welcome.GetProperty("user").GetString());
        Assert.False(string.IsNullOrEmpty(welcome.GetProperty("connection").GetString()));
        Assert.False(string.IsNullOrEmpty(welcome.GetProperty("node").GetString()));
        Assert.Equal(7000, welcome.GetProperty("keepalive").GetInt32());
        Assert.Equal(["news", "chat"], welcome.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task Other_subprotocols_are_not_answered_and_get_raw_frames()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await RawWebSocketClient.ConnectAsync(server.BaseUri);
        await client.SendAsync(V1Handshake("/im?user_id=alice", "chat.v2"));
        var response = await client.ReadHttpResponseAsync();
        Assert.Equal(101, response?.Status);
        Assert.Null(response!.Header("Sec-WebSocket-Protocol"));
        await server.WaitForConnectionsAsync(1);

        using var http = server.Http();
        await http.SendAsync(HttpMethod.Post, "/api/broadcast", "plain");
        var frame = await client.ReadDataFrameAsync();
        Assert.Equal("plain", frame.Text);
    }

    [Fact]
    public async Task Each_stream_arrives_in_its_envelope_while_raw_clients_get_exactly_the_bytes()
    {
        await using var server = await PushServer.StartAsync();
        await using var v1 = await ConnectV1Async(server, "/im?user_id=alice&topics=news");
        await using var raw = await RawWebSocketClient.ConnectUpgradedAsync(server.BaseUri, "alice");
        await server.WaitForSubscribersAsync("news", 1);
        await server.WaitForConnectionsAsync(2);
        using var http = server.Http();

        await http.SendAsync(HttpMethod.Post, "/api/broadcast", "to \"all\" ✓");
        await http.SendAsync(HttpMethod.Post, "/api/users/alice/messages", "for alice");
        await http.SendAsync(HttpMethod.Post, "/api/topics/news/messages", "{\"headline\":1}", "application/json");
        await http.PostBytesAsync("/api/broadcast", [0, 1, 2, 255], "application/octet-stream");

        // Order holds within a stream (the two broadcasts), not between streams: a user push, a topic push and a
        // broadcast travel through different actors.
        var envelopes = new List<JsonElement>();
        for (var i = 0; i < 4; i++)
            envelopes.Add(await ReadEnvelopeAsync(v1));
        var broadcasts = envelopes.Where(e => Describe(e).Stream == "broadcast").ToList();
        Assert.Equal(2, broadcasts.Count);
        Assert.Equal(("message", "broadcast", "text", "to \"all\" ✓"), Describe(broadcasts[0]));
        Assert.Equal(("message", "broadcast", "binary"), (Describe(broadcasts[1]).Type, Describe(broadcasts[1]).Stream, Describe(broadcasts[1]).Kind));
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, broadcasts[1].GetProperty("data").GetBytesFromBase64());
        Assert.Equal(("message", "user", "text", "for alice"), Describe(Assert.Single(envelopes, e => Describe(e).Stream == "user")));
        Assert.Equal(("message", "topic:news", "text", "{\"headline\":1}"), Describe(Assert.Single(envelopes, e => Describe(e).Stream == "topic:news")));

        var frames = new List<RawFrame>();
        for (var i = 0; i < 3; i++)
            frames.Add(await raw.ReadDataFrameAsync());

        Assert.Contains(frames, f => f.Text == "for alice");
        var rawBroadcasts = frames.Where(f => f.Text != "for alice").ToList();
        Assert.Equal("to \"all\" ✓", rawBroadcasts[0].Text);
        Assert.Equal(Op.Binary, rawBroadcasts[1].Opcode);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, rawBroadcasts[1].Payload);
    }

    [Fact]
    public async Task Publish_is_acknowledged_and_reaches_raw_and_v1_clients()
    {
        await using var server = await PushServer.StartAsync();
        await using var v1 = await ConnectV1Async(server, "/im?user_id=alice");
        await using var raw = await RawWebSocketClient.ConnectUpgradedAsync(server.BaseUri, "bob");
        await server.WaitForConnectionsAsync(2);

        await v1.SendAsync(RawWebSocketClient.TextFrame("""{"type":"publish","id":1,"data":"hi all"}"""));

        var answers = new[] { await ReadEnvelopeAsync(v1), await ReadEnvelopeAsync(v1) };
        var ack = Assert.Single(answers, a => a.GetProperty("type").GetString() == "ack");
        Assert.Equal(1, ack.GetProperty("id").GetInt32());
        var message = Assert.Single(answers, a => a.GetProperty("type").GetString() == "message");
        Assert.Equal(("message", "broadcast", "text", "hi all"), Describe(message));
        Assert.Equal("hi all", (await raw.ReadDataFrameAsync()).Text);
    }

    [Fact]
    public async Task Subscribe_on_a_live_connection_is_acknowledged_and_topic_pushes_follow_until_unsubscribe()
    {
        await using var server = await PushServer.StartAsync();
        await using var v1 = await ConnectV1Async(server, "/im?user_id=alice");
        using var http = server.Http();

        await v1.SendAsync(RawWebSocketClient.TextFrame("""{"type":"subscribe","id":"s1","topic":"scores"}"""));
        var ack = await ReadEnvelopeAsync(v1);
        Assert.Equal("ack", ack.GetProperty("type").GetString());
        Assert.Equal("s1", ack.GetProperty("id").GetString());
        await http.SendAsync(HttpMethod.Post, "/api/topics/scores/messages", "1:0");
        Assert.Equal(("message", "topic:scores", "text", "1:0"), Describe(await ReadEnvelopeAsync(v1)));

        await v1.SendAsync(RawWebSocketClient.TextFrame("""{"type":"unsubscribe","id":2,"topic":"scores"}"""));
        Assert.Equal("ack", (await ReadEnvelopeAsync(v1)).GetProperty("type").GetString());
        await server.WaitForSubscribersAsync("scores", 0);
        await http.SendAsync(HttpMethod.Post, "/api/topics/scores/messages", "2:0");
        await http.SendAsync(HttpMethod.Post, "/api/broadcast", "after");
        Assert.Equal(("message", "broadcast", "text", "after"), Describe(await ReadEnvelopeAsync(v1)));
    }

    [Fact]
    public async Task Bad_requests_get_errors_with_their_id_and_the_connection_stays_open()
    {
        await using var server = await PushServer.StartAsync("actorpush.client.max-topics = 1");
        await using var v1 = await ConnectV1Async(server, "/im?user_id=alice&topics=one");

        async Task<(string? Code, JsonElement? Id)> ErrorFor(string request)
        {
            await v1.SendAsync(RawWebSocketClient.TextFrame(request));
            var error = await ReadEnvelopeAsync(v1);
            Assert.Equal("error", error.GetProperty("type").GetString());
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
            return (error.GetProperty("code").GetString(), error.TryGetProperty("id", out var id) ? id : null);
        }

        Assert.Equal("bad_request", (await ErrorFor("not json")).Code);
        Assert.Equal("bad_request", (await ErrorFor("""{"type":"dance","id":3}""")).Code);
        var badTopic = await ErrorFor("""{"type":"subscribe","id":4,"topic":"no spaces"}""");
        Assert.Equal(("bad_topic", 4), (badTopic.Code, badTopic.Id!.Value.GetInt32()));
        Assert.Equal("too_many_topics", (await ErrorFor("""{"type":"subscribe","id":5,"topic":"two"}""")).Code);
        Assert.Equal("bad_request", (await ErrorFor("""{"type":"publish","id":6}""")).Code);

        await v1.SendAsync(RawWebSocketClient.TextFrame("""{"type":"ping","id":7}"""));
        var pong = await ReadEnvelopeAsync(v1);
        Assert.Equal(("pong", 7), (pong.GetProperty("type").GetString(), pong.GetProperty("id").GetInt32()));
    }

    [Fact]
    public async Task A_quiet_v1_connection_gets_the_keepalive_envelope_javascript_can_see()
    {
        await using var server = await PushServer.StartAsync("actorpush.client.keepalive-interval = 200ms");
        await using var v1 = await ConnectV1Async(server, "/im?user_id=alice");

        var frame = await v1.ReadDataFrameAsync(); // the WebSocket ping comes too, but JavaScript never sees that one
        Assert.Equal(Op.Text, frame.Opcode);
        Assert.Equal("""{"type":"ping"}""", frame.Text);
    }

    [Fact]
    public async Task Publish_is_refused_with_an_error_when_clients_may_not_publish()
    {
        await using var server = await PushServer.StartAsync("actorpush.client.publish = off");
        await using var v1 = await ConnectV1Async(server, "/im?user_id=alice");
        await ExpectErrorAsync(v1, """{"type":"publish","id":1,"data":"x"}""", "publish_disabled");
    }

    [Fact]
    public async Task Token_as_second_subprotocol_value_connects_and_its_topics_claim_governs_live_subscribes()
    {
        await using var server = await PushServer.StartAsync(JwtConfig);
        var token = PushApi.MintToken(Secret, "carol", topics: ["allowed"]);
        await using var v1 = await ConnectV1Async(server, "/im", "actorpush.v1, actorpush.token." + token);
        Assert.Equal("carol", (await server.PresenceAsync("carol")).Online ? "carol" : null);

        await ExpectErrorAsync(v1, """{"type":"subscribe","id":1,"topic":"secret"}""", "topic_not_allowed");
        await v1.SendAsync(RawWebSocketClient.TextFrame("""{"type":"subscribe","id":2,"topic":"allowed"}"""));
        Assert.Equal("ack", (await ReadEnvelopeAsync(v1)).GetProperty("type").GetString());
    }

    public static TheoryData<string, string, ushort> Refusals => new()
    {
        { "", "/im", 4401 },
        { "", "/im?token=not.a.jwt", 4401 },
        { "topics", "/im?token={token}&topics=secret", 4403 },
        { "origin", "/im?user_id=alice", 4403 },
        { "per-user", "/im?user_id=alice", 4429 },
        { "node", "/im?user_id=alice", 4503 },
        { "", "/im?user_id=bad%00id", 4400 },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Refused_v1_handshakes_are_upgraded_then_closed_with_the_refusal_code(string setup, string target, ushort code)
    {
        var config = setup switch
        {
            "origin" => "actorpush.allowed-origins = [\"https://app.example\"]",
            "per-user" => "actorpush.limits.max-connections-per-user = 1",
            "node" => "actorpush.limits.max-connections = 1",
            _ => target.Contains("user_id", StringComparison.Ordinal) ? "" : JwtConfig,
        };
        await using var server = await PushServer.StartAsync(config);
        await using var holder = setup is "per-user" or "node" ? await RawWebSocketClient.ConnectUpgradedAsync(server.BaseUri, "alice") : null;
        target = target.Replace("{token}", PushApi.MintToken(Secret, "alice", topics: ["news"]), StringComparison.Ordinal);
        var origin = setup == "origin" ? "https://evil.example" : null;

        await using var client = await RawWebSocketClient.ConnectAsync(server.BaseUri);
        await client.SendAsync(V1Handshake(target, "actorpush.v1", origin));
        var response = await client.ReadHttpResponseAsync();
        Assert.Equal(101, response?.Status);
        Assert.Equal("actorpush.v1", response!.Header("Sec-WebSocket-Protocol"));
        var close = await client.ReadFrameAsync();
        Assert.True(close.Frame?.IsClose, close.ToString());
        Assert.Equal(code, close.Frame!.CloseCode);
        Assert.False(string.IsNullOrEmpty(close.Frame.CloseReason));

        // The same refusal without the subprotocol is still the HTTP status.
        await using var rawClient = await RawWebSocketClient.ConnectAsync(server.BaseUri);
        await rawClient.SendAsync(V1Handshake(target, null, origin));
        Assert.Equal(code - 4000, (await rawClient.ReadHttpResponseAsync())?.Status);
    }

    [Fact]
    public async Task Raw_clients_still_get_http_statuses_and_no_subprotocol_header()
    {
        await using var server = await PushServer.StartAsync(JwtConfig);
        var (status, _) = await server.HandshakeAsync("user_id=alice");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    [Fact]
    public async Task A_live_subscribe_to_a_new_topic_on_a_node_at_its_topic_cap_gets_topic_limit_and_one_to_a_live_topic_an_ack()
    {
        await using var server = await PushServer.StartAsync("actorpush.topics.max-topics = 1");
        await using var v1 = await ConnectV1Async(server, "/im?user_id=alice&topics=live");
        await server.WaitForSubscribersAsync("live", 1);

        await ExpectErrorAsync(v1, """{"type":"subscribe","id":1,"topic":"new"}""", "topic_limit");
        await using var other = await ConnectV1Async(server, "/im?user_id=bob");
        await other.SendAsync(RawWebSocketClient.TextFrame("""{"type":"subscribe","id":2,"topic":"live"}"""));
        Assert.Equal("ack", (await ReadEnvelopeAsync(other)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task With_topics_need_grant_a_live_subscribe_without_a_grant_gets_topic_not_allowed()
    {
        await using var server = await PushServer.StartAsync("actorpush.auth.topics-need-grant = on");
        await using var v1 = await ConnectV1Async(server, "/im?user_id=alice");
        await ExpectErrorAsync(v1, """{"type":"subscribe","id":1,"topic":"news"}""", "topic_not_allowed");
        Assert.Equal(0, await server.TopicSubscribersAsync("news"));
    }

    private static byte[] V1Handshake(string target, string? protocols, string? origin = null)
    {
        var headers = RawWebSocketClient.StandardHeaders();
        if (protocols is not null)
            headers.Add("Sec-WebSocket-Protocol: " + protocols);
        if (origin is not null)
            headers.Add("Origin: " + origin);
        return RawWebSocketClient.Handshake(target, headers);
    }

    /// <summary>Connects with actorpush.v1, checks the 101 and reads the welcome.</summary>
    private static async Task<RawWebSocketClient> ConnectV1Async(PushServer server, string target, string protocols = "actorpush.v1")
    {
        var client = await RawWebSocketClient.ConnectAsync(server.BaseUri);
        await client.SendAsync(V1Handshake(target, protocols));
        var response = await client.ReadHttpResponseAsync();
        Assert.Equal(101, response?.Status);
        Assert.Equal("actorpush.v1", response!.Header("Sec-WebSocket-Protocol"));
        Assert.Equal("welcome", (await ReadEnvelopeAsync(client)).GetProperty("type").GetString());
        return client;
    }

    /// <summary>Sends <paramref name="request"/> and expects the error envelope with <paramref name="code"/> as the answer.</summary>
    private static async Task ExpectErrorAsync(RawWebSocketClient client, string request, string code)
    {
        await client.SendAsync(RawWebSocketClient.TextFrame(request));
        var answer = await ReadEnvelopeAsync(client);
        Assert.Equal(("error", code), (answer.GetProperty("type").GetString(), answer.GetProperty("code").GetString()));
    }

    /// <summary>Reads the next data frame, skipping the server's keepalive envelopes; it must be a text frame of one JSON object.</summary>
    private static async Task<JsonElement> ReadEnvelopeAsync(RawWebSocketClient client)
    {
        while (true)
        {
            var frame = await client.ReadDataFrameAsync();
            Assert.Equal(Op.Text, frame.Opcode);
            var envelope = JsonDocument.Parse(Encoding.UTF8.GetString(frame.Payload)).RootElement.Clone();
            if (envelope.GetProperty("type").GetString() != "ping")
                return envelope;
        }
    }

    private static (string? Type, string? Stream, string? Kind, string? Data) Describe(JsonElement envelope) =>
    (
        envelope.GetProperty("type").GetString(),
        envelope.TryGetProperty("stream", out var stream) ? stream.GetString() : null,
        envelope.TryGetProperty("kind", out var kind) ? kind.GetString() : null,
        envelope.TryGetProperty("data", out var data) ? data.GetString() : null
    );
}
