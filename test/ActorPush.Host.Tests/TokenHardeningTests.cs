using System.Net;
using System.Security.Cryptography;
using System.Text;
using ActorPush.Host.Tests.Infrastructure;

namespace ActorPush.Host.Tests;

/// <summary>JWT tricks the library alone lets through: a crit header, times as strings, a lifetime beyond the node's maximum.</summary>
public sealed class TokenHardeningTests
{
    private const string Secret = "test-secret-that-is-at-least-32-bytes-long";
    private static readonly string JwtConfig = $"actorpush.auth.jwt-secret = \"{Secret}\"";

    [Fact]
    public async Task A_crit_header_naming_an_unknown_extension_gets_401()
    {
        await using var server = await PushServer.StartAsync(JwtConfig);
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        var crit = Sign("""{"alg":"HS256","typ":"JWT","crit":["x-unknown"],"x-unknown":true}""", $$"""{"sub":"alice","exp":{{exp}}}""");
        var plain = Sign("""{"alg":"HS256","typ":"JWT"}""", $$"""{"sub":"alice","exp":{{exp}}}""");

        Assert.Equal((HttpStatusCode.Unauthorized, "token header crit names extensions this server does not support\n"), await server.HandshakeAsync("token=" + crit));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, (await server.HandshakeAsync("token=" + plain)).Status);
    }

    [Theory]
    [InlineData("exp")]
    [InlineData("nbf")]
    public async Task A_time_claim_that_is_not_a_number_gets_401(string claim)
    {
        await using var server = await PushServer.StartAsync(JwtConfig);
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        var nbf = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds();
        var payload = claim == "exp"
            ? $$"""{"sub":"alice","exp":"{{exp}}"}"""
            : $$"""{"sub":"alice","exp":{{exp}},"nbf":"{{nbf}}"}""";

        var (status, text) = await server.HandshakeAsync("token=" + Sign("""{"alg":"HS256","typ":"JWT"}""", payload));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("must be a number", text);
    }

    [Fact]
    public async Task With_a_maximum_lifetime_a_longer_token_gets_401_and_a_shorter_one_connects()
    {
        await using var server = await PushServer.StartAsync(JwtConfig + "\nactorpush.auth.max-token-lifetime = 1h");
        var longLived = Sign("""{"alg":"HS256","typ":"JWT"}""", $$"""{"sub":"alice","exp":{{DateTimeOffset.UtcNow.AddDays(30).ToUnixTimeSeconds()}}}""");
        var shortLived = Sign("""{"alg":"HS256","typ":"JWT"}""", $$"""{"sub":"alice","exp":{{DateTimeOffset.UtcNow.AddMinutes(30).ToUnixTimeSeconds()}}}""");

        Assert.Equal((HttpStatusCode.Unauthorized, "token is valid for longer than actorpush.auth.max-token-lifetime allows\n"), await server.HandshakeAsync("token=" + longLived));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, (await server.HandshakeAsync("token=" + shortLived)).Status);
    }

    private static string Sign(string header, string payload)
    {
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header)) + "." + Base64Url(Encoding.UTF8.GetBytes(payload));
        return signingInput + "." + Base64Url(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.ASCII.GetBytes(signingInput)));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
