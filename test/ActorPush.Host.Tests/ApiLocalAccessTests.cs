using System.Net;
using System.Net.Sockets;
using ActorPush.Host.Access;
using ActorPush.Host.Tests.Infrastructure;
using Microsoft.Extensions.Primitives;

namespace ActorPush.Host.Tests;

/// <summary>
/// Without an API key, /api answers only requests that are really local: not those a proxy on the same host
/// forwards for someone else, not a browser page on another site (CSRF), not a foreign Host (DNS rebinding).
/// Every case runs against the real server on 127.0.0.1; the "trusted proxy" is a client bound to 127.0.0.2.
/// </summary>
public sealed class ApiLocalAccessTests
{
    private const string TrustedProxy = "127.0.0.2";
    private static readonly string TrustProxy = $"actorpush.trusted-proxies = [\"{TrustedProxy}\"]";

    [Fact]
    public async Task A_plain_local_request_is_answered_on_the_same_port_and_paths()
    {
        await using var server = await PushServer.StartAsync(TrustProxy);
        using var http = server.Http();
        using var client = await server.ConnectAsync("alice");

        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(HttpMethod.Get, "/api/stats")).Status);
        Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(HttpMethod.Post, "/api/broadcast", "local")).Status);
        Assert.Equal("local", await client.ReceiveTextAsync());
    }

    [Theory]
    [InlineData("X-Forwarded-For", "203.0.113.7")]
    [InlineData("X-Real-IP", "203.0.113.7")]
    [InlineData("Forwarded", "for=203.0.113.7;proto=https")]
    [InlineData("X-Forwarded-For", "127.0.0.1")] // a spoofed "I am local" from a peer that is no trusted proxy
    public async Task A_forwarded_request_from_a_peer_that_is_not_a_trusted_proxy_gets_403_and_pushes_nothing(string header, string value)
    {
        await using var server = await PushServer.StartAsync(TrustProxy);
        using var http = server.Http();
        http.DefaultRequestHeaders.TryAddWithoutValidation(header, value);

        var (stats, text) = await http.SendAsync(HttpMethod.Get, "/api/stats");
        var (push, _) = await http.SendAsync(HttpMethod.Post, "/api/broadcast", "relayed?");
        var (kick, _) = await http.SendAsync(HttpMethod.Delete, "/api/users/alice/connections");

        Assert.Equal(HttpStatusCode.Forbidden, stats);
        Assert.Contains("forwarded", text);
        Assert.Equal(HttpStatusCode.Forbidden, push);
        Assert.Equal(HttpStatusCode.Forbidden, kick);
        Assert.Equal(0, server.Metrics.MessagesIn);
    }

    [Fact]
    public async Task A_trusted_proxy_naming_a_loopback_client_is_answered_and_one_naming_an_outside_client_gets_403()
    {
        await using var server = await PushServer.StartAsync(TrustProxy);
        using var proxy = server.HttpFrom(IPAddress.Parse(TrustedProxy));

        Assert.Equal(HttpStatusCode.OK, (await proxy.SendWithAsync("/api/stats", ("X-Forwarded-For", "127.0.0.1"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await proxy.SendWithAsync("/api/stats", ("X-Real-IP", "::1"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await proxy.SendWithAsync("/api/stats", ("Forwarded", "for=\"127.0.0.1:5000\""))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await proxy.SendWithAsync("/api/stats", ("X-Forwarded-For", "203.0.113.7"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await proxy.SendWithAsync("/api/stats", ("X-Forwarded-For", "garbage"))).Status);
        // The outside client sent "X-Forwarded-For: 127.0.0.1" itself; the proxy appended the address it saw.
        Assert.Equal(HttpStatusCode.Forbidden, (await proxy.SendWithAsync("/api/stats", ("X-Forwarded-For", "127.0.0.1, 203.0.113.7"))).Status);
        // Without a forwarding header a trusted proxy is just a loopback peer.
        Assert.Equal(HttpStatusCode.OK, (await proxy.SendWithAsync("/api/stats")).Status);
    }

    [Theory]
    [InlineData("Origin", "https://evil.example")]
    [InlineData("Origin", "null")]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    public async Task A_cross_site_request_gets_403_and_pushes_nothing(string header, string value)
    {
        await using var server = await PushServer.StartAsync();
        using var http = server.Http();
        http.DefaultRequestHeaders.TryAddWithoutValidation(header, value);

        var (push, text) = await http.SendAsync(HttpMethod.Post, "/api/broadcast", "csrf", "text/plain");

        Assert.Equal(HttpStatusCode.Forbidden, push);
        Assert.Contains("cross-site", text);
        Assert.Equal(0, server.Metrics.MessagesIn);
    }

    [Fact]
    public async Task A_local_page_origin_is_answered()
    {
        await using var server = await PushServer.StartAsync();
        using var http = server.Http();

        Assert.Equal(HttpStatusCode.OK, (await http.SendWithAsync("/api/stats", ("Origin", $"http://localhost:{server.BaseUri.Port}"), ("Sec-Fetch-Site", "same-origin"))).Status);
    }

    [Theory]
    [InlineData("evil.example", false)]
    [InlineData("rebind.attacker.example:8080", false)]
    [InlineData("192.0.2.10", false)]
    [InlineData("push.internal", true)]
    [InlineData("localhost", true)]
    [InlineData("[::1]", true)]
    [InlineData("127.0.0.1", true)]
    public async Task A_host_that_is_not_a_loopback_name_or_configured_gets_403(string host, bool answered)
    {
        await using var server = await PushServer.StartAsync("actorpush.api.allowed-hosts = [\"push.internal\"]");
        using var http = server.Http();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stats");
        request.Headers.Host = host;

        using var response = await http.SendAsync(request);

        Assert.Equal(answered ? HttpStatusCode.OK : HttpStatusCode.Forbidden, response.StatusCode);
        if (!answered)
            Assert.Contains("Host", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_path_is_guarded_by_the_same_rule()
    {
        await using var server = await PushServer.StartAsync();
        using var http = server.Http();

        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendWithAsync("/metrics", ("X-Forwarded-For", "203.0.113.7"))).Status);
    }

    [Fact]
    public void Client_address_comes_from_the_header_only_when_a_trusted_proxy_sent_it()
    {
        var proxies = new TrustedProxies(["10.0.0.0/8", "127.0.0.2"]);
        var outside = IPAddress.Parse("203.0.113.7");
        var untrustedPeer = IPAddress.Parse("192.0.2.1");

        Assert.Equal(untrustedPeer, ClientAddress.Resolve(untrustedPeer, default, "127.0.0.1", default, proxies).Address);
        Assert.Equal(outside, ClientAddress.Resolve(IPAddress.Parse("10.1.2.3"), default, "203.0.113.7", default, proxies).Address);
        Assert.Equal(outside, ClientAddress.Resolve(IPAddress.Parse("::ffff:127.0.0.2"), default, "127.0.0.1, 203.0.113.7, 10.9.9.9", default, proxies).Address);
        Assert.Equal(outside, ClientAddress.Resolve(IPAddress.Parse("10.1.2.3"), "for=\"203.0.113.7:4711\";proto=https", default, default, proxies).Address);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), ClientAddress.Resolve(IPAddress.Parse("10.1.2.3"), default, default, new StringValues("[2001:db8::1]:80"), proxies).Address);
        Assert.Null(ClientAddress.Resolve(IPAddress.Parse("10.1.2.3"), "for=_hidden", default, default, proxies).Address);
        Assert.False(ClientAddress.Resolve(outside, default, default, default, proxies).Forwarded);
    }
}
