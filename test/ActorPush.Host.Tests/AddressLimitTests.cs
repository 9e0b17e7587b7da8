using System.Net;
using System.Net.WebSockets;
using ActorPush.Host.Handshake;
using ActorPush.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ActorPush.Host.Tests;

/// <summary>
/// actorpush.limits.max-connections-per-address: one client address holds at most so many connections (429 with a
/// text); the address is the TCP peer, or behind a trusted proxy the client it forwards, so nginx in front does not
/// make everyone one address and a forwarding header from anyone else changes nothing. Clients leave from different
/// loopback addresses (127.0.0.x) to be different peers.
/// </summary>
public sealed class AddressLimitTests
{
    private static readonly IPAddress First = IPAddress.Parse("127.0.0.1");
    private static readonly IPAddress Second = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Proxy = IPAddress.Parse("127.0.0.3");

    [Fact]
    public async Task An_address_over_its_limit_gets_429_while_other_addresses_connect_and_a_freed_slot_is_reusable()
    {
        await using var server = await PushServer.StartAsync("actorpush.limits.max-connections-per-address = 2");
        using var a = await server.ConnectFromAsync(First, "user_id=a");
        using var b = await server.ConnectFromAsync(First, "user_id=b");

        var (status, text) = await RefusedFromAsync(server, First, "user_id=c");
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Contains("address already holds 2 connections", text);

        using var other = await server.ConnectFromAsync(Second, "user_id=c"); // another address has its own count
        await server.WaitForConnectionsAsync(3);

        await a.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        var policy = server.Services.GetRequiredService<HandshakePolicy>();
        await Eventually.HoldsAsync(() => policy.Connections.Count == 2, "the closed connection to give its slot back");
        using var again = await server.ConnectFromAsync(First, "user_id=d");
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_forwarded_client_is_counted_and_a_spoofed_header_from_anyone_else_is_not()
    {
        await using var server = await PushServer.StartAsync($"""
            actorpush.limits.max-connections-per-address = 2
            actorpush.trusted-proxies = ["{Proxy}"]
            """);

        // Through the proxy: two clients behind it are two addresses, each with its own limit.
        using var x1 = await server.ConnectFromAsync(Proxy, "user_id=x1", ("X-Forwarded-For", "198.51.100.7"));
        using var x2 = await server.ConnectFromAsync(Proxy, "user_id=x2", ("X-Forwarded-For", "198.51.100.7"));
        using var y1 = await server.ConnectFromAsync(Proxy, "user_id=y1", ("X-Forwarded-For", "198.51.100.8"));
        var (proxied, proxiedText) = await RefusedFromAsync(server, Proxy, "user_id=x3", ("X-Forwarded-For", "198.51.100.7"));
        Assert.Equal(HttpStatusCode.TooManyRequests, proxied);
        Assert.Contains("address already holds 2", proxiedText);

        // Not a trusted proxy: a new address in every header does not make new clients.
        using var s1 = await server.ConnectFromAsync(Second, "user_id=s1", ("X-Forwarded-For", "203.0.113.1"));
        using var s2 = await server.ConnectFromAsync(Second, "user_id=s2", ("X-Forwarded-For", "203.0.113.2"));
        var (spoofed, _) = await RefusedFromAsync(server, Second, "user_id=s3", ("X-Forwarded-For", "203.0.113.3"));
        Assert.Equal(HttpStatusCode.TooManyRequests, spoofed);

        await server.WaitForConnectionsAsync(5);
    }

    [Fact]
    public async Task Without_the_setting_one_address_is_not_limited()
    {
        await using var server = await PushServer.StartAsync("actorpush.limits.max-connections-per-user = 0");
        var sockets = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 20; i++)
                sockets.Add(await server.ConnectFromAsync(First, "user_id=u" + i));
            await server.WaitForConnectionsAsync(20);
        }
        finally
        {
            sockets.ForEach(socket => socket.Dispose());
        }
    }

    /// <summary>A raw upgrade request from <paramref name="local"/>, to read the refusal's status and text.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> RefusedFromAsync(
        PushServer server, IPAddress local, string query, params (string Name, string Value)[] headers)
    {
        using var http = server.HttpFrom(local);
        return await http.SendWithAsync("/im?" + query,
        [
            .. headers,
            ("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray())),
        ]);
    }
}
