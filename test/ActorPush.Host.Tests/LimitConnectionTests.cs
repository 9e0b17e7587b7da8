using System.Net;
using System.Net.WebSockets;
using ActorPush.Host.Handshake;
using ActorPush.Host.Sessions;
using ActorPush.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ActorPush.Host.Tests;

/// <summary>actorpush.limits.* (503 per node, 429 per user) and actorpush.client.rate-limit (close 4029).</summary>
public sealed class LimitConnectionTests
{
    [Fact]
    public async Task Over_max_connections_the_handshake_gets_503_with_a_text_and_a_freed_slot_is_reusable()
    {
        await using var server = await PushServer.StartAsync("actorpush.limits.max-connections = 2");
        using var first = await server.ConnectAsync("a");
        var second = await server.ConnectAsync("b");

        var (status, text) = await server.HandshakeAsync("user_id=c");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("connection limit", text);

        await second.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        second.Dispose();
        var policy = server.Services.GetRequiredService<HandshakePolicy>();
        await Eventually.HoldsAsync(() => policy.Connections.Count == 1, "the closed connection to free its slot");
        await server.WaitForConnectionsAsync(1);
        using var third = await server.ConnectAsync("c");
    }

    [Fact]
    public async Task Over_max_connections_per_user_the_handshake_gets_429_and_other_users_still_connect()
    {
        await using var server = await PushServer.StartAsync("actorpush.limits.max-connections-per-user = 2");
        using var tab = await server.ConnectAsync("alice");
        using var phone = await server.ConnectAsync("alice");

        var (status, text) = await server.HandshakeAsync("user_id=alice");

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Contains("connections", text);
        using var bob = await server.ConnectAsync("bob");
        Assert.Equal(2, (await server.PresenceAsync("alice")).Connections);
    }

    [Fact]
    public async Task Refused_handshakes_and_plain_gets_take_no_slot()
    {
        await using var server = await PushServer.StartAsync("actorpush.limits.max-connections = 1");
        using var http = server.Http();
        await server.HandshakeAsync("user_id=");
        await server.HandshakeAsync("user_id=a&topics=bad*topic");
        await http.GetAsync("/im?user_id=alice");

        using var only = await server.ConnectAsync("alice");

        Assert.Equal(1, server.Services.GetRequiredService<HandshakePolicy>().Connections.Count);
    }

    [Fact]
    public void Concurrent_handshakes_never_pass_the_limit_together()
    {
        var limiter = new ConnectionLimiter(maxConnections: 50, maxConnectionsPerUser: 10);

        var leases = Enumerable.Range(0, 400).AsParallel().WithDegreeOfParallelism(16)
            .Select(i => limiter.TryAcquire("user" + (i % 8), null, out _))
            .Where(lease => lease is not null)
            .ToList();

        Assert.Equal(50, leases.Count);
        Assert.Equal(50, limiter.Count);
        leases.AsParallel().ForAll(lease => { lease!.Dispose(); lease.Dispose(); }); // releasing twice counts once
        Assert.Equal(0, limiter.Count);
        Assert.NotNull(limiter.TryAcquire("user0", null, out _));
    }

    [Fact]
    public async Task Client_over_the_rate_limit_is_closed_with_4029_and_others_keep_receiving()
    {
        // 1 message per second with a burst of 3: twenty messages in a row pass the limit however slow the machine.
        await using var server = await PushServer.StartAsync("""
            actorpush.client.rate-limit = 1
            actorpush.client.rate-limit-burst = 3
            """);
        using var flooder = await server.ConnectAsync("flooder");
        using var bystander = await server.ConnectAsync("bystander");

        for (var i = 0; i < 20 && flooder.State == WebSocketState.Open; i++)
        {
            try
            {
                await flooder.SendTextAsync("spam " + i);
            }
            catch (WebSocketException)
            {
                break; // the server closed meanwhile
            }
        }

        Assert.Equal((WebSocketCloseStatus)4029, await flooder.ReceiveCloseAsync());
        Assert.Equal(1, server.Metrics.RateLimitDisconnects);
        await server.WaitForConnectionsAsync(1);
        Assert.Equal("spam 0", await bystander.ReceiveTextAsync()); // what was within the burst went out
    }

    [Fact]
    public async Task Rate_limit_is_off_by_default()
    {
        await using var server = await PushServer.StartAsync();
        using var chatty = await server.ConnectAsync("chatty");

        for (var i = 0; i < 100; i++)
            await chatty.SendTextAsync("m" + i);
        for (var i = 0; i < 100; i++)
            Assert.Equal("m" + i, await chatty.ReceiveTextAsync());

        Assert.Equal(0, server.Metrics.RateLimitDisconnects);
    }

    [Fact]
    public void Token_bucket_allows_the_burst_then_refills_at_the_rate()
    {
        var now = 0L;
        var ticksPerSecond = System.Diagnostics.Stopwatch.Frequency;
        var bucket = new RateLimiter(perSecond: 2, burst: 3, clock: () => now);

        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());

        now += ticksPerSecond / 2; // half a second: one token at 2 per second
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());

        now += ticksPerSecond * 60; // a long pause refills only up to the burst
        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());
    }
}
