using System.Net;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests;

/// <summary>JWT handshakes (actorpush.auth.jwt-secret) and browser origins (actorpush.allowed-origins).</summary>
public sealed class AuthTests
{
    private const string Secret = "test-secret-that-is-at-least-32-bytes-long";
    private static readonly string JwtConfig = $"actorpush.auth.jwt-secret = \"{Secret}\"";

    [Fact]
    public async Task Valid_token_connects_as_its_sub()
    {
        await using var server = await PushServer.StartAsync(JwtConfig);
        var token = PushApi.MintToken(Secret, "alice");

        using var socket = await server.ConnectQueryAsync("token=" + token);

        await Eventually.HoldsAsync(async () => (await server.PresenceAsync("alice")).Connections == 1, "alice to be connected");
    }

    [Fact]
    public async Task Bad_signature_expired_token_missing_exp_garbage_and_bare_user_id_get_401_before_upgrade()
    {
        await using var server = await PushServer.StartAsync(JwtConfig);
        var wrongKey = PushApi.MintToken("another-secret-that-is-at-least-32-bytes!", "alice");
        var expired = PushApi.MintToken(Secret, "alice", expires: DateTime.UtcNow.AddHours(-1));
        var noExp = PushApi.MintToken(Secret, "alice", withExpiry: false);
        var noSub = PushApi.MintToken(Secret, sub: null);
        var valid = PushApi.MintToken(Secret, "alice");
        var tampered = valid[..valid.LastIndexOf('.')] + "." + new string('A', 43);

        Assert.Equal((HttpStatusCode.Unauthorized, "token signature is invalid\n"), await server.HandshakeAsync("token=" + wrongKey));
        Assert.Equal((HttpStatusCode.Unauthorized, "token signature is invalid\n"), await server.HandshakeAsync("token=" + tampered));
        Assert.Equal((HttpStatusCode.Unauthorized, "token has expired\n"), await server.HandshakeAsync("token=" + expired));
        Assert.Equal((HttpStatusCode.Unauthorized, "token has no exp\n"), await server.HandshakeAsync("token=" + noExp));
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.HandshakeAsync("token=" + noSub)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.HandshakeAsync("token=not.a.jwt")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.HandshakeAsync("token=")).Status);
        var (bare, text) = await server.HandshakeAsync("user_id=alice");
        Assert.Equal(HttpStatusCode.Unauthorized, bare);
        Assert.Contains("token is required", text);
        Assert.Equal(0, (await server.StatsAsync()).Connections);
    }

    [Fact]
    public async Task Token_without_a_topics_claim_may_subscribe_to_any_topic()
    {
        await using var server = await PushServer.StartAsync(JwtConfig);
        var token = PushApi.MintToken(Secret, "alice");

        Assert.Equal(HttpStatusCode.SwitchingProtocols, (await server.HandshakeAsync($"token={token}&topics=anything,at:all")).Status);
    }

    [Fact]
    public async Task User_id_next_to_a_token_must_be_the_tokens_sub()
    {
        await using var server = await PushServer.StartAsync(JwtConfig);
        var token = PushApi.MintToken(Secret, "alice");

        Assert.Equal(HttpStatusCode.Forbidden, (await server.HandshakeAsync($"token={token}&user_id=mallory")).Status);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, (await server.HandshakeAsync($"token={token}&user_id=alice")).Status);
    }

    [Fact]
    public async Task Topics_claim_limits_what_the_connection_may_subscribe_to()
    {
        await using var server = await PushServer.StartAsync(JwtConfig);
        var limited = PushApi.MintToken(Secret, "alice", topics: ["news", "chat:42"]);
        var none = PushApi.MintToken(Secret, "bob", topics: []);

        var (forbidden, text) = await server.HandshakeAsync($"token={limited}&topics=news,chat:43");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden);
        Assert.Contains("chat:43", text);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.HandshakeAsync($"token={none}&topics=news")).Status);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, (await server.HandshakeAsync($"token={none}")).Status);

        using var socket = await server.ConnectQueryAsync($"token={limited}&topics=news,chat:42");
        await server.WaitForSubscribersAsync("chat:42", 1);
        using var http = server.Http();
        await http.SendAsync(HttpMethod.Post, "/api/topics/chat:42/messages", "hi alice");
        Assert.Equal("hi alice", await socket.ReceiveTextAsync());
    }

    [Fact]
    public async Task Origin_not_in_allowed_origins_gets_403_listed_and_absent_origins_pass()
    {
        await using var server = await PushServer.StartAsync("""actorpush.allowed-origins = ["https://app.example.com", "http://localhost:3000"]""");

        var (evil, text) = await server.HandshakeAsync("user_id=alice", origin: "https://evil.example.net");
        Assert.Equal(HttpStatusCode.Forbidden, evil);
        Assert.Contains("origin", text);
        Assert.Equal(HttpStatusCode.Forbidden, (await server.HandshakeAsync("user_id=alice", origin: "null")).Status);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, (await server.HandshakeAsync("user_id=alice", origin: "https://app.example.com")).Status);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, (await server.HandshakeAsync("user_id=alice", origin: "http://localhost:3000")).Status);
        Assert.Equal(HttpStatusCode.SwitchingProtocols, (await server.HandshakeAsync("user_id=alice")).Status);
    }

    [Fact]
    public async Task Without_allowed_origins_every_origin_passes()
    {
        await using var server = await PushServer.StartAsync();

        Assert.Equal(HttpStatusCode.SwitchingProtocols, (await server.HandshakeAsync("user_id=alice", origin: "https://anywhere.example")).Status);
    }
}
