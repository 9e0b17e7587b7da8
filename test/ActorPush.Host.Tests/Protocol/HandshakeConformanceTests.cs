using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using System.Text;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests.Protocol;

/// <summary>
/// The opening handshake (RFC 6455 section 4) as the transport answers it at Kestrel's connection
/// level, checked byte for byte over raw TCP: the 101 and its accept value, and every refusal.
/// </summary>
public sealed class HandshakeConformanceTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Valid_handshake_gets_101_with_the_RFC_6455_accept_value()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await RawWebSocketClient.ConnectAsync(server.BaseUri);
        const string key = "x3JJHMbDL1EzLkh9GBhXDw==";

        await client.SendAsync(RawWebSocketClient.Handshake("/im?user_id=alice", RawWebSocketClient.StandardHeaders(key)));
        var response = await client.ReadHttpResponseAsync(Deadline);

        Assert.NotNull(response);
        Assert.Equal("HTTP/1.1 101 Switching Protocols", response.StatusLine);
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", RawWebSocketClient.ComputeAccept("dGhlIHNhbXBsZSBub25jZQ==")); // RFC 6455 section 1.3's example
        Assert.Equal("HSmrc0sMlYUkAGmm5OPpG2HaGWk=", RawWebSocketClient.ComputeAccept(key));
        Assert.Equal(RawWebSocketClient.ComputeAccept(key), response.Header("Sec-WebSocket-Accept"));
        Assert.Contains("websocket", response.Header("Upgrade") ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.Contains("upgrade", response.Header("Connection") ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, client.Buffered); // nothing after the head until something is broadcast
        await server.WaitForConnectionsAsync(1);
    }

    [Fact]
    public async Task Header_names_and_upgrade_tokens_are_case_insensitive_and_lists_are_accepted()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await RawWebSocketClient.ConnectAsync(server.BaseUri);

        await client.SendAsync(RawWebSocketClient.Handshake("/im?user_id=alice",
        [
            "host: 127.0.0.1", "UPGRADE: WebSocket", "connection: keep-alive, Upgrade",
            "sec-websocket-key: " + RawWebSocketClient.ValidKey, "SEC-WEBSOCKET-VERSION: 13",
        ]));
        var response = await client.ReadHttpResponseAsync(Deadline);

        Assert.Equal(101, response?.Status);
        Assert.Equal(RawWebSocketClient.ComputeAccept(RawWebSocketClient.ValidKey), response!.Header("Sec-WebSocket-Accept"));
    }

    public static TheoryData<string, string> MalformedRequestLines => new()
    {
        { "GET /im?user_id=a", "no HTTP version" },
        { "GET /im?user_id=a HTTP/1.1 extra", "four parts" },
        { "GET /im?user_id=a  HTTP/1.1", "double space" },
        { "GET /im?user_id=a HTTQ/1.1", "not HTTP" },
    };

    [Theory]
    [MemberData(nameof(MalformedRequestLines))]
    public async Task Malformed_request_line_is_refused_with_400_and_closed(string requestLine, string why)
    {
        _ = why;
        await using var server = await PushServer.StartAsync();

        var response = await RefusedAsync(server, RawWebSocketClient.Handshake("", requestLine: requestLine));

        Assert.Equal(400, response.Status);
    }

    [Theory]
    [InlineData(null)] // missing
    [InlineData("")]
    [InlineData("dGhlIHNhbXBsZSBub25jZQ")] // 22 chars: too short
    [InlineData("dGhlIHNhbXBsZSBub25jZQ=")] // 23 chars
    [InlineData("!!!!!!!!!!!!!!!!!!!!!!==")] // 24 chars, not base64
    [InlineData("dGhlIHNhbXBsZSBub25jZXg=")] // base64, but 17 bytes
    [InlineData("dGhlIHNhbXBsZSBub25jZQ==dGhlIHNhbXBsZSBub25jZQ==")] // two keys glued together
    public async Task Missing_short_or_invalid_Sec_WebSocket_Key_is_refused_with_400(string? key)
    {
        await using var server = await PushServer.StartAsync();
        var headers = RawWebSocketClient.StandardHeaders(key ?? "");
        if (key is null)
            headers.RemoveAll(h => h.StartsWith("Sec-WebSocket-Key", StringComparison.Ordinal));

        var response = await RefusedAsync(server, RawWebSocketClient.Handshake("/im?user_id=alice", headers));

        Assert.Equal(400, response.Status);
        Assert.Contains("Sec-WebSocket-Key", response.BodyText);
    }

    [Fact]
    public async Task Duplicate_Sec_WebSocket_Key_headers_are_refused_with_400()
    {
        await using var server = await PushServer.StartAsync();
        var headers = RawWebSocketClient.StandardHeaders();
        headers.Add("Sec-WebSocket-Key: " + RawWebSocketClient.ValidKey);

        var response = await RefusedAsync(server, RawWebSocketClient.Handshake("/im?user_id=alice", headers));

        Assert.Equal(400, response.Status);
    }

    [Theory]
    [InlineData("8")]
    [InlineData("12")]
    [InlineData("14")]
    [InlineData(null)]
    public async Task Other_WebSocket_versions_get_426_naming_version_13(string? version)
    {
        await using var server = await PushServer.StartAsync();
        var headers = RawWebSocketClient.StandardHeaders(version: version ?? "");
        if (version is null)
            headers.RemoveAll(h => h.StartsWith("Sec-WebSocket-Version", StringComparison.Ordinal));

        var response = await RefusedAsync(server, RawWebSocketClient.Handshake("/im?user_id=alice", headers));

        Assert.Equal(426, response.Status);
        Assert.Equal("13", response.Header("Sec-WebSocket-Version"));
    }

    [Fact]
    public async Task Request_head_over_8_KiB_gets_431_without_waiting_for_its_end()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await RawWebSocketClient.ConnectAsync(server.BaseUri);
        var head = "GET /im?user_id=alice HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + new string('a', 8300);

        await client.SendAsync(Encoding.ASCII.GetBytes(head)); // no end of head: the size alone decides
        var response = await client.ReadHttpResponseAsync(Deadline);

        Assert.Equal(431, response?.Status);
        await AssertRefusalShapeAsync(client, response!);
    }

    [Fact]
    public async Task Complete_request_head_just_over_8_KiB_gets_431_and_one_just_under_is_accepted()
    {
        await using var server = await PushServer.StartAsync();
        var baseHead = RawWebSocketClient.Handshake("/im?user_id=alice", [.. RawWebSocketClient.StandardHeaders(), "X-Padding: "]);
        var fill = 8 * 1024 - baseHead.Length; // the whole head, final CRLFCRLF included, is exactly 8 KiB

        var exactly = await ExchangeAsync(server, RawWebSocketClient.Handshake("/im?user_id=alice", [.. RawWebSocketClient.StandardHeaders(), "X-Padding: " + new string('a', fill)]));
        var over = await RefusedAsync(server, RawWebSocketClient.Handshake("/im?user_id=alice", [.. RawWebSocketClient.StandardHeaders(), "X-Padding: " + new string('a', fill + 1)]));

        Assert.Equal(101, exactly.Status);
        Assert.Equal(431, over.Status);
    }

    [Fact]
    public async Task More_than_64_header_lines_are_refused_with_400_and_64_are_accepted()
    {
        await using var server = await PushServer.StartAsync();
        var standard = RawWebSocketClient.StandardHeaders();
        var sixtyFour = standard.Concat(Enumerable.Range(0, 64 - standard.Count).Select(i => $"X-H{i}: v")).ToList();
        var sixtyFive = standard.Concat(Enumerable.Range(0, 65 - standard.Count).Select(i => $"X-H{i}: v")).ToList();

        var accepted = await ExchangeAsync(server, RawWebSocketClient.Handshake("/im?user_id=alice", sixtyFour));
        var refused = await RefusedAsync(server, RawWebSocketClient.Handshake("/im?user_id=alice", sixtyFive));

        Assert.Equal(101, accepted.Status);
        Assert.Equal(400, refused.Status);
        Assert.Contains("header", refused.BodyText);
    }

    [Theory]
    [InlineData("X-Evil: a\u0001b")]
    [InlineData("X-Evil: a\u007fb")]
    [InlineData("X-Evil: a\u0000b")]
    [InlineData("X-Evil: a\nInjected: b")]
    [InlineData("X-Evil: a\rb")]
    [InlineData("X Evil: a")]
    [InlineData("X-Evil")]
    [InlineData(": a")]
    [InlineData(" Host: 127.0.0.1")] // obsolete line folding
    public async Task Header_with_control_characters_or_a_malformed_line_is_refused_with_400(string badHeader)
    {
        await using var server = await PushServer.StartAsync();

        var response = await RefusedAsync(server, RawWebSocketClient.Handshake("/im?user_id=alice", [.. RawWebSocketClient.StandardHeaders(), badHeader]));

        Assert.Equal(400, response.Status);
    }

    [Theory]
    [InlineData("Content-Length: 5")]
    [InlineData("Transfer-Encoding: chunked")]
    public async Task Handshake_with_a_body_is_refused_with_400(string bodyHeader)
    {
        await using var server = await PushServer.StartAsync();
        var head = RawWebSocketClient.Handshake("/im?user_id=alice", [.. RawWebSocketClient.StandardHeaders(), bodyHeader]);

        var response = await RefusedAsync(server, [.. head, .. "hello"u8]);

        Assert.Equal(400, response.Status);
        Assert.Contains("body", response.BodyText);
    }

    [Fact]
    public async Task Handshake_over_HTTP_1_0_is_refused_with_400()
    {
        await using var server = await PushServer.StartAsync();

        var response = await RefusedAsync(server, RawWebSocketClient.Handshake("", requestLine: "GET /im?user_id=alice HTTP/1.0"));

        Assert.Equal(400, response.Status);
    }

    [Theory]
    [InlineData("", "missing")]
    [InlineData("user_id=", "missing or empty")]
    [InlineData("user_id=a&user_id=b", "more than once")]
    [InlineData("user_id=%01bob", "control characters")]
    public async Task Bad_user_id_is_refused_with_400_and_a_text_body(string query, string expected)
    {
        await using var server = await PushServer.StartAsync();

        var response = await RefusedAsync(server, RawWebSocketClient.Handshake("/im?" + query));

        Assert.Equal(400, response.Status);
        Assert.Contains(expected, response.BodyText);
        Assert.Equal(0, (await server.StatsAsync()).Connections);
    }

    [Fact]
    public async Task Client_that_sends_half_a_head_and_stops_gets_408_and_is_dropped_after_the_10s_handshake_timeout()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await RawWebSocketClient.ConnectAsync(server.BaseUri);

        await client.SendAsync("GET /im?user_id=alice HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: web"u8.ToArray());
        // Waits for the events (the answer, then EOF/reset), not a sleep; the deadline is only there so a server
        // that never drops the client fails the test instead of hanging it.
        var response = await client.ReadHttpResponseAsync(TimeSpan.FromSeconds(40));
        var end = await client.ReadToEndAsync(TimeSpan.FromSeconds(40));

        Assert.Equal(408, response?.Status);

        Assert.NotEqual(StreamEnd.None, end);
        Assert.Equal(0, (await server.StatsAsync()).Connections);
    }

    [Fact]
    public async Task A_handshake_whose_session_never_joins_gets_503_after_the_10s_handshake_timeout()
    {
        await using var server = await PushServer.StartAsync();
        // Without the registry a new ClientActor's registration goes nowhere, so it never joins the broadcast.
        var system = server.Services.GetRequiredService<ActorSystem>();
        var registry = await system.ActorSelection("/user/registry").ResolveOne(Deadline);
        Assert.True(await registry.GracefulStop(Deadline));
        await using var client = await RawWebSocketClient.ConnectAsync(server.BaseUri);

        await client.SendAsync(RawWebSocketClient.Handshake("/im?user_id=alice"));
        var response = await client.ReadHttpResponseAsync(TimeSpan.FromSeconds(40)); // the answer comes after 10 s

        Assert.Equal(503, response?.Status);
        Assert.Contains("could not be registered in time", response!.BodyText);
        Assert.NotEqual(StreamEnd.None, await client.ReadToEndAsync(TimeSpan.FromSeconds(40))); // and the connection is closed
    }

    [Fact]
    public async Task A_handshake_with_an_absolute_form_target_gets_400_saying_so_not_426()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await RawWebSocketClient.ConnectAsync(server.BaseUri);

        await client.SendAsync(RawWebSocketClient.Handshake("http://127.0.0.1/im?user_id=alice") /* Host: 127.0.0.1 matches the authority */);
        var response = await client.ReadHttpResponseAsync(Deadline);

        Assert.Equal(400, response?.Status);
        Assert.Contains("origin form", response!.BodyText);
    }

    [Fact]
    public async Task Ping_on_a_raw_connection_still_reaches_ASP_NET_and_answers_pong()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await RawWebSocketClient.ConnectAsync(server.BaseUri);

        await client.SendAsync("GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"u8.ToArray());
        var response = await client.ReadHttpResponseAsync(Deadline);

        Assert.Equal(200, response?.Status);
        Assert.Equal("pong", response!.BodyText);

        // The connection is ASP.NET's now: keep-alive works, a second request on it is answered too.
        await client.SendAsync("GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"u8.ToArray());
        Assert.Equal("pong", (await client.ReadHttpResponseAsync(Deadline))?.BodyText);
    }

    [Fact]
    public async Task Ping_sent_one_byte_at_a_time_still_answers_pong()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await RawWebSocketClient.ConnectAsync(server.BaseUri);
        var request = "GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"u8.ToArray();

        await client.SendChunkedAsync(request, Enumerable.Repeat(1, request.Length));
        var response = await client.ReadHttpResponseAsync(Deadline);

        Assert.Equal(200, response?.Status);
        Assert.Equal("pong", response!.BodyText);
    }

    [Theory]
    [InlineData("/imx")]
    [InlineData("/im/x")]
    [InlineData("/i")]
    public async Task Paths_that_only_start_like_im_go_to_ASP_NET_and_get_404(string path)
    {
        await using var server = await PushServer.StartAsync();

        var response = await ExchangeAsync(server, RawWebSocketClient.Handshake(path + "?user_id=alice"));

        Assert.Equal(404, response.Status);
    }

    [Fact]
    public async Task Plain_get_on_im_without_upgrade_headers_gets_426_with_a_text_body()
    {
        await using var server = await PushServer.StartAsync();

        var response = await ExchangeAsync(server, RawWebSocketClient.Handshake("/im?user_id=a", ["Host: 127.0.0.1"]));

        Assert.Equal(426, response.Status);
        Assert.StartsWith("text/plain", response.Header("Content-Type"));
        Assert.Contains("WebSocket", response.BodyText);
    }

    [Fact]
    public async Task Handshake_sent_one_byte_at_a_time_is_accepted()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await RawWebSocketClient.ConnectAsync(server.BaseUri);
        var request = RawWebSocketClient.Handshake("/im?user_id=alice");

        await client.SendChunkedAsync(request, Enumerable.Repeat(1, request.Length));
        var response = await client.ReadHttpResponseAsync(Deadline);

        Assert.Equal(101, response?.Status);
    }

    /// <summary>Sends <paramref name="request"/> on a fresh connection; returns the response (it must come).</summary>
    private static async Task<RawHttpResponse> ExchangeAsync(PushServer server, byte[] request)
    {
        await using var client = await RawWebSocketClient.ConnectAsync(server.BaseUri);
        await client.SendAsync(request);
        var response = await client.ReadHttpResponseAsync(Deadline);
        Assert.NotNull(response);
        return response;
    }

    /// <summary>Sends <paramref name="request"/>, expects a refusal from the transport, and checks its shape: text/plain, short body, connection closed.</summary>
    private static async Task<RawHttpResponse> RefusedAsync(PushServer server, byte[] request)
    {
        await using var client = await RawWebSocketClient.ConnectAsync(server.BaseUri);
        await client.SendAsync(request);
        var response = await client.ReadHttpResponseAsync(Deadline);
        Assert.NotNull(response);
        await AssertRefusalShapeAsync(client, response);
        return response;
    }

    private static async Task AssertRefusalShapeAsync(RawWebSocketClient client, RawHttpResponse response)
    {
        Assert.InRange(response.Status, 400, 499);
        Assert.StartsWith("text/plain", response.Header("Content-Type"));
        Assert.InRange(response.Body.Length, 1, 200);
        Assert.NotEqual(StreamEnd.None, await client.ReadToEndAsync(Deadline)); // the server closes the connection
    }
}
