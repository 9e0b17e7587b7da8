using System.Text;
using ActorPush.Host.Tests.Infrastructure;
using static ActorPush.Host.Tests.Protocol.RawWebSocketClient;

namespace ActorPush.Host.Tests.Protocol;

/// <summary>
/// RFC 6455 framing (section 5) and the closing handshake (section 7) over raw TCP: what the server
/// does with every kind of wrong frame, and that one broken client never disturbs the others.
/// </summary>
public sealed class FramingConformanceTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    // ---- protocol errors: 1002 --------------------------------------------------------------------

    public static TheoryData<string, byte[]> ProtocolViolations => new()
    {
        { "unmasked text frame", Frame(Op.Text, "hi"u8, masked: false) },
        { "RSV1 set", Frame(Op.Text, "hi"u8, rsv: 4) },
        { "RSV2 set", Frame(Op.Text, "hi"u8, rsv: 2) },
        { "RSV3 set", Frame(Op.Text, "hi"u8, rsv: 1) },
        { "reserved data opcode 3", Frame(3, "hi"u8) },
        { "reserved control opcode 0xB", Frame(0xB, "hi"u8) },
        { "ping with 126-byte payload", Frame(Op.Ping, new byte[126]) },
        { "close with 126-byte payload", Frame(Op.Close, [0x03, 0xE8, .. new byte[124]]) },
        { "fragmented ping (FIN=0)", Frame(Op.Ping, "x"u8, fin: false) },
        { "64-bit length with the top bit set", Frame(Op.Binary, [], declaredLength: long.MinValue, lengthEncoding: 8, includePayload: false) },
        { "continuation without a message", Frame(Op.Continuation, "hi"u8) },
        { "text frame inside a fragmented message", [.. TextFrame("one", fin: false), .. TextFrame("two")] },
        { "binary frame inside a fragmented text message", [.. TextFrame("one", fin: false), .. Frame(Op.Binary, "two"u8)] },
    };

    [Theory]
    [MemberData(nameof(ProtocolViolations))]
    public async Task Protocol_violation_is_closed_with_1002(string violation, byte[] bytes)
    {
        _ = violation;
        await using var server = await PushServer.StartAsync();
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "mallory");

        await client.SendAsync(bytes);
        var close = await client.ReadUntilCloseAsync(Deadline);

        Assert.NotNull(close);
        Assert.Equal((ushort)1002, close.CloseCode);
        AssertServerFrameShape(close);
    }

    [Fact]
    public async Task After_a_1002_other_clients_still_get_broadcasts_and_the_offender_is_unregistered()
    {
        await using var server = await PushServer.StartAsync();
        await using var bystander = await ConnectUpgradedAsync(server.BaseUri, "alice");
        await using var offender = await ConnectUpgradedAsync(server.BaseUri, "mallory");
        await server.WaitForConnectionsAsync(2);

        await offender.SendAsync(Frame(Op.Text, "hi"u8, masked: false));
        Assert.Equal((ushort)1002, (await offender.ReadUntilCloseAsync(Deadline))?.CloseCode);
        await server.WaitForConnectionsAsync(1);

        await bystander.SendAsync(TextFrame("still here"));
        Assert.Equal("still here", (await bystander.ReadDataFrameAsync(Deadline)).Text);
    }

    public static TheoryData<string, byte[]> ViolationsAfterAMessage => new()
    {
        { "header-level: RSV1 set", Frame(Op.Text, "hi"u8, rsv: 4) },
        { "header-level: reserved opcode 5", Frame(5, "hi"u8) },
        { "frame-level: continuation without a message", Frame(Op.Continuation, "hi"u8) },
    };

    /// <summary>
    /// Autobahn 3.2, 4.1.3, 5.15: a message that arrived whole just before the protocol error still reaches
    /// everyone, the offender included (its echo comes back through the broadcast), and only then the 1002.
    /// </summary>
    [Theory]
    [MemberData(nameof(ViolationsAfterAMessage))]
    public async Task A_message_just_before_a_protocol_error_reaches_everyone_and_the_sender_before_its_1002(string violation, byte[] bytes)
    {
        _ = violation;
        await using var server = await PushServer.StartAsync();
        await using var bystander = await ConnectUpgradedAsync(server.BaseUri, "alice");
        await using var offender = await ConnectUpgradedAsync(server.BaseUri, "mallory");
        await server.WaitForConnectionsAsync(2);

        await offender.SendAsync([.. TextFrame("last words"), .. bytes, .. Frame(Op.Ping, "p"u8)]);

        Assert.Equal("last words", (await offender.ReadDataFrameAsync(Deadline)).Text);
        Assert.Equal((ushort)1002, (await offender.ReadUntilCloseAsync(Deadline))?.CloseCode);
        Assert.Equal("last words", (await bystander.ReadDataFrameAsync(Deadline)).Text);
    }

    // ---- control frames ---------------------------------------------------------------------------

    [Fact]
    public async Task Ping_with_payload_gets_a_pong_with_the_same_payload()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "alice");
        var payload = Enumerable.Range(0, 125).Select(i => (byte)(i * 7)).ToArray();

        await client.SendAsync(Frame(Op.Ping, payload));
        var pong = (await client.ReadFrameAsync(Deadline)).Frame;

        Assert.NotNull(pong);
        Assert.Equal(Op.Pong, pong.Opcode);
        Assert.Equal(payload, pong.Payload);
        AssertServerFrameShape(pong);
    }

    [Fact]
    public async Task Empty_ping_gets_an_empty_pong_and_an_unsolicited_pong_is_ignored()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "alice");

        await client.SendAsync([.. Frame(Op.Pong, "unsolicited"u8), .. Frame(Op.Ping, [])]);
        var pong = (await client.ReadFrameAsync(Deadline)).Frame;

        Assert.Equal(Op.Pong, pong?.Opcode);
        Assert.Empty(pong!.Payload);
    }

    [Fact]
    public async Task Ping_between_fragments_is_answered_and_the_message_is_delivered_whole()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "alice");
        await using var other = await ConnectUpgradedAsync(server.BaseUri, "bob");
        await server.WaitForConnectionsAsync(2);

        await client.SendAsync([
            .. TextFrame("Hello, ", fin: false),
            .. Frame(Op.Ping, "p1"u8),
            .. Frame(Op.Continuation, "fragmented "u8, fin: false),
            .. Frame(Op.Pong, "ignored"u8),
            .. Frame(Op.Continuation, "world"u8),
        ]);

        var first = (await client.ReadFrameAsync(Deadline)).Frame;
        Assert.Equal(Op.Pong, first?.Opcode);
        Assert.Equal("p1", first!.Text);
        var message = await client.ReadDataFrameAsync(Deadline);
        Assert.True(message.Fin);
        Assert.Equal(Op.Text, message.Opcode);
        Assert.Equal("Hello, fragmented world", message.Text);
        Assert.Equal("Hello, fragmented world", (await other.ReadDataFrameAsync(Deadline)).Text);
    }

    // ---- UTF-8 ------------------------------------------------------------------------------------

    [Fact]
    public async Task Text_message_with_a_UTF8_sequence_split_across_fragments_is_valid_and_delivered()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "alice");
        var bytes = Encoding.UTF8.GetBytes("κόσμε €𝄞"); // 2-, 3- and 4-byte sequences
        var euro = Array.IndexOf(bytes, (byte)0xE2);
        var clef = Array.IndexOf(bytes, (byte)0xF0);

        await client.SendAsync([
            .. Frame(Op.Text, bytes.AsSpan(0, 1), fin: false), // inside the first 2-byte sequence
            .. Frame(Op.Continuation, bytes.AsSpan(1, euro + 1 - 1), fin: false), // inside €
            .. Frame(Op.Continuation, bytes.AsSpan(euro + 1, clef + 2 - euro - 1), fin: false), // inside 𝄞
            .. Frame(Op.Continuation, [], fin: false),
            .. Frame(Op.Continuation, bytes.AsSpan(clef + 2)),
        ]);

        var message = await client.ReadDataFrameAsync(Deadline);
        Assert.Equal(Op.Text, message.Opcode);
        Assert.Equal(bytes, message.Payload);
    }

    public static TheoryData<string, byte[][]> InvalidUtf8Fragments => new()
    {
        { "lone continuation byte in the second fragment", [[0x68, 0x69], [0x80]] },
        { "sequence cut short at the end of the message", [[0x68, 0xE2, 0x82], [0x41]] },
        { "overlong encoding split", [[0xC0], [0xAF]] },
        { "UTF-16 surrogate split", [[0xED, 0xA0], [0x80]] },
        { "above U+10FFFF split", [[0xF4], [0x90, 0x80, 0x80]] },
        { "message ends inside a sequence", [[0x61], [0xF0, 0x9D, 0x84]] },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8Fragments))]
    public async Task Invalid_UTF8_across_fragments_is_closed_with_1007_and_bystanders_keep_receiving(string why, byte[][] fragments)
    {
        _ = why;
        await using var server = await PushServer.StartAsync();
        await using var bystander = await ConnectUpgradedAsync(server.BaseUri, "alice");
        await using var offender = await ConnectUpgradedAsync(server.BaseUri, "mallory");
        await server.WaitForConnectionsAsync(2);

        var stream = new List<byte>();
        for (var i = 0; i < fragments.Length; i++)
            stream.AddRange(Frame(i == 0 ? Op.Text : Op.Continuation, fragments[i], fin: i == fragments.Length - 1));
        await offender.SendAsync(stream.ToArray());

        var close = await offender.ReadUntilCloseAsync(Deadline);
        Assert.Equal((ushort)1007, close?.CloseCode);
        await server.WaitForConnectionsAsync(1);
        await bystander.SendAsync(TextFrame("after"));
        Assert.Equal("after", (await bystander.ReadDataFrameAsync(Deadline)).Text); // the invalid message never reached anyone
    }

    public static TheoryData<string, byte[][]> InvalidUtf8BeforeTheMessageEnds => new()
    {
        { "above U+10FFFF in the first fragment", [[0x68, 0x69, 0xF4, 0x90, 0x80, 0x80]] },
        { "above U+10FFFF, its first two bytes ending the fragment", [[0x68, 0x69, 0xF4, 0x90]] },
        { "above U+10FFFF in the second fragment", [[0xCE, 0xBA], [0xF4, 0x90, 0x80, 0x80]] },
        { "invalid second byte after a lead byte that ended the first fragment", [[0x61, 0xE0], [0x80]] },
        { "lone continuation byte", [[0x61, 0x80]] },
    };

    /// <summary>
    /// Autobahn 6.4.x: invalid UTF-8 fails the connection in the fragment where it starts; the server does not
    /// wait for the end of a message that can no longer be valid (no final fragment is ever sent here).
    /// </summary>
    [Theory]
    [MemberData(nameof(InvalidUtf8BeforeTheMessageEnds))]
    public async Task Invalid_UTF8_is_closed_with_1007_in_the_fragment_where_it_starts(string why, byte[][] fragments)
    {
        _ = why;
        await using var server = await PushServer.StartAsync();
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "mallory");

        var stream = new List<byte>();
        for (var i = 0; i < fragments.Length; i++)
            stream.AddRange(Frame(i == 0 ? Op.Text : Op.Continuation, fragments[i], fin: false));
        await client.SendAsync(stream.ToArray());

        Assert.Equal((ushort)1007, (await client.ReadUntilCloseAsync(Deadline))?.CloseCode);
    }

    // ---- message size -----------------------------------------------------------------------------

    [Theory]
    [InlineData(64 * 1024 + 1, 8, null)] // one byte over the default 64 KiB
    [InlineData(ushort.MaxValue, 2, "actorpush.max-message-size = 1 KiB")] // 16-bit length form
    [InlineData(long.MaxValue, 8, null)] // the largest legal 64-bit length
    public async Task Declared_length_over_the_limit_is_closed_with_1009_before_the_payload_is_sent(long declared, int encoding, string? hocon)
    {
        await using var server = await PushServer.StartAsync(hocon);
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "mallory");

        await client.SendAsync(Frame(Op.Binary, [], declaredLength: declared, lengthEncoding: encoding, includePayload: false));
        var close = await client.ReadUntilCloseAsync(Deadline);

        Assert.Equal((ushort)1009, close?.CloseCode);
    }

    [Fact]
    public async Task Fragments_whose_sum_passes_the_limit_are_closed_with_1009_at_the_fragment_header()
    {
        await using var server = await PushServer.StartAsync("actorpush.max-message-size = 1 KiB");
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "mallory");

        await client.SendAsync([
            .. Frame(Op.Binary, new byte[1000], fin: false),
            .. Frame(Op.Continuation, [], declaredLength: 25, includePayload: false), // 1025 > 1024
        ]);

        Assert.Equal((ushort)1009, (await client.ReadUntilCloseAsync(Deadline))?.CloseCode);
    }

    /// <summary>
    /// BUG (see report): PushWebSocket.StartFrame checks <c>_messageLength + header.PayloadLength &gt; MaxMessageSize</c>
    /// in long arithmetic; a continuation frame declaring a length near long.MaxValue after a non-empty
    /// first fragment overflows the sum to a negative number, passes the check, and the receive loop
    /// then throws (span out of range) instead of closing with 1009.
    /// </summary>
    [Fact]
    public async Task Continuation_declaring_a_huge_64_bit_length_after_a_non_empty_fragment_is_closed_with_1009()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "mallory");

        await client.SendAsync([
            .. Frame(Op.Binary, "x"u8, fin: false),
            .. Frame(Op.Continuation, new byte[4096], declaredLength: long.MaxValue, lengthEncoding: 8),
        ]);
        var close = await client.ReadFrameAsync(Deadline);

        Assert.Equal((ushort)1009, close.Frame?.CloseCode);
    }

    [Fact]
    public async Task A_70000_byte_binary_message_uses_64_bit_lengths_both_ways_when_the_limit_allows_it()
    {
        await using var server = await PushServer.StartAsync("actorpush.max-message-size = 128 KiB");
        await using var sender = await ConnectUpgradedAsync(server.BaseUri, "alice");
        await using var receiver = await ConnectUpgradedAsync(server.BaseUri, "bob");
        await server.WaitForConnectionsAsync(2);
        var payload = new byte[70_000];
        new Random(70_000).NextBytes(payload);

        var frame = Frame(Op.Binary, payload, lengthEncoding: 8);
        Assert.Equal(127, frame[1] & 0x7F);
        await sender.SendChunkedAsync(frame, [1, 2, 7, 3, 1000, 30_000]); // header and mask split across writes

        var received = await receiver.ReadDataFrameAsync(Deadline);
        Assert.Equal(Op.Binary, received.Opcode);
        Assert.Equal(8, received.LengthEncoding);
        Assert.Equal(payload, received.Payload);
        AssertServerFrameShape(received);
    }

    [Fact]
    public async Task Lengths_126_and_65535_use_the_16_bit_form_and_non_minimal_encodings_are_accepted()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "alice");

        await client.SendAsync([
            .. Frame(Op.Binary, new byte[126]),
            .. Frame(Op.Binary, new byte[65535]),
            .. Frame(Op.Binary, new byte[5], lengthEncoding: 8), // RFC says minimal; the server is lenient
        ]);

        var a = await client.ReadDataFrameAsync(Deadline);
        var b = await client.ReadDataFrameAsync(Deadline);
        var c = await client.ReadDataFrameAsync(Deadline);
        Assert.Equal((126, 2), (a.Payload.Length, a.LengthEncoding));
        Assert.Equal((65535, 2), (b.Payload.Length, b.LengthEncoding));
        Assert.Equal((5, 0), (c.Payload.Length, c.LengthEncoding));
    }

    // ---- closing handshake ------------------------------------------------------------------------

    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(3000)]
    [InlineData(4999)]
    public async Task Client_close_with_a_valid_code_is_echoed_and_the_server_closes_TCP_cleanly(int code)
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "alice");
        await server.WaitForConnectionsAsync(1);

        await client.SendAsync(CloseFrame((ushort)code, "bye"u8));
        var close = (await client.ReadFrameAsync(Deadline)).Frame;
        var end = await client.ReadToEndAsync(Deadline);

        Assert.NotNull(close);
        Assert.True(close.IsClose);
        Assert.Equal((ushort)code, close.CloseCode);
        AssertServerFrameShape(close);
        Assert.Equal(StreamEnd.Eof, end); // FIN, not RST
        await server.WaitForConnectionsAsync(0);
    }

    [Fact]
    public async Task Client_close_without_payload_is_answered_with_a_close_and_EOF()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "alice");

        await client.SendAsync(Frame(Op.Close, []));
        var close = (await client.ReadFrameAsync(Deadline)).Frame;

        Assert.True(close?.IsClose);
        Assert.True(close!.Payload.Length is 0 or 2);
        Assert.Equal(StreamEnd.Eof, await client.ReadToEndAsync(Deadline));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(999)]
    [InlineData(1004)]
    [InlineData(1005)]
    [InlineData(1006)]
    [InlineData(1015)]
    [InlineData(1016)]
    [InlineData(2999)]
    [InlineData(5000)]
    [InlineData(65535)]
    public async Task Client_close_with_an_invalid_code_is_answered_with_1002(int code)
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "mallory");

        await client.SendAsync(CloseFrame((ushort)code));
        var close = (await client.ReadFrameAsync(Deadline)).Frame;

        Assert.Equal((ushort)1002, close?.CloseCode);
        Assert.NotEqual(StreamEnd.None, await client.ReadToEndAsync(Deadline));
    }

    [Fact]
    public async Task Client_close_with_a_one_byte_payload_is_answered_with_1002()
    {
        await using var server = await PushServer.StartAsync();
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "mallory");

        await client.SendAsync(Frame(Op.Close, [0x03]));

        Assert.Equal((ushort)1002, (await client.ReadFrameAsync(Deadline)).Frame?.CloseCode);
    }

    [Fact]
    public async Task Client_close_reason_with_invalid_UTF8_is_answered_with_1007_and_bystanders_keep_receiving()
    {
        await using var server = await PushServer.StartAsync();
        await using var bystander = await ConnectUpgradedAsync(server.BaseUri, "alice");
        await using var offender = await ConnectUpgradedAsync(server.BaseUri, "mallory");
        await server.WaitForConnectionsAsync(2);

        await offender.SendAsync(CloseFrame(1000, [0x6F, 0x6B, 0xFF, 0xFE]));

        Assert.Equal((ushort)1007, (await offender.ReadFrameAsync(Deadline)).Frame?.CloseCode);
        await server.WaitForConnectionsAsync(1);
        await bystander.SendAsync(TextFrame("still fine"));
        Assert.Equal("still fine", (await bystander.ReadDataFrameAsync(Deadline)).Text);
    }

    [Fact]
    public async Task Frames_after_the_client_close_are_ignored_and_not_broadcast()
    {
        await using var server = await PushServer.StartAsync();
        await using var bystander = await ConnectUpgradedAsync(server.BaseUri, "alice");
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "mallory");
        await server.WaitForConnectionsAsync(2);

        await client.SendAsync([.. CloseFrame(1000), .. TextFrame("after close")]);
        Assert.Equal((ushort)1000, (await client.ReadFrameAsync(Deadline)).Frame?.CloseCode);
        await server.WaitForConnectionsAsync(1);

        await bystander.SendAsync(TextFrame("marker"));
        Assert.Equal("marker", (await bystander.ReadDataFrameAsync(Deadline)).Text); // "after close" never came first
    }

    /// <summary>
    /// RFC 6455 section 7.1.1/7.1.7: once the server has failed the connection (sent close 1002 for a
    /// frame it could not parse) and the client answered with its close, the server closes TCP itself (with
    /// a FIN, not a reset), long before close-timeout would abort it.
    /// </summary>
    [Fact]
    public async Task After_a_header_level_1002_and_the_clients_close_reply_the_server_closes_TCP_without_waiting_for_close_timeout()
    {
        await using var server = await PushServer.StartAsync("actorpush.client.close-timeout = 30s");
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "mallory");

        await client.SendAsync(Frame(Op.Text, "hi"u8, rsv: 4));
        Assert.Equal((ushort)1002, (await client.ReadUntilCloseAsync(Deadline))?.CloseCode);
        await client.SendAsync(CloseFrame(1002)); // what a conforming client does next

        Assert.Equal(StreamEnd.Eof, await client.ReadToEndAsync(TimeSpan.FromSeconds(5))); // closed, not reset: the close reply was read first
    }

    [Fact]
    public async Task After_a_1009_the_server_still_completes_the_close_handshake_when_the_client_finishes_its_frame()
    {
        await using var server = await PushServer.StartAsync("actorpush.max-message-size = 1 KiB");
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "mallory");

        await client.SendAsync([.. Frame(Op.Binary, new byte[2000]), .. CloseFrame(1009)]);

        Assert.Equal((ushort)1009, (await client.ReadUntilCloseAsync(Deadline))?.CloseCode);
        Assert.Equal(StreamEnd.Eof, await client.ReadToEndAsync(Deadline));
    }

    // ---- flow control -----------------------------------------------------------------------------

    /// <summary>
    /// A client that floods pings and never reads: pongs go into PushWebSocket's unbounded outbound
    /// channel without counting against send-queue-limit, and the receive loop never stops reading, so
    /// nothing bounds the memory held for that connection. The server must either close it (4008) or
    /// stop reading (TCP backpressure) long before the client has pushed 64 MB of pings.
    /// </summary>
    [Fact]
    public async Task Client_flooding_pings_without_reading_is_bounded_by_the_send_queue_limit()
    {
        await using var server = await PushServer.StartAsync("actorpush.client.send-queue-limit = 64 KiB");
        await using var client = await ConnectUpgradedAsync(server.BaseUri, "mallory");
        client.Socket.ReceiveBufferSize = 64 * 1024;
        var ping = Frame(Op.Ping, new byte[125]);
        var batch = Enumerable.Repeat(ping, 1000).SelectMany(b => b).ToArray(); // 131 KB
        const long limit = 64L * 1024 * 1024;

        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        long sent = 0;
        var bounded = false;
        while (sent < limit)
        {
            try
            {
                await client.SendAsync(batch, TimeSpan.FromSeconds(2));
            }
            catch (Exception e) when (e is TimeoutException or System.Net.Sockets.SocketException)
            {
                bounded = true; // the server stopped reading, or closed/reset the connection
                break;
            }

            sent += batch.Length;
        }

        var growth = (GC.GetTotalMemory(forceFullCollection: true) - memoryBefore) / (1024 * 1024);
        Assert.True(bounded, $"the server accepted {sent / (1024 * 1024)} MB of pings from a client that never reads its pongs, " +
                             $"without closing it or pushing back (managed memory of the process grew by {growth} MB meanwhile)");
    }

    private static void AssertServerFrameShape(RawFrame frame)
    {
        Assert.False(frame.Masked); // RFC 6455 5.1: a server must not mask
        Assert.Equal(0, frame.Rsv);
        Assert.True(frame.Fin || !(frame.Opcode >= 8));
        if (frame.Opcode >= 8)
            Assert.InRange(frame.Payload.Length, 0, 125);
    }
}
