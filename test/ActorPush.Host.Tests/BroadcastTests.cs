using System.Net.WebSockets;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests;

/// <summary>Every client frame reaches every client, unchanged, in one global order.</summary>
public sealed class BroadcastTests
{
    [Fact]
    public async Task Text_frame_reaches_every_client_including_the_sender_unchanged()
    {
        await using var server = await PushServer.StartAsync();
        using var alice = await server.ConnectAsync("alice");
        using var bob = await server.ConnectAsync("bob");
        const string payload = "{\"hello\":\"wörld\"} ✓";

        await alice.SendTextAsync(payload);

        Assert.Equal(payload, await alice.ReceiveTextAsync());
        Assert.Equal(payload, await bob.ReceiveTextAsync());
    }

    [Fact]
    public async Task A_message_sent_right_after_the_handshake_reaches_everyone_connected_including_the_sender()
    {
        await using var server = await PushServer.StartAsync();
        for (var round = 0; round < 20; round++)
        {
            // No waiting for the registry: the handshake completes only once the connection is in the broadcast.
            using var early = await server.ConnectOnlyAsync($"early{round}");
            using var first = await server.ConnectOnlyAsync($"first{round}");

            await first.SendTextAsync($"hello {round}");

            Assert.Equal($"hello {round}", await first.ReceiveTextAsync());
            Assert.Equal($"hello {round}", await early.ReceiveTextAsync());
        }
    }

    [Fact]
    public async Task Binary_frame_is_broadcast_as_binary_with_the_same_bytes()
    {
        await using var server = await PushServer.StartAsync();
        using var alice = await server.ConnectAsync("alice");
        using var bob = await server.ConnectAsync("bob");
        var bytes = new byte[] { 0, 1, 2, 0xFF, 0xFE, 0x80, 10, 13 };

        await alice.SendAsync(bytes, WebSocketMessageType.Binary, true, CancellationToken.None);

        var received = await bob.ReceiveMessageAsync();
        Assert.Equal(WebSocketMessageType.Binary, received.Type);
        Assert.Equal(bytes, received.Payload);
    }

    [Fact]
    public async Task Fragmented_and_empty_messages_are_broadcast_whole()
    {
        await using var server = await PushServer.StartAsync();
        using var alice = await server.ConnectAsync("alice");
        using var bob = await server.ConnectAsync("bob");

        await alice.SendAsync("part one, "u8.ToArray(), WebSocketMessageType.Text, false, CancellationToken.None);
        await alice.SendAsync("part two"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        await alice.SendAsync(Array.Empty<byte>(), WebSocketMessageType.Text, true, CancellationToken.None);

        Assert.Equal("part one, part two", await bob.ReceiveTextAsync());
        Assert.Equal("", await bob.ReceiveTextAsync());
    }

    [Fact]
    public async Task Every_client_sees_one_global_order_and_each_senders_messages_in_send_order()
    {
        const int senders = 3, perSender = 200, listeners = 4;
        await using var server = await PushServer.StartAsync();
        var senderSockets = new List<ClientWebSocket>();
        for (var s = 0; s < senders; s++)
            senderSockets.Add(await server.ConnectAsync($"sender{s}"));
        var listenerSockets = new List<ClientWebSocket>();
        for (var l = 0; l < listeners; l++)
            listenerSockets.Add(await server.ConnectAsync($"listener{l}"));
        var everyone = senderSockets.Concat(listenerSockets).ToList();
        var reading = everyone.Select(socket => ReadAllAsync(socket, senders * perSender)).ToList();

        await Task.WhenAll(senderSockets.Select(async (socket, s) =>
        {
            for (var i = 0; i < perSender; i++)
                await socket.SendTextAsync($"{s}:{i}");
        }));
        var sequences = await Task.WhenAll(reading);

        foreach (var sequence in sequences)
        {
            Assert.Equal(sequences[0], sequence); // the same global order everywhere
            for (var s = 0; s < senders; s++)
            {
                var fromSender = sequence.Where(m => m.StartsWith($"{s}:")).ToList();
                Assert.Equal(Enumerable.Range(0, perSender).Select(i => $"{s}:{i}"), fromSender);
            }
        }

        foreach (var socket in everyone)
            socket.Dispose();
    }

    [Fact]
    public async Task One_user_may_hold_many_connections_and_closing_one_keeps_the_others()
    {
        await using var server = await PushServer.StartAsync();
        using var tab1 = await server.ConnectAsync("carol");
        using var tab2 = await server.ConnectAsync("carol");
        using var phone = await server.ConnectAsync("carol");
        Assert.Equal(3, (await server.PresenceAsync("carol")).Connections);

        await tab1.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        await Eventually.HoldsAsync(async () => (await server.PresenceAsync("carol")).Connections == 2, "carol to hold two connections");
        await phone.SendTextAsync("still here");

        Assert.Equal("still here", await tab2.ReceiveTextAsync());
        Assert.Equal("still here", await phone.ReceiveTextAsync());
    }

    [Fact]
    public async Task A_connection_that_vanishes_without_a_close_frame_is_unregistered()
    {
        await using var server = await PushServer.StartAsync();
        using var stays = await server.ConnectAsync("dave");
        var vanishes = await server.ConnectAsync("dave");

        vanishes.Abort(); // TCP torn down, no close handshake
        vanishes.Dispose();

        await Eventually.HoldsAsync(async () => (await server.PresenceAsync("dave")).Connections == 1, "dave to hold one connection");
    }

    [Fact]
    public async Task Thousand_concurrent_clients_all_receive_one_broadcast()
    {
        const int clients = 1000;
        await using var server = await PushServer.StartAsync();
        var sockets = new ClientWebSocket[clients];
        for (var batch = 0; batch < clients; batch += 100)
        {
            await Task.WhenAll(Enumerable.Range(batch, 100).Select(async i => sockets[i] = await server.ConnectOnlyAsync($"user{i}")));
        }

        await server.WaitForConnectionsAsync(clients);
        var reading = sockets.Select(socket => socket.ReceiveTextAsync()).ToArray();
        await sockets[0].SendTextAsync("to all thousand");

        var received = await Task.WhenAll(reading);
        Assert.All(received, text => Assert.Equal("to all thousand", text));
        foreach (var socket in sockets)
            socket.Dispose();
    }

    private static async Task<List<string>> ReadAllAsync(ClientWebSocket socket, int count)
    {
        var messages = new List<string>(count);
        while (messages.Count < count)
            messages.Add(await socket.ReceiveTextAsync());
        return messages;
    }
}
