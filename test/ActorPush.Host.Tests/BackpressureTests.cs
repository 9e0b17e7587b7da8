using System.Buffers.Binary;
using System.Net.WebSockets;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests;

/// <summary>Tests that move a lot of data (here 1.25 GB through loopback) run alone, so they do not starve tests that run beside them.</summary>
[CollectionDefinition(nameof(HeavyLoadCollection), DisableParallelization = true)]
public sealed class HeavyLoadCollection;

/// <summary>
/// A publisher that outpaces the fan-out is slowed (its socket is not read while the fan-out is behind),
/// never served by cutting the readers that keep reading; everything it sent still arrives, in order.
/// </summary>
[Collection(nameof(HeavyLoadCollection))]
public sealed class BackpressureTests
{
    [Fact]
    public async Task A_burst_of_40_messages_of_64_KiB_reaches_500_readers_in_order_and_cuts_none()
    {
        const int readers = 500;
        const int messages = 40;
        await using var server = await PushServer.StartAsync(); // shipped defaults: backpressure on, 1 MiB send queues
        var sockets = new ClientWebSocket[readers];
        for (var batch = 0; batch < readers; batch += 50)
            await Task.WhenAll(Enumerable.Range(batch, 50).Select(async i => sockets[i] = await server.ConnectOnlyAsync($"reader{i}")));
        using var publisher = await server.ConnectOnlyAsync("publisher");
        await server.WaitForConnectionsAsync(readers + 1);

        var reading = sockets.Select(socket => ReadSequenceAsync(socket, messages)).ToArray();
        var echo = ReadSequenceAsync(publisher, messages);
        var payload = new byte[64 * 1024];
        for (var i = 0; i < messages; i++) // as fast as the socket takes them: 2.5 MiB, 40 x more than a reader may queue
        {
            BinaryPrimitives.WriteInt32BigEndian(payload, i);
            await publisher.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
        }

        var received = await Task.WhenAll(reading);
        Assert.All(received, sequence => Assert.Equal(Enumerable.Range(0, messages), sequence));
        Assert.Equal(Enumerable.Range(0, messages), await echo);
        Assert.Equal(0, server.Metrics.SlowConsumerDisconnects);
        Assert.Equal(messages, server.Metrics.MessagesIn);
        foreach (var socket in sockets)
            socket.Dispose();
    }

    [Fact]
    public async Task A_client_sending_10000_messages_as_fast_as_it_can_gets_all_of_them_to_every_reader()
    {
        const int messages = 10_000;
        await using var server = await PushServer.StartAsync();
        using var alice = await server.ConnectAsync("alice");
        using var bob = await server.ConnectAsync("bob");
        using var sender = await server.ConnectAsync("sender");

        var readers = new[] { alice, bob, sender }.Select(socket => ReadSequenceAsync(socket, messages)).ToArray();
        var payload = new byte[512];
        for (var i = 0; i < messages; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(payload, i);
            await sender.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
        }

        foreach (var sequence in await Task.WhenAll(readers))
            Assert.Equal(Enumerable.Range(0, messages), sequence);
        Assert.Equal(0, server.Metrics.SlowConsumerDisconnects);
    }

    [Fact]
    public async Task A_burst_into_few_readers_with_a_small_send_queue_is_slowed_not_cut()
    {
        // Three readers and a 256 KiB send queue: the marks follow the open connections and the queue
        // limit, so a burst of 2 MiB is held back before any reader's queue reaches its limit.
        await using var server = await PushServer.StartAsync("actorpush.client.send-queue-limit = 256 KiB");
        using var alice = await server.ConnectAsync("alice");
        using var bob = await server.ConnectAsync("bob");
        using var sender = await server.ConnectAsync("sender");
        const int messages = 64;

        var readers = new[] { alice, bob, sender }.Select(socket => ReadSequenceAsync(socket, messages)).ToArray();
        var payload = new byte[32 * 1024];
        for (var i = 0; i < messages; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(payload, i);
            await sender.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
        }

        foreach (var sequence in await Task.WhenAll(readers))
            Assert.Equal(Enumerable.Range(0, messages), sequence);
        Assert.Equal(0, server.Metrics.SlowConsumerDisconnects);
    }

    /// <summary>Reads <paramref name="count"/> messages and returns the sequence number each starts with.</summary>
    private static async Task<List<int>> ReadSequenceAsync(WebSocket socket, int count)
    {
        var sequence = new List<int>(count);
        while (sequence.Count < count)
        {
            var message = await socket.ReceiveMessageAsync(TimeSpan.FromSeconds(60));
            Assert.True(message.Type == WebSocketMessageType.Binary,
                $"after {sequence.Count} of {count} messages: a {message.Type} frame (close status {message.CloseStatus})"); // a cut reader says how
            sequence.Add(BinaryPrimitives.ReadInt32BigEndian(message.Payload));
        }

        return sequence;
    }
}

/// <summary>The node-wide cap on outbound bytes: over it the largest queues are cut first, and readers that read lose nothing.</summary>
[Collection(nameof(HeavyLoadCollection))]
public sealed class OutboundCapTests
{
    [Fact]
    public async Task Over_the_node_outbound_cap_the_largest_queues_are_cut_with_4008_and_a_reader_gets_everything()
    {
        // Each staller may queue 4 MiB, but the node holds 3 MiB at most: the cap, not the per-connection limit, cuts them.
        await using var server = await PushServer.StartAsync("""
            actorpush.client.send-queue-limit = 4 MiB
            actorpush.limits.max-outbound-bytes = 3 MiB
            actorpush.client.close-timeout = 60s
            actorpush.client.keepalive-interval = 0s
            """);
        using var reader = await server.ConnectAsync("reader");
        var stallers = new List<Protocol.RawWebSocketClient>();
        for (var i = 0; i < 3; i++)
        {
            stallers.Add(await Protocol.RawWebSocketClient.ConnectUpgradedAsync(server.BaseUri, $"staller{i}")); // reads nothing until one is cut
        }

        await server.WaitForConnectionsAsync(4);
        using var http = server.Http();
        var payload = new string('x', 60 * 1024);
        const int messages = 300; // 18 MiB for every staller: far more than kernel buffers and the cap
        var reading = ReadTextsAsync(reader, messages);
        var publishing = Task.Run(async () =>
        {
            for (var i = 0; i < messages; i++)
            {
                var (status, _) = await http.SendAsync(HttpMethod.Post, "/api/broadcast", $"{i:D6}{payload}");
                Assert.Equal(System.Net.HttpStatusCode.Accepted, status);
            }
        });

        // Once one is cut, the stallers read: a staller that was cut reads the rest of what reached its socket, then the close frame.
        await Eventually.HoldsAsync(() => server.Metrics.SlowConsumerDisconnects >= 1, "a staller to be cut", TimeSpan.FromSeconds(120));
        var closes = stallers.Select(staller => staller.ReadUntilCloseAsync(TimeSpan.FromSeconds(120))).ToList();
        var first = await await Task.WhenAny(closes);
        Assert.Equal((ushort)4008, first?.CloseCode);
        Assert.Equal("slow consumer: server outbound memory full", first!.CloseReason);

        await publishing;
        var received = await reading;
        Assert.Equal(Enumerable.Range(0, messages).Select(i => $"{i:D6}"), received.Select(text => text[..6]));
        Assert.Equal(1, (await server.PresenceAsync("reader")).Connections);
        foreach (var staller in stallers)
            staller.Dispose();
    }

    private static async Task<List<string>> ReadTextsAsync(WebSocket socket, int count)
    {
        var texts = new List<string>(count);
        while (texts.Count < count)
            texts.Add(await socket.ReceiveTextAsync(TimeSpan.FromSeconds(120)));
        return texts;
    }
}
