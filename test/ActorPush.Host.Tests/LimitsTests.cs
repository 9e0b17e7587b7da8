using Akka.Actor;
using System.Net.WebSockets;
using ActorPush.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ActorPush.Host.Tests;

/// <summary>Bad input closes only the offending connection, with a documented code; nobody else notices.</summary>
public sealed class LimitsTests
{
    [Fact]
    public async Task A_client_actor_that_fails_is_stopped_by_its_parent_and_its_connection_closed_with_1011_while_others_keep_receiving()
    {
        await using var server = await PushServer.StartAsync();
        using var faulty = await server.ConnectAsync("mallory");
        var system = server.Services.GetRequiredService<ActorSystem>();
        var clients = await system.ActorSelection("/user/clients/*/*").Ask<ActorIdentity>(new Identify(null), Deadlines.Default);
        using var bystander = await server.ConnectAsync("alice");

        clients.Subject!.Tell(Kill.Instance); // the actor fails (ActorKilledException); its shard of "clients" stops it

        Assert.Equal(WebSocketCloseStatus.InternalServerError, await faulty.ReceiveCloseAsync());
        await server.WaitForConnectionsAsync(1);
        using var http = server.Http();
        await http.SendAsync(HttpMethod.Post, "/api/broadcast", "still here");
        Assert.Equal("still here", await bystander.ReceiveTextAsync());
    }

    [Fact]
    public async Task Message_over_max_message_size_closes_that_connection_with_1009_and_others_keep_receiving()
    {
        await using var server = await PushServer.StartAsync("actorpush.max-message-size = 1 KiB");
        using var offender = await server.ConnectAsync("mallory");
        using var bystander = await server.ConnectAsync("alice");

        await offender.SendAsync(new byte[1025], WebSocketMessageType.Binary, true, CancellationToken.None);

        Assert.Equal((WebSocketCloseStatus)1009, await offender.ReceiveCloseAsync());
        await server.WaitForConnectionsAsync(1);
        await bystander.SendAsync(new byte[1024], WebSocketMessageType.Binary, true, CancellationToken.None); // exactly the limit is fine
        var received = await bystander.ReceiveMessageAsync();
        Assert.Equal(1024, received.Payload.Length);
    }

    [Fact]
    public async Task A_message_larger_than_the_client_mailbox_byte_bound_still_reaches_readers_that_keep_up()
    {
        // One frame always fits into an empty ClientActor mailbox: before, a frame over mailbox-max-bytes was
        // dropped without waking the actor, so the reader neither got it nor was closed (Autobahn 9.x stalled).
        await using var server = await PushServer.StartAsync(
            "actorpush.max-message-size = 1 MiB\nactorpush.client.send-queue-limit = 4 MiB\nactorpush.client.mailbox.mailbox-max-bytes = 64 KiB");
        using var sender = await server.ConnectAsync("big-sender");
        using var reader = await server.ConnectAsync("big-reader");

        await sender.SendAsync(new byte[300 * 1024], WebSocketMessageType.Binary, true, CancellationToken.None);

        Assert.Equal(300 * 1024, (await reader.ReceiveMessageAsync()).Payload.Length);
        Assert.Equal(300 * 1024, (await sender.ReceiveMessageAsync()).Payload.Length);
    }

    [Fact]
    public async Task Oversized_message_split_into_fragments_is_also_closed_with_1009()
    {
        await using var server = await PushServer.StartAsync("actorpush.max-message-size = 1 KiB");
        using var offender = await server.ConnectAsync("mallory");

        for (var i = 0; i < 3; i++)
            await offender.SendAsync(new byte[400], WebSocketMessageType.Binary, false, CancellationToken.None);

        Assert.Equal((WebSocketCloseStatus)1009, await offender.ReceiveCloseAsync());
    }

    [Fact]
    public async Task Invalid_utf8_in_a_text_frame_closes_that_connection_with_1007_and_others_keep_receiving()
    {
        await using var server = await PushServer.StartAsync();
        using var offender = await server.ConnectAsync("mallory");
        using var bystander = await server.ConnectAsync("alice");

        await offender.SendAsync(new byte[] { 0x68, 0x69, 0xC3, 0x28 }, WebSocketMessageType.Text, true, CancellationToken.None);

        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, await offender.ReceiveCloseAsync());
        await server.WaitForConnectionsAsync(1);
        await bystander.SendTextAsync("fine");
        Assert.Equal("fine", await bystander.ReceiveTextAsync());
        Assert.Equal(0, server.Metrics.MessagesIn - 1); // only "fine" was accepted
    }

    [Fact]
    public async Task Slow_client_is_closed_with_4008_and_others_still_receive_everything()
    {
        // A small queue limit so the kernel's socket buffers are filled quickly; a long close timeout
        // so the slow client can still read its close frame once it resumes reading.
        await using var server = await PushServer.StartAsync("""
            actorpush.client.send-queue-limit = 256 KiB
            actorpush.client.close-timeout = 60s
            """);
        using var slow = await server.ConnectAsync("slow");
        using var reader = await server.ConnectAsync("reader");
        using var publisher = await server.ConnectAsync("publisher");
        const int messages = 600;
        var payload = new byte[32 * 1024]; // 600 x 32 KiB = 19 MiB: far more than socket buffers plus the limit

        // The publisher goes at the pace of the readers that do read (lock-step), so only the client
        // that never reads can fall behind.
        for (var i = 0; i < messages; i++)
        {
            await publisher.SendAsync(payload, WebSocketMessageType.Binary, true, CancellationToken.None);
            Assert.Equal(payload.Length, (await reader.ReceiveMessageAsync()).Payload.Length);
            Assert.Equal(payload.Length, (await publisher.ReceiveMessageAsync()).Payload.Length);
        }

        await Eventually.HoldsAsync(() => server.Metrics.SlowConsumerDisconnects == 1, "the slow client to be cut off");
        Assert.Equal((WebSocketCloseStatus)4008, await slow.ReceiveCloseAsync());
        await server.WaitForConnectionsAsync(2);
    }

    [Fact]
    public async Task With_publish_off_client_frames_are_counted_and_not_broadcast()
    {
        await using var server = await PushServer.StartAsync("actorpush.client.publish = off");
        using var alice = await server.ConnectAsync("alice");
        using var bob = await server.ConnectAsync("bob");

        await alice.SendTextAsync("nobody hears this");
        await Eventually.HoldsAsync(() => server.Metrics.ClientFramesDiscarded == 1, "the frame to be counted as discarded");

        Assert.Equal(0, server.Metrics.MessagesIn);
        using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bob.ReceiveAsync(new byte[64], quiet.Token));
    }

    [Fact]
    public async Task Client_that_stops_answering_pings_is_dropped_by_keepalive()
    {
        await using var server = await PushServer.StartAsync("""
            actorpush.client.keepalive-interval = 500ms
            actorpush.client.keepalive-timeout = 500ms
            """);
        using var responsive = await server.ConnectAsync("awake");
        var pumping = PumpUntilClosedAsync(responsive); // reading answers the server's pings
        // ClientWebSocket answers pings only while a receive is pending: this one never reads, like a half-open peer.
        using var silent = await server.ConnectAsync("asleep");

        await Eventually.HoldsAsync(async () => (await server.PresenceAsync("asleep")).Connections == 0, "the silent client to be dropped");
        Assert.Equal(1, (await server.PresenceAsync("awake")).Connections);
        Assert.False(pumping.IsCompleted);
    }

    private static async Task PumpUntilClosedAsync(WebSocket socket)
    {
        var buffer = new byte[1024];
        while (socket.State == WebSocketState.Open)
            await socket.ReceiveAsync(buffer, CancellationToken.None);
    }
}
